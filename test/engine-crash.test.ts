/**
 * The local engine survives crashes, on both databases: a batch of
 * executions (a long chain, a branch, a map task, a dynamic workflow, a
 * sub-workflow, a launch plan node, a signal gate, a cached task), all shell
 * tasks (no Python), runs in a real server process that is killed with
 * SIGKILL at seeded random moments, and once stopped with SIGTERM, then
 * started again on the same data dir and database; one crash also kills
 * every task process (a machine reboot: those attempts are retried as system
 * failures). Every execution must end
 * SUCCEEDED with the outputs it would have had without the interruptions;
 * every task may have run at most once more than the interruptions that fell
 * while it ran (tasks log their starts and ends to a file); no node or task
 * execution is left open or duplicated, none is an orphan, and SQLite's
 * integrity check passes. The counts are printed.
 * Seed: FLYTEADMIN_CRASH_SEED (default 14).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { WorkflowExecution_Phase as W } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { Literal } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import { type TaskTemplate, TaskTemplateSchema } from "../src/proto/gen/flyteidl/core/tasks_pb.js";
import { CrashServer, checkDatabase, countRuns, prng } from "./support/crash-server.js";
import { testDialects } from "./support/server.js";
import { writeTwoStepFutures } from "./support/shell-project.js";

const P = "crashtest";
const D = "development";
const SEED = Number(process.env.FLYTEADMIN_CRASH_SEED ?? 14);
const INTERRUPTIONS = 5;
/** The interruption that is a graceful stop, and the crash that is a reboot (task processes die too). */
const GRACEFUL = 2;
const REBOOT = 1;

const ident = (resourceType: ResourceType, name: string): Identifier =>
  create(IdentifierSchema, { resourceType, project: P, domain: D, name, version: "v1" });
const intType = { type: { case: "simple" as const, value: 1 } };
const listType = { type: { case: "collectionType" as const, value: intType } };
const promise = (nodeId: string, v: string) => ({ value: { case: "promise" as const, value: { nodeId, var: v } } });
const intLit = (n: bigint) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: n } } } },
  },
});
type Ints = bigint | undefined | Ints[];
const intOf = (l: Literal | undefined): Ints =>
  l?.value.case === "scalar" &&
  l.value.value.value.case === "primitive" &&
  l.value.value.value.value.value.case === "integer"
    ? l.value.value.value.value.value.value
    : l?.value.case === "collection"
      ? l.value.value.literals.map((i) => intOf(i))
      : undefined;
const taskRef = (task: Identifier) => ({
  case: "taskNode" as const,
  value: { reference: { case: "referenceId" as const, value: task } },
});

/** A shell line logging a run's start or end: `<start|end> <execution> <task> <input> <index> <ms>`. */
const logLine = (runLog: string, what: string, input: string) =>
  `echo "${what} $FLYTE_INTERNAL_EXECUTION_ID $FLYTE_INTERNAL_TASK_NAME ${input} \${FLYTE_K8S_ARRAY_INDEX:--} $(date +%s%3N)" >> ${runLog}`;

/** A raw container task `x -> o0` (co-pilot dirs /var/in, /var/out) that takes `seconds` and computes `expr` of $x. */
function incTemplate(name: string, runLog: string, seconds: number, expr: string, list = false): TaskTemplate {
  const id = ident(ResourceType.TASK, name);
  const script = [
    "x=$(cat /var/in/x)",
    logLine(runLog, "start", "$x"),
    `sleep ${seconds}`,
    `echo $((${expr})) > /var/out/o0`,
    logLine(runLog, "end", "$x"),
  ].join("; ");
  return create(TaskTemplateSchema, {
    id,
    type: "raw-container",
    metadata: { runtime: { version: "test" }, retries: { retries: 2 } },
    interface: {
      inputs: { variables: { x: { type: list ? listType : intType } } },
      outputs: { variables: { o0: { type: list ? listType : intType } } },
    },
    target: {
      case: "container",
      value: {
        image: "alpine:3",
        command: ["sh", "-c", script],
        dataConfig: { enabled: true, inputPath: "/var/in", outputPath: "/var/out" },
      },
    },
  });
}

