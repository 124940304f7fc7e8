import assert from "node:assert/strict";
import { test } from "node:test";
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { TimestampSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { encodeBinary, encodedOnce, encodeMessageFields, markFinal } from "./encoded-once.js";
import {
  type Task,
  TaskClosureSchema,
  type TaskList,
  TaskListSchema,
  TaskSchema,
} from "./gen/flyteidl/admin/task_pb.js";
import { CompiledTaskSchema } from "./gen/flyteidl/core/compiler_pb.js";

const counting = () => {
  let calls = 0;
  return {
    encode: () => {
      calls++;
      return new Uint8Array([calls]);
    },
    get calls() {
      return calls;
    },
  };
};

test("a message not marked final is encoded on every call", () => {
  const m = {};
  const c = counting();
  encodedOnce(m, "binary", c.encode);
  encodedOnce(m, "binary", c.encode);
  assert.equal(c.calls, 2);
});

test("a final message is encoded once per format, and each format keeps its own bytes", () => {
  const m = markFinal({});
  const c = counting();
  const first = encodedOnce(m, "binary", c.encode);
  assert.equal(encodedOnce(m, "binary", c.encode), first);
  const json = encodedOnce(m, "json", c.encode);
  assert.notEqual(json, first);
  assert.equal(encodedOnce(m, "json", c.encode), json);
  assert.equal(c.calls, 2);
});

test("marking twice keeps what was encoded", () => {
  const m = markFinal({});
  const c = counting();
  const first = encodedOnce(m, "binary", c.encode);
  markFinal(m);
  assert.equal(encodedOnce(m, "binary", c.encode), first);
  assert.equal(c.calls, 1);
});

const task = (name: string): Task =>
  create(TaskSchema, {
    id: { project: "p", domain: "d", name, version: "v1" },
    shortDescription: `task ${name}`,
    closure: { compiledTask: { template: { type: "python-task", metadata: { retries: { retries: 2 } } } } },
  });

test("a list of final items is written around their kept encodings and reads back as the same list", () => {
  const tasks = [markFinal(task("a")), task("b"), markFinal(task("c"))];
  const list: TaskList = create(TaskListSchema, { tasks, token: "20" });
  const bytes = encodeBinary(TaskListSchema, list);
  const back = fromBinary(TaskListSchema, bytes);
  assert.ok(equals(TaskListSchema, back, list));
  assert.deepEqual(
    back.tasks.map((t) => t.id?.name),
    ["a", "b", "c"],
  );
  // The kept encoding of a final item is the one spliced in, not encoded again.
  const kept = encodeBinary(TaskSchema, tasks[0] as Task);
  assert.equal(encodeBinary(TaskSchema, tasks[0] as Task), kept);
  assert.ok(Buffer.from(bytes).includes(Buffer.from(kept)));
});

test("a list without final items is encoded as toBinary encodes it", () => {
  const list = create(TaskListSchema, { tasks: [task("a"), task("b")], token: "x" });
  assert.deepEqual(encodeBinary(TaskListSchema, list), toBinary(TaskListSchema, list));
  const empty = create(TaskListSchema, {});
  assert.deepEqual(encodeBinary(TaskListSchema, empty), toBinary(TaskListSchema, empty));
});

test("a message written from its fields' encodings is the bytes toBinary writes", () => {
  const compiledTask = create(CompiledTaskSchema, {
    template: { type: "python-task", id: { name: "t", version: "v1" }, config: { a: "1" } },
  });
  const createdAt = timestampFromMs(1_700_000_000_123);
  const { compiledTask: first, createdAt: second } = TaskClosureSchema.field;
  const spliced = encodeMessageFields([
    [first.number, toBinary(CompiledTaskSchema, compiledTask)],
    [second.number, toBinary(TimestampSchema, createdAt)],
  ]);
  const closure = create(TaskClosureSchema, { compiledTask, createdAt });
  assert.deepEqual(spliced, toBinary(TaskClosureSchema, closure));
  assert.ok(equals(TaskClosureSchema, fromBinary(TaskClosureSchema, spliced), closure));
});

test("fields are written with the keys and lengths protobuf's own writer gives, at every varint width", () => {
  // Field numbers and lengths on both sides of each varint byte boundary (7, 14 and 21 bits).
  const numbers = [1, 15, 16, 2047, 2048, 262143, 262144];
  const lengths = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152];
  const fields = [
    ...numbers.map((n) => [n, new Uint8Array([n % 251])] as const),
    ...lengths.map((len) => [3, new Uint8Array(len).fill(len % 251)] as const),
  ];
  const writer = new BinaryWriter();
  for (const [n, bytes] of fields) writer.tag(n, WireType.LengthDelimited).bytes(bytes);
  const ours = encodeMessageFields(fields);
  const theirs = writer.finish();
  assert.equal(ours.byteLength, theirs.byteLength);
  assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), "the same bytes");
});
