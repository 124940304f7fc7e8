import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { readProto } from "../../blob/data-store.js";
import { LocalStore } from "../../blob/local-store.js";
import { bd, bind, iface, nodeWith, t, taskNode, wire, workflow } from "../../compiler/test-support.js";
import { configSchema } from "../../config/schema.js";
import { BooleanExpressionSchema, ComparisonExpression_Operator } from "../../proto/gen/flyteidl/core/condition_pb.js";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  ArrayNodeSchema,
  BranchNodeSchema,
  NodeMetadataSchema,
  WorkflowNodeSchema,
} from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { LocalExecutor } from "./local-executor.js";
import { literalText } from "./template-render.js";
import { RecordingControlPlane, shellTask, startTestEngine } from "./test-engine.js";
import { int, list, str } from "./test-literals.js";

const inc = () =>
  shellTask("inc", "echo $(( $(cat /var/inputs/x) + 1 )) > /var/outputs/o0", { x: t.int() }, { o0: t.int() });

async function outputsOf(store: Awaited<ReturnType<typeof startTestEngine>>["store"], uri: string) {
  const m = await readProto(store, uri, LiteralMapSchema);
  return Object.fromEntries(Object.entries(m.literals).map(([k, v]) => [k, literalText(v)]));
}

test("a chain of raw container tasks runs, reporting like FlytePropeller", async () => {
  const h = await startTestEngine();
  try {
    const wf = workflow(
      "chain",
      iface({ x: t.int() }, { y: t.int() }),
      [taskNode("n0", "inc", [wire("x", "start-node", "x")]), taskNode("n1", "inc", [wire("x", "n0")])],
      [wire("y", "n1")],
    );
    await h.run(wf, [inc()], { x: int(40) });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    const wfPhases = h.cp.workflowEvents.map((e) => e.event?.phase);
    assert.deepEqual(wfPhases, [W.RUNNING, W.SUCCEEDING, W.SUCCEEDED]);
    const last = h.cp.workflowEvents.at(-1)!.event!;
    assert.equal(last.outputResult.case, "outputUri");
    assert.deepEqual(await outputsOf(h.store, last.outputResult.value as string), { y: "42" });
    assert.deepEqual(h.cp.nodePhases(), [
      `start-node:${N.SUCCEEDED}`,
      `n0:${N.QUEUED}`,
      `n0:${N.RUNNING}`,
      `n0:${N.SUCCEEDED}`,
      `n1:${N.QUEUED}`,
      `n1:${N.RUNNING}`,
      `n1:${N.SUCCEEDED}`,
      `end-node:${N.QUEUED}`,
      `end-node:${N.SUCCEEDED}`,
    ]);
    const n0 = h.cp.taskEvents.filter((e) => e.event?.parentNodeExecutionId?.nodeId === "n0").map((e) => e.event!);
    assert.deepEqual(
      n0.map((e) => e.phase),
      [T.QUEUED, T.RUNNING, T.SUCCEEDED],
    );
    assert.equal(n0[1]!.logs.length, 2);
    assert.match(n0[1]!.logs[0]!.uri, /^http:\/\/127\.0\.0\.1:8088\/engine\/logs\/p\/d\/e1\/n0\/0\/stdout$/);
    for (const e of [...h.cp.nodeEvents, ...h.cp.taskEvents]) assert.equal(e.event?.producerId, "propeller");
  } finally {
    await h.close();
  }
});

test("a recovery execution takes over the nodes that succeeded in the original (RECOVERED) and runs the rest", async () => {
  const h = await startTestEngine();
  try {
    const wf = workflow(
      "chain",
      iface({ x: t.int() }, { y: t.int() }),
      [
        taskNode("n0", "inc", [wire("x", "start-node", "x")]),
        taskNode("n1", "inc", [wire("x", "n0")]),
        taskNode("n2", "inc", [wire("x", "n1")]),
      ],
      [wire("y", "n2")],
    );
    // In the original, n0 succeeded with 100; n1 succeeded too but its outputs are gone: it runs again.
    h.cp.recoverable.set("n0", { outputs: create(LiteralMapSchema, { literals: { o0: int(100) } }) });
    h.cp.recoverable.set("n1", { outputs: undefined });
    const original = { project: "p", domain: "d", name: "original" };
    await h.run(wf, [inc()], { x: int(1) }, { recoveryExecution: create(WorkflowExecutionIdentifierSchema, original) });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    assert.deepEqual(await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string), {
      y: "102",
    });
    const phases = (id: string) => h.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === id).map((e) => e.event!.phase);
    assert.deepEqual(phases("n0"), [N.RECOVERED]);
    assert.deepEqual(phases("n1"), [N.QUEUED, N.RUNNING, N.SUCCEEDED]);
    const recovered = h.cp.nodeEvents.find((e) => e.event?.id?.nodeId === "n0")!.event!;
    assert.deepEqual(await outputsOf(h.store, recovered.outputResult.value as string), { o0: "100" });
    assert.equal(h.cp.taskEvents.filter((e) => e.event?.parentNodeExecutionId?.nodeId === "n0").length, 0);
  } finally {
    await h.close();
  }
});

