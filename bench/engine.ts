/**
 * Local engine benchmark (issue 8): the engine's overhead per node, with
 * trivial raw container tasks (`true`), end to end through a real server
 * (registration, CreateExecution, every event through the event managers,
 * SQLite): a 100-node chain (overhead per serial step) and a 1,000-wide
 * fan-out (nodes per second), against FlytePropeller's published figures
 * (~0.74 s per serial step, ~8 nodes/s on wide fan-outs).
 * With flytekit installed (`conformance/setup-flytekit.sh`), also a chain of
 * trivial flytekit tasks (`inc(x) -> x + 1`, run by `pyflyte-execute` as a
 * registered flytekit task runs): the Python start cost per step.
 * Run: `npx tsx bench/engine.ts [--chain 100] [--fanout 1000] [--flytekit 10] [--dialect sqlite|postgres]
 * [--cpu-prof <dir>] [--local '<executor.local as JSON>']`
 * (`--flytekit 0` skips the flytekit chain; `--cpu-prof`: profile the server process into that directory;
 * `--local '{"warmPython":false}'` compares engine settings).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ExecutionMetadata_ExecutionMode } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { type Node, NodeSchema } from "../src/proto/gen/flyteidl/core/workflow_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  argValue,
  type Dialect,
  numberArg,
  printTable,
  processCpuSeconds,
  ROOT,
  round,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const CHAIN = numberArg("chain", 100);
const FANOUT = numberArg("fanout", 1000);
const DIALECT = (argValue("dialect") ?? "sqlite") as Dialect;
const PROF_DIR = argValue("cpu-prof") ?? "";
const VENV_BIN = join(ROOT, "conformance/.venv/bin");
const FLYTEKIT =
  existsSync(join(VENV_BIN, "pyflyte-execute")) && argValue("flytekit") !== "0" ? numberArg("flytekit", 10) : 0;
const LOCAL = JSON.parse(argValue("local") ?? "{}") as Record<string, unknown>;
const PROJECT = "bench";
const DOMAIN = "development";
const PROPELLER_SECONDS_PER_STEP = 0.74;
const PROPELLER_NODES_PER_SECOND = 8;

const ident = (resourceType: ResourceType, name: string): Identifier =>
  create(IdentifierSchema, { resourceType, project: PROJECT, domain: DOMAIN, name, version: "v1" });

type Admin = ReturnType<typeof grpcClient<typeof AdminService>>;

async function registerWorkflow(admin: Admin, name: string, nodes: Node[]): Promise<Identifier> {
  const wfId = ident(ResourceType.WORKFLOW, name);
  await admin.createWorkflow({
    id: wfId,
    spec: {
      template: { id: wfId, interface: { inputs: { variables: {} }, outputs: { variables: {} } }, nodes, metadata: {} },
    },
  });
  const lpId = ident(ResourceType.LAUNCH_PLAN, name);
  await admin.createLaunchPlan({
    id: lpId,
    spec: { workflowId: wfId, defaultInputs: { parameters: {} }, fixedInputs: { literals: {} } },
  });
  return lpId;
}

function taskNode(id: string, task: Identifier, upstream: string[]): Node {
  return create(NodeSchema, {
    id,
    upstreamNodeIds: upstream,
    target: { case: "taskNode", value: { reference: { case: "referenceId", value: task } } },
  });
}

const intType = { type: { case: "simple" as const, value: 1 } };
const FLYTEKIT_MODULE = `from flytekit import task


@task
def inc(x: int) -> int:
    return x + 1
`;

/** A flytekit task as \`pyflyte register\` serializes it: \`pyflyte-execute\` with the default task resolver. */
async function registerFlytekitChain(admin: Admin, steps: number): Promise<Identifier> {
  const task = ident(ResourceType.TASK, "bench_flows.inc");
  const args = [
    "pyflyte-execute",
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--resolver",
    "flytekit.core.python_auto_container.default_task_resolver",
    "--",
    "task-module",
    "bench_flows",
    "task-name",
    "inc",
  ];
  await admin.createTask({
    id: task,
    spec: {
      template: {
        id: task,
        type: "python-task",
        metadata: { runtime: { type: 1, version: "1.16", flavor: "python" } },
        interface: {
          inputs: { variables: { x: { type: intType } } },
          outputs: { variables: { o0: { type: intType } } },
        },
        target: { case: "container", value: { image: "bench:flytekit", args } },
      },
    },
  });
  const nodes = Array.from({ length: steps }, (_, i) =>
    create(NodeSchema, {
      id: `n${i}`,
      upstreamNodeIds: i === 0 ? [] : [`n${i - 1}`],
      inputs: [
        {
          var: "x",
          binding: {
            value:
              i === 0
                ? {
                    case: "scalar",
                    value: { value: { case: "primitive", value: { value: { case: "integer", value: 0n } } } },
                  }
                : { case: "promise", value: { nodeId: `n${i - 1}`, var: "o0" } },
          },
        },
      ],
      target: { case: "taskNode", value: { reference: { case: "referenceId", value: task } } },
    }),
  );
  return registerWorkflow(admin, "bench.flytekit_chain", nodes);
}

