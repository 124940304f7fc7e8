import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ExecutionErrorSchema, ExecutionError_ErrorKind as Kind } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { decideRetry, maxAttempts } from "./retry-policy.js";

const err = (kind: Kind) => create(ExecutionErrorSchema, { code: "USER:ValueError", message: "boom", kind });
const budget = (attempts: number) => ({ maxAttempts: attempts, maxSystemFailures: 3 });

test("attempts come from the node's retries, else the task's", () => {
  assert.equal(maxAttempts(undefined, undefined), 1);
  assert.equal(maxAttempts(0, 2), 3);
  assert.equal(maxAttempts(4, 2), 5);
});

test("user errors spend the node's attempts", () => {
  assert.deepEqual(decideRetry(err(Kind.USER), true, { attempts: 1, systemFailures: 0 }, budget(3)), { retry: true });
  assert.deepEqual(decideRetry(err(Kind.USER), true, { attempts: 2, systemFailures: 0 }, budget(3)), { retry: true });
  const last = decideRetry(err(Kind.USER), true, { attempts: 3, systemFailures: 0 }, budget(3));
  assert.equal(last.retry, false);
  if (!last.retry) {
    assert.equal(last.error.code, "RetriesExhausted|USER:ValueError");
    assert.equal(last.error.message, "[3/3] currentAttempt done. Last Error: USER::boom");
    assert.equal(last.error.kind, Kind.USER);
  }
  // System failures before do not count against the user's attempts.
  assert.deepEqual(decideRetry(err(Kind.USER), true, { attempts: 3, systemFailures: 1 }, budget(3)), { retry: true });
});

test("system errors spend their own budget; non-recoverable errors are final as they are", () => {
  assert.deepEqual(decideRetry(err(Kind.SYSTEM), true, { attempts: 3, systemFailures: 3 }, budget(1)), { retry: true });
  const done = decideRetry(err(Kind.SYSTEM), true, { attempts: 4, systemFailures: 4 }, budget(1));
  assert.equal(done.retry, false);
  if (!done.retry) assert.equal(done.error.message, "[3/3] currentAttempt done. Last Error: SYSTEM::boom");
  const final = decideRetry(err(Kind.USER), false, { attempts: 1, systemFailures: 0 }, budget(5));
  assert.deepEqual(final, { retry: false, error: err(Kind.USER) });
});