test("a failing task is retried, then fails with RetriesExhausted and the workflow fails", async () => {
  const h = await startTestEngine();
  try {
    const bad = shellTask("bad", "echo boom >&2; exit 3", {}, {}, { retries: 2 });
    await h.run(workflow("fails", iface(), [taskNode("n0", "bad")]), [bad]);
    assert.equal(await h.cp.finished(), W.FAILED);
    const attempts = h.cp.taskEvents.filter((e) => e.event?.phase === T.FAILED).map((e) => e.event!.retryAttempt);
    assert.deepEqual(attempts, [0, 1, 2]);
    const node = h.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === "n0").map((e) => e.event!);
    assert.deepEqual(
      node.map((e) => e.phase),
      [N.QUEUED, N.RUNNING, N.FAILED],
    );
    const error = node.at(-1)!.outputResult.value as { code: string; message: string };
    assert.equal(error.code, "RetriesExhausted|Error");
    assert.match(
      error.message,
      /^\[3\/3\] currentAttempt done\. Last Error: USER::\[primary\] terminated with exit code \(3\)\. Reason \[Error\]\. Message: \nboom\.$/,
    );
    const phases = h.cp.workflowEvents.map((e) => e.event?.phase);
    assert.deepEqual(phases, [W.RUNNING, W.FAILING, W.FAILED]);
    assert.equal(
      h.cp.nodeEvents.some((e) => e.event?.id?.nodeId === "end-node"),
      false,
    );
  } finally {
    await h.close();
  }
});

test("a branch takes the arm its condition picks and skips the others", async () => {
  for (const [x, arm, want] of [
    [1, "n1-big", "big"],
    [-1, "n1-small", "small"],
  ] as const) {
    const h = await startTestEngine();
    try {
      const say = (word: string) => shellTask(word, `printf ${word} > /var/outputs/o0`, {}, { o0: t.str() });
      const branch = nodeWith(
        "n1",
        {
          case: "branchNode",
          value: create(BranchNodeSchema, {
            ifElse: {
              case: {
                condition: create(BooleanExpressionSchema, {
                  expr: {
                    case: "comparison",
                    value: {
                      operator: ComparisonExpression_Operator.GT,
                      leftValue: { val: { case: "var", value: ".x" } },
                      rightValue: { val: { case: "primitive", value: { value: { case: "integer", value: 0n } } } },
                    },
                  },
                }),
                thenNode: taskNode("big", "big"),
              },
              default: { case: "elseNode", value: taskNode("small", "small") },
            },
          }),
        },
        [bind(".x", bd.promise("start-node", "x"))],
      );
      const wf = workflow("branchy", iface({ x: t.int() }, { o: t.str() }), [branch], [wire("o", "n1")]);
      await h.run(wf, [say("big"), say("small")], { x: int(x) });
      assert.equal(await h.cp.finished(), W.SUCCEEDED);
      const out = h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string;
      assert.deepEqual(await outputsOf(h.store, out), { o: want });
      const child = h.cp.nodeEvents.filter((e) => e.event?.specNodeId === arm).map((e) => e.event!);
      assert.equal(child.at(-1)?.phase, N.SUCCEEDED);
      assert.equal(child[0]!.id!.nodeId, `n1-0-${arm}`);
      assert.equal(child[0]!.parentNodeMetadata?.nodeId, "n1");
      assert.equal(child[0]!.retryGroup, "0");
      const other = arm === "n1-big" ? "n1-small" : "n1-big";
      assert.equal(
        h.cp.nodeEvents.some((e) => e.event?.specNodeId === other),
        false,
      );
    } finally {
      await h.close();
    }
  }
});

