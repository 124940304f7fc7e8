import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { CatalogCacheStatus } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import { TaskExecution_Phase as P, type TaskLog, TaskLogSchema } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  EventReasonSchema,
  type ExternalResourceInfo,
  ExternalResourceInfoSchema,
  ResourcePoolInfoSchema,
  TaskExecutionMetadata_InstanceClass,
  TaskExecutionMetadataSchema,
} from "../../proto/gen/flyteidl/event/event_pb.js";
import { mergeCustomInfo, mergePatch } from "./merge-patch.js";
import {
  filterExternalResourceLogs,
  filterLogsByPhase,
  initialMetadata,
  mergeExternalResources,
  mergeLogs,
  mergeMetadata,
  mergeReasons,
} from "./task-merge.js";

const log = (uri: string, name = "", flags: { pending?: boolean; hide?: boolean } = {}): TaskLog =>
  create(TaskLogSchema, { uri, name, ShowWhilePending: flags.pending ?? false, HideOnceFinished: flags.hide ?? false });
const uris = (logs: readonly TaskLog[]) => logs.map((l) => `${l.name}@${l.uri}`);

describe("mergeLogs", () => {
  const cases: [string, TaskLog[], TaskLog[], string[]][] = [
    ["no new logs keeps the stored ones", [log("u1", "a")], [], ["a@u1"]],
    ["no stored logs takes the new ones", [], [log("u1", "a")], ["a@u1"]],
    ["same uri is replaced", [log("u1", "old")], [log("u1", "new")], ["new@u1"]],
    ["same name is replaced", [log("u1", "a")], [log("u2", "a")], ["a@u2"]],
    ["unrelated stored logs are kept after the new ones", [log("u1", "a")], [log("u2", "b")], ["b@u2", "a@u1"]],
    ["an empty new name replaces nothing by name", [log("u1", "")], [log("u2", "")], ["@u2", "@u1"]],
    ["an empty new uri replaces stored logs with an empty uri", [log("", "a")], [log("", "b")], ["b@"]],
    [
      "several of each",
      [log("u1", "a"), log("u2", "b"), log("u3", "c")],
      [log("u2", "x"), log("u9", "c")],
      ["x@u2", "c@u9", "a@u1"],
    ],
  ];
  for (const [title, stored, latest, want] of cases) {
    test(title, () => {
      const before = uris(stored);
      assert.deepEqual(uris(mergeLogs(stored, latest)), want);
      assert.deepEqual(uris(stored), before, "input unchanged");
    });
  }
});

describe("filterLogsByPhase", () => {
  const logs = [
    log("plain", "plain"),
    log("pending", "pending", { pending: true }),
    log("hide", "hide", { hide: true }),
    log("both", "both", { pending: true, hide: true }),
  ];
  const expected: [P, string[]][] = [
    [P.UNDEFINED, ["plain", "pending", "hide", "both"]],
    [P.QUEUED, ["pending", "both"]],
    [P.INITIALIZING, ["pending", "both"]],
    [P.WAITING_FOR_RESOURCES, ["plain", "pending", "hide", "both"]],
    [P.RUNNING, ["plain", "pending", "hide", "both"]],
    [P.RETRYABLE_FAILED, ["plain", "pending", "hide", "both"]],
    [P.SUCCEEDED, ["plain", "pending"]],
    [P.FAILED, ["plain", "pending"]],
    [P.ABORTED, ["plain", "pending"]],
  ];
  for (const [phase, want] of expected) {
    test(P[phase], () =>
      assert.deepEqual(
        filterLogsByPhase(logs, phase).map((l) => l.name),
        want,
      ),
    );
  }
});

