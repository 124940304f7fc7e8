import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdminError, Code } from "../../errors/admin-error.js";
import { generateExecutionName, validateExecutionName } from "./names.js";

describe("generateExecutionName", () => {
  test("is 'a' + 19 characters of the no-vowel alphabet, and does not repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const n = generateExecutionName();
      assert.match(n, /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/);
      validateExecutionName(n);
      seen.add(n);
    }
    assert.equal(seen.size, 2000);
  });
});

describe("validateExecutionName", () => {
  const fail: [string, string][] = [
    ["a".repeat(64), `size of name exceeded length 63 : ${"a".repeat(64)}`],
    ["1abc", "invalid name format: 1abc, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    ["-abc", "invalid name format: -abc, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    ["a_b", "invalid name format: a_b, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    ["a.b", "invalid name format: a.b, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    // FlyteAdmin lower-cases first and accepts these; Kubernetes then refuses them.
    ["MyRun", "invalid name format: MyRun, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    ["runA", "invalid name format: runA, does not match regex '^[a-z][a-z\\-0-9]*$'"],
    ["abc-", "invalid name format: abc-, must end with a lower case letter or a digit"],
  ];
  for (const [name, message] of fail) {
    test(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}...` : name)}`, () => {
      assert.throws(
        () => validateExecutionName(name),
        (e: unknown) => e instanceof AdminError && e.code === Code.INVALID_ARGUMENT && e.message === message,
      );
    });
  }
  for (const name of ["a", "a1", "my-run-2", "a".repeat(63), "x-y-z9"]) {
    test(`accepts ${name.slice(0, 12)}`, () => validateExecutionName(name));
  }
});