test("a cached task is a CACHE_HIT the second time, without running", async () => {
  const h = await startTestEngine();
  try {
    const cached = shellTask(
      "cached",
      "date +%s%N > /var/outputs/o0",
      { x: t.int() },
      { o0: t.str() },
      {
        discoverable: true,
        discoveryVersion: "1",
      },
    );
    const wf = workflow(
      "c",
      iface({ x: t.int() }, { o: t.str() }),
      [taskNode("n0", "cached", [wire("x", "start-node", "x")])],
      [wire("o", "n0")],
    );
    await h.run(wf, [cached], { x: int(1) }, { name: "first" });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    const first = h.cp.nodeEvents.find((e) => e.event?.id?.nodeId === "n0" && e.event.phase === N.SUCCEEDED)!.event!;
    assert.equal(first.targetMetadata.case, "taskNodeMetadata");
    assert.equal((first.targetMetadata.value as { cacheStatus: number }).cacheStatus, 3 /* CACHE_POPULATED */);
    const before = h.cp.taskEvents.length;
    const firstOut = await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string);
    h.cp.workflowEvents.length = 0;
    await h.run(wf, [cached], { x: int(1) }, { name: "second" });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    assert.equal(h.cp.taskEvents.length, before, "no attempt ran");
    const hit = h.cp.nodeEvents.filter(
      (e) => e.event?.id?.executionId?.name === "second" && e.event.id.nodeId === "n0",
    );
    assert.deepEqual(
      hit.map((e) => e.event!.phase),
      [N.SUCCEEDED],
    );
    const md = hit[0]!.event!.targetMetadata.value as {
      cacheStatus: number;
      catalogKey?: { datasetId?: { name: string } };
    };
    assert.equal(md.cacheStatus, 2 /* CACHE_HIT */);
    assert.equal(md.catalogKey?.datasetId?.name, "flyte_task-cached");
    assert.deepEqual(
      await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string),
      firstOut,
    );
  } finally {
    await h.close();
  }
});

test("a map task runs one sub-task per element, reported as external resources", async () => {
  const h = await startTestEngine();
  try {
    const square = shellTask(
      "square",
      "x=$(cat /var/inputs/x); echo $((x*x)) > /var/outputs/o0",
      { x: t.list(t.int()) },
      { o0: t.list(t.int()) },
    );
    const map = nodeWith(
      "n0",
      {
        case: "arrayNode",
        value: create(ArrayNodeSchema, {
          node: taskNode("n0", "square", [wire("x", "start-node", "xs")]),
          parallelismOption: { case: "parallelism", value: 2 },
        }),
      },
      [wire("x", "start-node", "xs")],
    );
    const wf = workflow("m", iface({ xs: t.list(t.int()) }, { o: t.list(t.int()) }), [map], [wire("o", "n0")]);
    await h.run(wf, [square], { xs: list(int(1), int(2), int(3)) });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    assert.deepEqual(await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string), {
      o: "[1,4,9]",
    });
    const tasks = h.cp.taskEvents.map((e) => e.event!);
    assert.equal(tasks[0]!.phase, T.QUEUED);
    assert.equal(tasks.at(-1)!.phase, T.SUCCEEDED);
    assert.equal(tasks.at(-1)!.taskType, "container_array");
    assert.deepEqual(
      tasks.at(-1)!.metadata!.externalResources.map((r) => [r.index, r.phase]),
      [
        [0, T.SUCCEEDED],
        [1, T.SUCCEEDED],
        [2, T.SUCCEEDED],
      ],
    );
    const node = h.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === "n0").map((e) => e.event!);
    assert.ok(node.every((e) => e.isArray));
  } finally {
    await h.close();
  }
});

test("a sub-workflow runs below its node", async () => {
  const h = await startTestEngine();
  try {
    const sub = workflow(
      "sub",
      iface({ x: t.int() }, { y: t.int() }),
      [taskNode("s0", "inc", [wire("x", "start-node", "x")])],
      [wire("y", "s0")],
    );
    const parent = workflow(
      "parent",
      iface({ x: t.int() }, { y: t.int() }),
      [
        nodeWith(
          "n0",
          {
            case: "workflowNode",
            value: create(WorkflowNodeSchema, { reference: { case: "subWorkflowRef", value: sub.id! } }),
          },
          [wire("x", "start-node", "x")],
        ),
      ],
      [wire("y", "n0", "y")],
    );
    await h.run(parent, [inc()], { x: int(1) }, { subWorkflows: [sub] });
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    assert.deepEqual(await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string), {
      y: "2",
    });
    const inner = h.cp.nodeEvents
      .filter((e) => e.event?.parentNodeMetadata?.nodeId === "n0")
      .map((e) => e.event!.id!.nodeId);
    assert.ok(inner.includes("n0-0-s0"));
    assert.ok(inner.includes("n0-0-start-node"));
    assert.ok(h.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === "n0").every((e) => e.event!.isParent));
  } finally {
    await h.close();
  }
});