describe("mergeReasons", () => {
  const at = (ms: number) => timestampFromMs(ms);
  const r = (reason: string, ms: number) => create(EventReasonSchema, { reason, occurredAt: at(ms) });
  const msgs = (s: { reasons: { message: string }[]; reason: string }) => [s.reasons.map((x) => x.message), s.reason];

  test("a new attempt takes reasons[] (last is current)", () => {
    const got = mergeReasons(undefined, { reasons: [r("a", 1), r("b", 2)], reason: "ignored", occurredAt: at(9) });
    assert.deepEqual(msgs(got), [["a", "b"], "b"]);
    assert.equal(got.reasons[1]?.occurredAt?.nanos, 2_000_000, "each reason keeps its own time");
  });
  test("a new attempt with a single reason records it at the event's time", () => {
    const got = mergeReasons(undefined, { reasons: [], reason: "pending", occurredAt: at(5000) });
    assert.deepEqual(msgs(got), [["pending"], "pending"]);
    assert.equal(got.reasons[0]?.occurredAt?.seconds, 5n);
  });
  test("nothing reported keeps what is stored", () => {
    const stored = mergeReasons(undefined, { reasons: [], reason: "x", occurredAt: at(1) });
    assert.deepEqual(msgs(mergeReasons(stored, { reasons: [], reason: "" })), [["x"], "x"]);
    assert.deepEqual(msgs(mergeReasons(undefined, { reasons: [], reason: "" })), [[], ""]);
  });
  test("a repeated single reason is not appended again", () => {
    const stored = mergeReasons(undefined, { reasons: [], reason: "x", occurredAt: at(1) });
    assert.deepEqual(msgs(mergeReasons(stored, { reasons: [], reason: "x", occurredAt: at(2) })), [["x"], "x"]);
    assert.deepEqual(msgs(mergeReasons(stored, { reasons: [], reason: "y", occurredAt: at(2) })), [["x", "y"], "y"]);
  });
  test("reasons[] is always appended, even repeating", () => {
    const stored = mergeReasons(undefined, { reasons: [r("a", 1)], reason: "" });
    assert.deepEqual(msgs(mergeReasons(stored, { reasons: [r("a", 2), r("c", 3)], reason: "z" })), [
      ["a", "a", "c"],
      "c",
    ]);
  });
});

const ext = (index: number, retryAttempt: number, init: MessageInitShape<typeof ExternalResourceInfoSchema> = {}) =>
  create(ExternalResourceInfoSchema, { index, retryAttempt, ...init });
const keys = (list: readonly ExternalResourceInfo[]) => list.map((e) => `${e.index}.${e.retryAttempt}`);

describe("external resources", () => {
  test("creation sorts by (index, retry_attempt)", () => {
    const md = create(TaskExecutionMetadataSchema, { externalResources: [ext(2, 0), ext(0, 1), ext(0, 0), ext(1, 0)] });
    assert.deepEqual(keys(initialMetadata(md)?.externalResources ?? []), ["0.0", "0.1", "1.0", "2.0"]);
    assert.deepEqual(keys(md.externalResources), ["2.0", "0.1", "0.0", "1.0"], "input unchanged");
    assert.equal(initialMetadata(undefined), undefined);
  });
  test("new keys are inserted in order, known keys merged", () => {
    const stored = [ext(0, 0, { externalId: "a", phase: P.RUNNING }), ext(2, 0), ext(4, 1)];
    const got = mergeExternalResources(stored, [ext(3, 0), ext(0, 1), ext(9, 0), ext(0, 0, { phase: P.SUCCEEDED })]);
    assert.deepEqual(keys(got), ["0.0", "0.1", "2.0", "3.0", "4.1", "9.0"]);
    assert.equal(got[0]?.phase, P.SUCCEEDED);
    assert.equal(got[0]?.externalId, "a", "an empty external id keeps the stored one");
    assert.equal(stored[0]?.phase, P.RUNNING, "input unchanged");
    assert.equal(stored.length, 3);
  });
  test("merging one subtask", () => {
    const stored = ext(1, 0, {
      externalId: "old",
      phase: P.RUNNING,
      cacheStatus: CatalogCacheStatus.CACHE_MISS,
      logs: [log("u1", "a")],
      customInfo: { keep: 1 },
    });
    const cases: [string, MessageInitShape<typeof ExternalResourceInfoSchema>, (e: ExternalResourceInfo) => void][] = [
      ["external id replaced when set", { externalId: "new" }, (e) => assert.equal(e.externalId, "new")],
      ["phase always replaced", { phase: P.UNDEFINED }, (e) => assert.equal(e.phase, P.UNDEFINED)],
      [
        "cache status kept when the report says CACHE_DISABLED",
        { cacheStatus: CatalogCacheStatus.CACHE_DISABLED },
        (e) => assert.equal(e.cacheStatus, CatalogCacheStatus.CACHE_MISS),
      ],
      [
        "cache status replaced otherwise",
        { cacheStatus: CatalogCacheStatus.CACHE_HIT },
        (e) => assert.equal(e.cacheStatus, CatalogCacheStatus.CACHE_HIT),
      ],
      ["logs merged", { logs: [log("u2", "b")] }, (e) => assert.deepEqual(uris(e.logs), ["b@u2", "a@u1"])],
      ["custom info kept when absent", {}, (e) => assert.deepEqual(e.customInfo, { keep: 1 })],
      [
        "custom info replaced (not merged) when set",
        { customInfo: { x: 2 } },
        (e) => assert.deepEqual(e.customInfo, { x: 2 }),
      ],
    ];
    for (const [title, change, check] of cases) {
      const [got] = mergeExternalResources([stored], [ext(1, 0, change)]);
      assert.ok(got, title);
      check(got);
    }
  });
  test("logs of every subtask are filtered on a phase change", () => {
    const md = create(TaskExecutionMetadataSchema, {
      externalResources: [ext(0, 0, { logs: [log("a", "a"), log("b", "b", { pending: true })] })],
    });
    const got = filterExternalResourceLogs(md, P.QUEUED);
    assert.deepEqual(uris(got.externalResources[0]?.logs ?? []), ["b@b"]);
    assert.equal(md.externalResources[0]?.logs.length, 2, "input unchanged");
  });
});

