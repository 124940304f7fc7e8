import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import { type Sort_Direction, SortSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { EntityCode } from "./entities.js";
import { type Filter, parseFilters, splitExpression } from "./filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "./paging.js";

function refused(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AdminError, `expected AdminError, got ${String(e)}`);
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe("parseFilters", () => {
  const ok: [string, EntityCode, Partial<Filter>[]][] = [
    ["", "t", []],
    ["eq(name,my.task)", "t", [{ fn: "eq", entity: "t", column: "name", values: ["my.task"] }]],
    ["eq(name, spaced)", "t", [{ values: ["spaced"] }]],
    ["eq(name,  two)", "t", [{ values: [" two"] }]],
    ["value_in(type,python-task;sidecar)", "t", [{ fn: "value_in", values: ["python-task", "sidecar"] }]],
    ["value_in(type,single)", "t", [{ values: ["single"] }]],
    ["value_not_in(type,a;b)", "t", [{ fn: "value_not_in", values: ["a", "b"] }]],
    [
      "eq(execution.phase,SUCCEEDED)+eq(task.name,t1)",
      "te",
      [
        { entity: "e", column: "phase" },
        { entity: "t", column: "name" },
      ],
    ],
    ["eq(workflow.name,wf)", "l", [{ entity: "w", column: "name" }]],
    ["eq(state,1)", "l", [{ column: "state", values: [1] }]],
    ["gte(created_at,1970-01-01T00:00:01Z)", "e", [{ fn: "gte", values: [1_000_000] }]],
    ["gt(duration,1.5)", "e", [{ column: "duration", values: [1.5e9] }]],
    ["lt(duration,1m30s)", "e", [{ values: [90e9] }]],
    ["contains(name,foo)", "w", [{ fn: "contains" }]],
    ["not_like(name,.flytegen%)", "nen", [{ fn: "not_like", entity: "nen" }]],
    ["eq(named_entity_metadata.state,1)", "nen", [{ entity: "nem", column: "state" }]],
    // v1.16: admin_tag is stored as execution tags; its `name` is the tag key.
    ["eq(admin_tag.name,nightly)", "e", [{ entity: "et", column: "key", values: ["nightly"] }]],
    ["eq(execution_tag.value,v)", "e", [{ entity: "et", column: "value" }]],
    // v1.16 quirk: project/domain/name on task executions mean the execution's.
    ["eq(name,exec1)", "te", [{ entity: "te", column: "execution_name" }]],
    ["eq(execution_name,x)", "ne", [{ entity: "ne", column: "execution_name" }]],
    ["eq(identifier,p1)", "p", [{ entity: "p", column: "identifier" }]],
  ];
  for (const [text, primary, want] of ok) {
    test(`accepts ${JSON.stringify(text)} on ${primary}`, () => {
      const got = parseFilters(text, primary);
      assert.equal(got.length, want.length);
      want.forEach((w, i) => {
        for (const [k, v] of Object.entries(w)) assert.deepEqual(got[i]?.[k as keyof Filter], v, `${text}: ${k}`);
      });
    });
  }

  const bad: [string, EntityCode, string | RegExp][] = [
    ["eq(name)", "t", "invalid value for filters"],
    ["name=foo", "t", "invalid value for filters"],
    ["foo(name,x)", "t", "unrecognized filter function: foo"],
    ["eq(execution.phase,RUNNING)", "t", "'e' entity is not allowed in filters"],
    ["eq(workflow.name,x)", "t", "'w' entity is not allowed in filters"],
    ["eq(foo,bar)", "t", "'t.foo' is invalid filter"],
    ["eq(project,p)", "e", "'e.project' is invalid filter"],
    ["eq(Name,x)", "t", "'t.Name' is invalid filter"],
    ["eq(bogus.name,x)", "t", "'t.bogus.name' is invalid filter"],
    ["eq(duration,soon)", "e", "Failed to parse duration [soon]"],
    ["gte(created_at,yesterday)", "e", /invalid timestamp \[yesterday\]/],
    ["eq(state,archived)", "e", /expected an integer/],
    ["eq(name,a;b)", "t", /takes a single value/],
    ["eq(name,x)+", "t", "invalid value for filters"],
  ];
  for (const [text, primary, message] of bad) {
    test(`refuses ${JSON.stringify(text)} on ${primary}`, () => refused(() => parseFilters(text, primary), message));
  }
});

describe("paging", () => {
  test("sort keys must be columns of the entity", () => {
    assert.deepEqual(parseSort(create(SortSchema, { key: "created_at" }), "t"), {
      column: "created_at",
      direction: "desc",
    });
    assert.deepEqual(parseSort(create(SortSchema, { key: "name", direction: 1 }), "w"), {
      column: "name",
      direction: "asc",
    });
    assert.equal(parseSort(undefined, "t"), undefined);
    refused(() => parseSort(create(SortSchema, { key: "nope" }), "t"), "invalid sort key 'nope'");
    refused(() => parseSort(create(SortSchema, { key: "" }), "t"), "invalid sort key ''");
    refused(
      () => parseSort(create(SortSchema, { key: "name", direction: 2 as Sort_Direction }), "t"),
      'invalid sort order specified: key:"name" direction:2 ',
    );
  });

  test("tokens are decimal offsets", () => {
    assert.equal(parseToken("", "ListTasks"), 0);
    assert.equal(parseToken("20", "ListTasks"), 20);
    assert.equal(parseToken("+5", "ListTasks"), 5);
    refused(() => parseToken("abc", "ListTasks"), "invalid pagination token abc for ListTasks");
    refused(() => parseToken("-1", "ListTasks"), "invalid pagination token -1 for ListTasks");
    refused(() => parseToken("x", ""), "invalid pagination token x");
  });

  test("the next token is set only for a full page", () => {
    assert.equal(nextToken(0, 10, 10), "10");
    assert.equal(nextToken(10, 3, 10), "");
    assert.equal(nextToken(20, 0, 10), "");
  });

  test("limit must be positive", () => {
    assert.equal(requireLimit(3), 3);
    refused(() => requireLimit(0), "invalid value for limit");
  });
});

describe("splitExpression", () => {
  // FlyteAdmin's pattern; JavaScript's backtracking gives the same groups as Go's
  // leftmost-first matching, only far slower on long input.
  const PATTERN = /(.+)\((.+),\s?(.+)\)/;

  test("splits as FlyteAdmin's pattern does, on every short string of its delimiters", () => {
    const alphabet = ["(", ")", ",", " ", "a", "\n"];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 50_000; i++) {
      const len = 1 + Math.floor(rand() * 12);
      let s = "";
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const m = PATTERN.exec(s);
      assert.deepEqual(splitExpression(s), m ? [m[1], m[2], m[3]] : undefined, JSON.stringify(s));
    }
  });

  test("a 2 MB filter without parentheses is refused at once (the regex took minutes)", () => {
    const started = Date.now();
    refused(() => parseFilters("h".repeat(2_000_000), "e"), "invalid value for filters");
    refused(() => parseFilters(`eq(${"(,".repeat(500_000)}`, "e"), /filter|invalid/);
    refused(() => parseFilters("\n".repeat(1_000_000), "e"), "invalid value for filters");
    refused(() => parseFilters(",\n".repeat(500_000), "e"), "invalid value for filters");
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });
});