/** Runs the launch plan once; seconds from CreateExecution to the SUCCEEDED execution. */
async function timeExecution(admin: Admin, lp: Identifier, name: string): Promise<number> {
  const start = performance.now();
  await admin.createExecution({
    project: PROJECT,
    domain: DOMAIN,
    name,
    spec: { launchPlan: lp, metadata: { mode: ExecutionMetadata_ExecutionMode.MANUAL } },
    inputs: { literals: {} },
  });
  for (;;) {
    const e = await admin.getExecution({ id: { project: PROJECT, domain: DOMAIN, name } });
    const phase = e.closure?.phase;
    if (phase === WorkflowExecution_Phase.SUCCEEDED) return (performance.now() - start) / 1000;
    if (phase === WorkflowExecution_Phase.FAILED || phase === WorkflowExecution_Phase.ABORTED) {
      throw new Error(`${name} ended ${WorkflowExecution_Phase[phase]}: ${JSON.stringify(e.closure?.outputResult)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const moduleDir = mkdtempSync(join(tmpdir(), "bench-flytekit-"));
  writeFileSync(join(moduleDir, "bench_flows.py"), FLYTEKIT_MODULE);
  const env = { PATH: `${FLYTEKIT ? `${VENV_BIN}:` : ""}/usr/local/bin:/usr/bin:/bin`, PYTHONPATH: moduleDir };
  const server = await startServerProcess(
    DIALECT,
    {
      executor: { type: "local", local: { ...LOCAL, env } },
      registration: { maxWorkflowNodes: FANOUT + 10 },
    },
    { nodeArgs: PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROF_DIR}`] : [] },
  );
  if (!server) {
    console.log(`${DIALECT}: skipped (PostgreSQL is not installed)`);
    return;
  }
  const admin = grpcClient(AdminService, server.grpcAddress);
  try {
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    const task = ident(ResourceType.TASK, "bench.true");
    await admin.createTask({
      id: task,
      spec: {
        template: {
          id: task,
          type: "raw-container",
          metadata: { runtime: { type: 0, version: "bench" } },
          interface: { inputs: { variables: {} }, outputs: { variables: {} } },
          target: { case: "container", value: { image: "alpine:3", command: ["true"] } },
        },
      },
    });
    const chainNodes = Array.from({ length: CHAIN }, (_, i) => taskNode(`n${i}`, task, i === 0 ? [] : [`n${i - 1}`]));
    const fanNodes = Array.from({ length: FANOUT }, (_, i) => taskNode(`n${i}`, task, []));
    const chainLp = await registerWorkflow(admin, "bench.chain", chainNodes);
    const fanLp = await registerWorkflow(admin, "bench.fanout", fanNodes);
    await timeExecution(admin, chainLp, "warmup");
    // The server's CPU per node says more than wall time on a machine shared with other work.
    const cpu = () => processCpuSeconds(server.pid) ?? Number.NaN;
    let before = cpu();
    const chainSeconds = await timeExecution(admin, chainLp, "chain");
    const chainCpuMs = ((cpu() - before) / CHAIN) * 1000;
    before = cpu();
    const fanSeconds = await timeExecution(admin, fanLp, "fanout");
    const fanCpuMs = ((cpu() - before) / FANOUT) * 1000;
    let flytekitSeconds = 0;
    let flytekitCpuMs = 0;
    if (FLYTEKIT > 0) {
      const lp = await registerFlytekitChain(admin, FLYTEKIT);
      await timeExecution(admin, lp, "fkwarmup");
      before = cpu();
      flytekitSeconds = await timeExecution(admin, lp, "fkchain");
      flytekitCpuMs = ((cpu() - before) / FLYTEKIT) * 1000;
    }
    const perStepMs = (chainSeconds / CHAIN) * 1000;
    const nodesPerSecond = FANOUT / fanSeconds;
    const rows = [
      {
        scenario: `chain of ${CHAIN}`,
        total_s: round(chainSeconds),
        result: `${round(perStepMs, 1)} ms/step`,
        server_cpu: `${round(chainCpuMs, 2)} ms/node`,
        target: "< 50 ms/step",
        flytepropeller: `${PROPELLER_SECONDS_PER_STEP * 1000} ms/step`,
        speedup: `${round((PROPELLER_SECONDS_PER_STEP * 1000) / perStepMs, 1)}x`,
      },
      {
        scenario: `fan-out of ${FANOUT}`,
        total_s: round(fanSeconds),
        result: `${round(nodesPerSecond, 1)} nodes/s`,
        server_cpu: `${round(fanCpuMs, 2)} ms/node`,
        target: "> 100 nodes/s",
        flytepropeller: `${PROPELLER_NODES_PER_SECOND} nodes/s`,
        speedup: `${round(nodesPerSecond / PROPELLER_NODES_PER_SECOND, 1)}x`,
      },
    ];
    if (FLYTEKIT > 0) {
      rows.push({
        scenario: `flytekit chain of ${FLYTEKIT}`,
        total_s: round(flytekitSeconds),
        result: `${round((flytekitSeconds / FLYTEKIT) * 1000, 1)} ms/step`,
        server_cpu: `${round(flytekitCpuMs, 2)} ms/node`,
        target: "< 150 ms/step",
        flytepropeller: `${PROPELLER_SECONDS_PER_STEP * 1000} ms/step`,
        speedup: `${round((PROPELLER_SECONDS_PER_STEP * FLYTEKIT) / flytekitSeconds, 1)}x`,
      });
    }
    printTable(`local engine, ${DIALECT}, raw container tasks running \`true\`; flytekit tasks`, rows);
    const file = writeResult("engine", {
      dialect: DIALECT,
      chain: { nodes: CHAIN, seconds: chainSeconds, msPerStep: perStepMs, serverCpuMsPerNode: chainCpuMs },
      fanout: { nodes: FANOUT, seconds: fanSeconds, nodesPerSecond, serverCpuMsPerNode: fanCpuMs },
      flytekit:
        FLYTEKIT > 0
          ? { steps: FLYTEKIT, seconds: flytekitSeconds, msPerStep: (flytekitSeconds / FLYTEKIT) * 1000 }
          : null,
      local: LOCAL,
      flytepropeller: { secondsPerStep: PROPELLER_SECONDS_PER_STEP, nodesPerSecond: PROPELLER_NODES_PER_SECOND },
    });
    console.log(`wrote ${file}`);
  } finally {
    await server.stop();
    stopPostgres();
    rmSync(moduleDir, { recursive: true, force: true });
  }
}

await main();