test("stopping a run kills its process group and ends it ABORTED", async () => {
  const h = await startTestEngine();
  try {
    const slow = shellTask("slow", "sleep 30 & sleep 30; echo done > /var/outputs/o0", {}, {});
    const data = await h.run(workflow("slow", iface(), [taskNode("n0", "slow")]), [slow]);
    for (let i = 0; i < 100 && !h.cp.taskEvents.some((e) => e.event?.phase === T.RUNNING); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = Date.now();
    await h.engine.abort({ executionId: data.executionId, cluster: "local", namespace: "p-d" });
    assert.equal(await h.cp.finished(), W.ABORTED);
    assert.ok(Date.now() - started < 5000, "the process was stopped at once");
    const node = h.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === "n0").map((e) => e.event!);
    assert.equal(node.at(-1)!.phase, N.ABORTED);
    assert.equal((node.at(-1)!.outputResult.value as { code: string }).code, "NodeAborted");
    assert.equal(h.cp.taskEvents.at(-1)!.event!.phase, T.ABORTED);
  } finally {
    await h.close();
  }
});

test("a node timeout fails the attempt (retryable) and a task process sees only the configured environment", async () => {
  const h = await startTestEngine({ env: { GREETING: "hi" } });
  process.env.ENGINE_TEST_SECRET = "server-only";
  try {
    const env = shellTask(
      "env",
      's=$ENGINE_TEST_SECRET; printf "%s/%s/%s" "$GREETING" "$s" "$FLYTE_INTERNAL_EXECUTION_ID" > /var/outputs/o0',
      {},
      { o0: t.str() },
    );
    await h.run(
      workflow("env", iface({}, { o: t.str() }), [taskNode("n0", "env")], [wire("o", "n0")]),
      [env],
      {},
      { name: "envrun" },
    );
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    assert.deepEqual(await outputsOf(h.store, h.cp.workflowEvents.at(-1)!.event!.outputResult.value as string), {
      o: "hi//envrun",
    });
  } finally {
    delete process.env.ENGINE_TEST_SECRET;
    await h.close();
  }
  const h2 = await startTestEngine();
  try {
    const slow = shellTask("slow", "sleep 5", {}, {});
    const node = taskNode("n0", "slow");
    node.metadata = create(NodeMetadataSchema, { timeout: { seconds: 0n, nanos: 300_000_000 } });
    await h2.run(workflow("to", iface(), [node]), [slow]);
    const phase = await h2.cp.finished();
    assert.ok(phase === W.FAILED, `phase ${phase}`);
    const last = h2.cp.nodeEvents.filter((e) => e.event?.id?.nodeId === "n0").at(-1)!.event!;
    assert.equal(last.phase, N.FAILED);
    assert.match((last.outputResult.value as { message: string }).message, /task execution timeout \[300ms\] expired/);
  } finally {
    await h2.close();
  }
});

test("task logs are written per attempt", async () => {
  const h = await startTestEngine();
  try {
    await h.run(workflow("log", iface(), [taskNode("n0", "say")]), [shellTask("say", "echo hello; echo oops >&2")]);
    assert.equal(await h.cp.finished(), W.SUCCEEDED);
    const dir = `${h.engine.settings.workDir}/runs/p/d/e1/n0/0`;
    assert.equal(await readFile(`${dir}/stdout.log`, "utf8"), "hello\n");
    assert.equal(await readFile(`${dir}/stderr.log`, "utf8"), "oops\n");
  } finally {
    await h.close();
  }
  void str;
});