describe("mergeMetadata", () => {
  const stored = create(TaskExecutionMetadataSchema, {
    generatedName: "gen",
    pluginIdentifier: "k8s",
    instanceClass: TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE,
    resourcePoolInfo: [create(ResourcePoolInfoSchema, { namespace: "ns" })],
    externalResources: [ext(0, 0)],
  });
  test("absent sides", () => {
    assert.equal(mergeMetadata(undefined, undefined), undefined);
    assert.equal(mergeMetadata(stored, undefined), stored);
    assert.equal(mergeMetadata(undefined, stored)?.generatedName, "gen");
  });
  test("defaults in the event keep stored values; the pool info is replaced as reported", () => {
    const got = mergeMetadata(stored, create(TaskExecutionMetadataSchema, {}));
    assert.equal(got?.generatedName, "gen");
    assert.equal(got?.pluginIdentifier, "k8s");
    assert.equal(got?.instanceClass, TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE);
    assert.deepEqual(got?.resourcePoolInfo, []);
    assert.deepEqual(keys(got?.externalResources ?? []), ["0.0"]);
  });
  test("set values replace", () => {
    const got = mergeMetadata(
      stored,
      create(TaskExecutionMetadataSchema, {
        generatedName: "g2",
        pluginIdentifier: "agent",
        resourcePoolInfo: [create(ResourcePoolInfoSchema, { namespace: "other" })],
        externalResources: [ext(1, 0)],
      }),
    );
    assert.equal(got?.generatedName, "g2");
    assert.equal(got?.pluginIdentifier, "agent");
    assert.equal(got?.instanceClass, TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE, "DEFAULT does not replace");
    assert.equal(got?.resourcePoolInfo[0]?.namespace, "other");
    assert.deepEqual(keys(got?.externalResources ?? []), ["0.0", "1.0"]);
    assert.equal(stored.generatedName, "gen", "input unchanged");
  });
});

describe("merge patch (RFC 7386)", () => {
  // The examples of RFC 7386 appendix A.
  const rfc: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  rfc.forEach(([target, patch, want], i) => {
    test(`appendix A example ${i + 1}`, () => {
      const before = JSON.stringify(target);
      assert.deepEqual(mergePatch(target as JsonObject, patch as JsonObject), want);
      assert.equal(JSON.stringify(target), before, "target unchanged");
    });
  });
  test("custom_info: one side absent is taken as is", () => {
    assert.equal(mergeCustomInfo(undefined, undefined), undefined);
    assert.deepEqual(mergeCustomInfo({ a: 1 }, undefined), { a: 1 });
    assert.deepEqual(mergeCustomInfo(undefined, { a: null }), { a: null });
    assert.deepEqual(mergeCustomInfo({ a: 1, n: { x: 1, y: 2 } }, { n: { y: null, z: 3 }, b: true }), {
      a: 1,
      n: { x: 1, z: 3 },
      b: true,
    });
  });
});