/** For a failed count: each retried node of the executions named, with its attempts' phases, times and errors. */
async function retriedAttempts(h: CrashServer, overLimit: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const name of new Set(overLimit.map((k) => k.split(" ")[0] ?? ""))) {
    const executionId = { project: P, domain: D, name };
    const nodes = await h.admin.listNodeExecutions({ workflowExecutionId: executionId, limit: 100 });
    for (const n of nodes.nodeExecutions) {
      const tasks = await h.admin.listTaskExecutions({ nodeExecutionId: n.id, limit: 10 });
      if (tasks.taskExecutions.length < 2) continue;
      out.push({
        node: n.id?.nodeId,
        attempts: tasks.taskExecutions.map((t) => ({
          retry: t.id?.retryAttempt,
          phase: t.closure?.phase,
          started: t.closure?.startedAt
            ? Number(t.closure.startedAt.seconds) * 1000 + t.closure.startedAt.nanos / 1e6
            : 0,
          error: t.closure?.outputResult.case === "error" ? t.closure.outputResult.value.message : undefined,
        })),
      });
    }
  }
  return out;
}

/** Registers the tasks, workflows and launch plans, answers the executions to start with their expected `y`. */
async function register(h: CrashServer): Promise<Array<{ name: string; lp: Identifier; x: unknown; y: unknown }>> {
  const admin = h.admin;
  await admin.registerProject({ project: { id: P, name: P } });
  const inc = incTemplate("inc", h.runLog, 0.4, "x + 1");
  const double = incTemplate("double", h.runLog, 0.4, "x * 2");
  const square = incTemplate("square", h.runLog, 0.5, "x * x", true);
  const cinc = incTemplate("cinc", h.runLog, 0.4, "x + 1");
  cinc.metadata!.discoverable = true;
  cinc.metadata!.discoveryVersion = "1";
  // The dynamic task hands back a two-step workflow (inc, inc) as FlytePropeller's futures file.
  const futures = join(h.dir, "futures.pb");
  writeTwoStepFutures(futures, inc);
  const dyn = create(TaskTemplateSchema, {
    id: ident(ResourceType.TASK, "dyn"),
    type: "raw-container",
    metadata: { runtime: { version: "test" } },
    interface: {
      inputs: { variables: { x: { type: intType } } },
      outputs: { variables: { o0: { type: intType } } },
    },
    target: {
      case: "container",
      value: {
        image: "alpine:3",
        command: [
          "sh",
          "-c",
          `${logLine(h.runLog, "start", "-")}; sleep 0.4; p=\${1#file://}; mkdir -p "$p" && cp ${futures} "$p/futures.pb"; ${logLine(h.runLog, "end", "-")}`,
          "sh",
          "{{.outputPrefix}}",
        ],
      },
    },
  });
  for (const t of [inc, double, square, cinc, dyn]) await admin.createTask({ id: t.id, spec: { template: t } });

  const io = (list = false) => ({
    inputs: { variables: { x: { type: list ? listType : intType } } },
    outputs: { variables: { y: { type: list ? listType : intType } } },
  });
  const workflow = async (name: string, nodes: unknown[], last: string, list = false, subWorkflows: unknown[] = []) => {
    const wf = ident(ResourceType.WORKFLOW, name);
    await admin.createWorkflow({
      id: wf,
      spec: {
        template: {
          id: wf,
          metadata: {},
          interface: io(list),
          nodes: nodes as never,
          outputs: [{ var: "y", binding: promise(last, last === "sub" || last === "lp" ? "y" : "o0") }],
        },
        subWorkflows: subWorkflows as never,
      },
    });
    const lp = ident(ResourceType.LAUNCH_PLAN, name);
    await admin.createLaunchPlan({
      id: lp,
      spec: { workflowId: wf, defaultInputs: { parameters: {} }, fixedInputs: { literals: {} } },
    });
    return lp;
  };
  const chainNodes = (n: number, task: Identifier) =>
    Array.from({ length: n }, (_, i) => ({
      id: `n${i}`,
      inputs: [{ var: "x", binding: i === 0 ? promise("start-node", "x") : promise(`n${i - 1}`, "o0") }],
      target: taskRef(task),
    }));

  const chain = await workflow("chain", chainNodes(14, inc.id!), "n13");
  const chain2 = await workflow("chain2", chainNodes(2, inc.id!), "n1");
  const branch = await workflow(
    "branch",
    [
      {
        id: "b",
        inputs: [{ var: ".x", binding: promise("start-node", "x") }],
        target: {
          case: "branchNode",
          value: {
            ifElse: {
              case: {
                condition: {
                  expr: {
                    case: "comparison",
                    value: {
                      operator: 2, // GT
                      leftValue: { val: { case: "var", value: ".x" } },
                      rightValue: { val: { case: "primitive", value: { value: { case: "integer", value: 0n } } } },
                    },
                  },
                },
                thenNode: {
                  id: "big",
                  inputs: [{ var: "x", binding: promise("start-node", "x") }],
                  target: taskRef(inc.id!),
                },
              },
              default: {
                case: "elseNode",
                value: {
                  id: "small",
                  inputs: [{ var: "x", binding: promise("start-node", "x") }],
                  target: taskRef(double.id!),
                },
              },
            },
          },
        },
      },
      { id: "n1", inputs: [{ var: "x", binding: promise("b", "o0") }], target: taskRef(inc.id!) },
    ],
    "n1",
  );
  const map = await workflow(
    "map",
    [
      {
        id: "m",
        inputs: [{ var: "x", binding: promise("start-node", "x") }],
        target: {
          case: "arrayNode",
          value: {
            node: {
              id: "m",
              inputs: [{ var: "x", binding: promise("start-node", "x") }],
              target: taskRef(square.id!),
            },
            parallelismOption: { case: "parallelism", value: 2 },
          },
        },
      },
    ],
    "m",
    true,
  );
  const dynamic = await workflow(
    "dynamic",
    [{ id: "n0", inputs: [{ var: "x", binding: promise("start-node", "x") }], target: taskRef(dyn.id!) }],
    "n0",
  );
  const subId = ident(ResourceType.WORKFLOW, "inner");
  const sub = await workflow(
    "subwf",
    [
      {
        id: "sub",
        inputs: [{ var: "x", binding: promise("start-node", "x") }],
        target: { case: "workflowNode", value: { reference: { case: "subWorkflowRef", value: subId } } },
      },
    ],
    "sub",
    false,
    [
      {
        id: subId,
        metadata: {},
        interface: io(),
        nodes: chainNodes(2, inc.id!),
        outputs: [{ var: "y", binding: promise("n1", "o0") }],
      },
    ],
  );
  const lpNode = await workflow(
    "lpnode",
    [
      {
        id: "lp",
        inputs: [{ var: "x", binding: promise("start-node", "x") }],
        target: { case: "workflowNode", value: { reference: { case: "launchplanRef", value: chain2 } } },
      },
    ],
    "lp",
  );
  const gate = await workflow(
    "gate",
    [
      {
        id: "g",
        target: {
          case: "gateNode",
          value: { condition: { case: "signal", value: { signalId: "go", type: intType, outputVariableName: "o0" } } },
        },
      },
      { id: "n1", inputs: [{ var: "x", binding: promise("g", "o0") }], target: taskRef(inc.id!) },
    ],
    "n1",
  );
  const cached = await workflow(
    "cached",
    [
      { id: "c0", inputs: [{ var: "x", binding: promise("start-node", "x") }], target: taskRef(cinc.id!) },
      {
        id: "c1",
        upstreamNodeIds: ["c0"],
        inputs: [{ var: "x", binding: promise("start-node", "x") }],
        target: taskRef(cinc.id!),
      },
    ],
    "c1",
  );
  const i = (n: number) => intLit(BigInt(n));
  const list = (ns: number[]) => ({
    value: { case: "collection" as const, value: { literals: ns.map((n) => intLit(BigInt(n))) } },
  });
  return [
    { name: "chain", lp: chain, x: i(0).value, y: 14n },
    { name: "branch", lp: branch, x: i(5).value, y: 7n },
    { name: "map", lp: map, x: list([1, 2, 3, 4, 5, 6]).value, y: [1n, 4n, 9n, 16n, 25n, 36n] },
    { name: "dynamic", lp: dynamic, x: i(1).value, y: 3n },
    { name: "subwf", lp: sub, x: i(10).value, y: 12n },
    { name: "lpnode", lp: lpNode, x: i(20).value, y: 22n },
    { name: "gate", lp: gate, x: i(0).value, y: 42n },
    { name: "cached", lp: cached, x: i(100).value, y: 101n },
  ];
}