test("on start, executions that cannot be resumed (ABORTING, or no record of the run) end ABORTED or FAILED, their open nodes ABORTED", async () => {
  const cp = new RecordingControlPlane();
  const id = (name: string) => ({
    $typeName: "flyteidl.core.WorkflowExecutionIdentifier" as const,
    project: "p",
    domain: "d",
    name,
    org: "",
  });
  cp.unfinished = [
    { id: id("running"), phase: "RUNNING" },
    { id: id("aborting"), phase: "ABORTING" },
  ];
  cp.unfinishedNodes = [
    { nodeId: "n0", phase: "RUNNING", tasks: [{ taskId: { name: "t" } as never, retryAttempt: 1, phase: "RUNNING" }] },
  ];
  const engine = new LocalExecutor({
    config: configSchema.parse({}),
    blobs: new LocalStore("/tmp/engine-recover-test", "flyte"),
    logger: pino({ level: "silent" }),
    dataDir: "/tmp/engine-recover-test",
  });
  await engine.bind(cp, () => "http://127.0.0.1:1");
  const wf = cp.workflowEvents.map((e) => [e.event?.executionId?.name, e.event?.phase]);
  assert.deepEqual(wf, [
    ["running", W.FAILING],
    ["running", W.FAILED],
    ["aborting", W.ABORTED],
  ]);
  const failed = cp.workflowEvents[1]!.event!.outputResult.value as { code: string; message: string };
  assert.equal(failed.code, "EngineStopped");
  assert.match(failed.message, /the server stopped while this execution was running/);
  assert.deepEqual(
    cp.nodeEvents.map((e) => [e.event?.id?.executionId?.name, e.event?.id?.nodeId, e.event?.phase]),
    [
      ["running", "n0", N.ABORTED],
      ["aborting", "n0", N.ABORTED],
    ],
  );
  assert.deepEqual(
    cp.taskEvents.map((e) => [e.event?.retryAttempt, e.event?.phase]),
    [
      [1, T.ABORTED],
      [1, T.ABORTED],
    ],
  );
});

test("a stopping engine leaves its running task alone; the next one resumes the run and adopts the task", async () => {
  const h = await startTestEngine();
  const dataDir = dirname(h.engine.settings.workDir);
  const log = join(dataDir, "runs.log");
  let engine2: LocalExecutor | undefined;
  try {
    const slow = shellTask(
      "slow",
      `echo run >> ${log}; sleep 1; echo $(( $(cat /var/inputs/x) * 10 )) > /var/outputs/o0`,
      { x: t.int() },
      { o0: t.int() },
    );
    const wf = workflow(
      "resumed",
      iface({ x: t.int() }, { y: t.int() }),
      [taskNode("n0", "inc", [wire("x", "start-node", "x")]), taskNode("n1", "slow", [wire("x", "n0")])],
      [wire("y", "n1")],
    );
    const data = await h.run(wf, [inc(), slow], { x: int(1) });
    const running = () =>
      h.cp.taskEvents.some((e) => e.event?.parentNodeExecutionId?.nodeId === "n1" && e.event.phase === T.RUNNING);
    for (let i = 0; i < 200 && !running(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(running(), "n1 started");
    await h.engine.stop();
    // Nothing reported on the way down: no terminal phase, nothing aborted.
    assert.equal(h.cp.workflowEvents.length, 1);
    assert.ok(!h.cp.nodeEvents.some((e) => e.event?.phase === N.ABORTED));

    const cp2 = new RecordingControlPlane();
    cp2.unfinished = [{ id: data.executionId, phase: "RUNNING", cluster: "local" }];
    cp2.recorded = h.cp.recordedNodes();
    engine2 = new LocalExecutor({
      config: configSchema.parse({ executor: { local: { pollInterval: "20ms" } } }),
      blobs: h.store,
      logger: pino({ level: "silent" }),
      dataDir,
    });
    await engine2.bind(cp2, () => "http://127.0.0.1:8088");
    assert.equal(await cp2.finished(), W.SUCCEEDED);
    const last = cp2.workflowEvents.at(-1)!.event!;
    assert.deepEqual(await outputsOf(h.store, last.outputResult.value as string), { y: "20" });
    assert.equal(await readFile(log, "utf8"), "run\n", "the task ran once: adopted, not started again");
    // n0 had ended: not reported again; n1 goes on from RUNNING (no QUEUED or RUNNING again).
    assert.deepEqual(
      cp2.nodeEvents
        .filter((e) => e.event?.id?.nodeId?.startsWith("n"))
        .map((e) => `${e.event?.id?.nodeId}:${e.event?.phase}`),
      [`n1:${N.SUCCEEDED}`],
    );
    assert.deepEqual(
      cp2.taskEvents.map((e) => [e.event?.retryAttempt, e.event?.phase]),
      [[0, T.SUCCEEDED]],
    );
  } finally {
    await engine2?.stop();
    await h.close();
  }
});
