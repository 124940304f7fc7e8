import assert from "node:assert/strict";
import { test } from "node:test";
import { encodedOnce } from "../proto/encoded-once.js";
import { RowAnswers, VersionedAnswers } from "./row-answers.js";

interface Row {
  state: number;
  updated_at: string;
  closure: Uint8Array;
}
const row = (state: number, closure: number[], updated = "t1"): Row => ({
  state,
  updated_at: updated,
  closure: new Uint8Array(closure),
});

test("a row read again with the same values gets the answer built before, encoded once", () => {
  const answers = new RowAnswers<Row, { state: number }>(1 << 20);
  let built = 0;
  const build = (r: Row) => {
    built++;
    return { state: r.state };
  };
  const first = answers.answer("lp/v1", row(1, [1, 2, 3]), build);
  assert.equal(answers.answer("lp/v1", row(1, [1, 2, 3]), build), first);
  assert.equal(built, 1);
  let encodings = 0;
  const encode = () => {
    encodings++;
    return new Uint8Array([7]);
  };
  encodedOnce(first, "binary", encode);
  encodedOnce(first, "binary", encode);
  assert.equal(encodings, 1, "a kept answer is final");
});

test("any changed value, a byte of a column included, builds a new answer", () => {
  const answers = new RowAnswers<Row, { n: number }>(1 << 20);
  let built = 0;
  const build = () => ({ n: ++built });
  answers.answer("k", row(1, [1, 2, 3]), build);
  assert.equal(answers.answer("k", row(2, [1, 2, 3]), build).n, 2, "state changed");
  assert.equal(answers.answer("k", row(2, [1, 2, 4]), build).n, 3, "same length, other bytes");
  assert.equal(answers.answer("k", row(2, [1, 2, 4], "t2"), build).n, 4, "updated_at changed");
  assert.equal(answers.answer("k", row(2, [1, 2, 4], "t2"), build).n, 4);
});

test("with no memory nothing is kept", () => {
  const answers = new RowAnswers<Row, { n: number }>(0);
  let built = 0;
  const build = () => ({ n: ++built });
  answers.answer("k", row(1, [1]), build);
  answers.answer("k", row(1, [1]), build);
  assert.equal(built, 2);
});

test("an answer kept per row version is served for that version only, and is final", () => {
  const answers = new VersionedAnswers<Row, { n: number }>(1 << 20);
  let built = 0;
  const build = () => ({ n: ++built });
  assert.equal(answers.get("e1", "100 t1"), undefined);
  const first = answers.answer("e1", "100 t1", row(1, [1]), build);
  assert.equal(answers.get("e1", "100 t1"), first);
  assert.equal(answers.get("e1", "101 t2"), undefined, "a newer version of the row");
  assert.equal(answers.get("e2", "100 t1"), undefined, "another row");
  const second = answers.answer("e1", "101 t2", row(2, [1]), build);
  assert.equal(answers.get("e1", "100 t1"), undefined, "only the latest version is kept");
  assert.equal(answers.get("e1", "101 t2"), second);
  let encodings = 0;
  encodedOnce(second, "binary", () => new Uint8Array([++encodings]));
  encodedOnce(second, "binary", () => new Uint8Array([++encodings]));
  assert.equal(encodings, 1);
  assert.equal(new VersionedAnswers<Row, { n: number }>(0).answer("e", "1", row(1, [1]), build).n, 3);
});