for (const dialect of testDialects()) {
  describe(`the local engine survives crashes [${dialect}]`, () => {
    const h = new CrashServer();
    after(() => h.close());

    test("executions interrupted by SIGKILL and SIGTERM end with the outputs they would have had", async () => {
      await h.init(dialect);
      await h.start();
      const runs = await register(h);
      for (const r of runs) {
        await h.admin.createExecution({
          project: P,
          domain: D,
          name: r.name,
          spec: { launchPlan: r.lp },
          inputs: { literals: { x: { value: r.x } as never } },
        });
      }
      const random = prng(SEED);
      let kills = 0;
      let tasksKilled = 0;
      for (let i = 0; i < INTERRUPTIONS; i++) {
        await new Promise((r) => setTimeout(r, 600 + random() * 1800));
        // A graceful stop must leave the runs to the next server too.
        const signal = i === GRACEFUL ? "SIGTERM" : "SIGKILL";
        // A reboot takes every process with the server: the helper that records exit statuses, and the tasks.
        if (i === REBOOT) {
          // Wait for a moment when tasks run (more than the launcher's helper below the server).
          for (let w = 0; w < 100 && h.descendants().length < 3; w++) await new Promise((r) => setTimeout(r, 50));
        }
        // Frozen first, so that nothing is started between finding the processes and killing them: a task the
        // helper spawned after the scan would outlive the "reboot", unwatched, and run again as a system retry.
        const below = i === REBOOT ? h.freeze() : [];
        const code = await h.interrupt(signal);
        for (const pid of below) {
          try {
            process.kill(pid, "SIGKILL");
            tasksKilled++;
          } catch {
            // ended meanwhile
          }
        }
        if (signal === "SIGTERM") assert.equal(code, 0, "a SIGTERM is a clean, prompt exit");
        else kills++;
        await h.start();
        if (i === 1) {
          await h.signals.setSignal({
            id: { executionId: { project: P, domain: D, name: "gate" }, signalId: "go" },
            value: intLit(41n) as never,
          });
        }
      }
      const deadline = Date.now() + 180_000;
      const outcome = new Map<string, W>();
      while (outcome.size < runs.length && Date.now() < deadline) {
        for (const r of runs) {
          if (outcome.has(r.name)) continue;
          const e = await h.admin.getExecution({ id: { project: P, domain: D, name: r.name } });
          const phase = e.closure?.phase ?? W.UNDEFINED;
          if ([W.SUCCEEDED, W.FAILED, W.ABORTED, W.TIMED_OUT].includes(phase)) outcome.set(r.name, phase);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const r of runs) {
        const id = { project: P, domain: D, name: r.name };
        const e = await h.admin.getExecution({ id });
        assert.equal(e.closure?.phase, W.SUCCEEDED, `${r.name}: ${JSON.stringify(e.closure?.outputResult.value)}`);
        const data = await h.admin.getExecutionData({ id });
        assert.deepEqual(intOf(data.fullOutputs?.literals.y), r.y, `${r.name} outputs`);
      }
      // Node and task executions read back once each, as clients see them.
      for (const r of runs) {
        const id = { project: P, domain: D, name: r.name };
        const nodes = await h.admin.listNodeExecutions({ workflowExecutionId: id, limit: 100 });
        const ids = nodes.nodeExecutions.map((n) => n.id?.nodeId);
        assert.equal(new Set(ids).size, ids.length, `${r.name}: a node listed twice`);
      }
      const counts = countRuns(h);
      // Read while the server still answers: what a failed count is explained by.
      const retried = await retriedAttempts(h, counts.overLimit);
      await h.interrupt("SIGTERM");
      await checkDatabase(h, dialect);
      console.log(
        `[${dialect}] executions: ${runs.length} (+1 child), all SUCCEEDED with their outputs; interruptions: ${h.interruptions.length - 1} (${kills} SIGKILL, ${INTERRUPTIONS - kills} SIGTERM, ${tasksKilled} processes killed with the server by a reboot); ` +
          `task runs: ${counts.tasks} tasks, ${counts.runs} runs, ${counts.rerun} re-runs; nothing lost; seed ${SEED}`,
      );
      assert.deepEqual(
        counts.overLimit,
        [],
        `tasks run more often than the interruptions that hit them allow; interruptions at ${h.interruptions.join(", ")}; ` +
          `attempts: ${JSON.stringify(retried)}`,
      );
      // Every task of the batch ran: 14 chain + 2 branch + 6 map + 1 dynamic + 2 dynamic's + 2 sub + 2 child + 1 gate + 1 cached.
      assert.equal(counts.tasks, 31);
    });
  });
}
