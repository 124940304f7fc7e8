/**
 * Local engine benchmark (issue 8): the engine's overhead per node, with
 * trivial raw container tasks (`true`), end to end through a real server
 * (registration, CreateExecution, every event through the event managers,
 * SQLite): a 100-node chain (overhead per serial step) and a 1,000-wide
 * fan-out (nodes per second), against FlytePropeller's published figures
 * (~0.74 s per serial step, ~8 nodes/s on wide fan-outs).
 * Run: `npx tsx bench/engine.ts [--chain 100] [--fanout 1000] [--dialect sqlite|postgres] [--cpu-prof <dir>]`
 * (`--cpu-prof`: profile the server process into that directory).
 */
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
  round,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const CHAIN = numberArg("chain", 100);
const FANOUT = numberArg("fanout", 1000);
const DIALECT = (argValue("dialect") ?? "sqlite") as Dialect;
const PROF_DIR = argValue("cpu-prof") ?? "";
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
  const server = await startServerProcess(
    DIALECT,
    {
      executor: { type: "local", local: { env: { PATH: "/usr/local/bin:/usr/bin:/bin" } } },
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
    const chainSeconds = await timeExecution(admin, chainLp, "chain");
    const fanSeconds = await timeExecution(admin, fanLp, "fanout");
    const perStepMs = (chainSeconds / CHAIN) * 1000;
    const nodesPerSecond = FANOUT / fanSeconds;
    const rows = [
      {
        scenario: `chain of ${CHAIN}`,
        total_s: round(chainSeconds),
        result: `${round(perStepMs, 1)} ms/step`,
        target: "< 50 ms/step",
        flytepropeller: `${PROPELLER_SECONDS_PER_STEP * 1000} ms/step`,
        speedup: `${round((PROPELLER_SECONDS_PER_STEP * 1000) / perStepMs, 1)}x`,
      },
      {
        scenario: `fan-out of ${FANOUT}`,
        total_s: round(fanSeconds),
        result: `${round(nodesPerSecond, 1)} nodes/s`,
        target: "> 100 nodes/s",
        flytepropeller: `${PROPELLER_NODES_PER_SECOND} nodes/s`,
        speedup: `${round(nodesPerSecond / PROPELLER_NODES_PER_SECOND, 1)}x`,
      },
    ];
    printTable(`local engine, ${DIALECT}, raw container tasks running \`true\``, rows);
    const file = writeResult("engine", {
      dialect: DIALECT,
      chain: { nodes: CHAIN, seconds: chainSeconds, msPerStep: perStepMs },
      fanout: { nodes: FANOUT, seconds: fanSeconds, nodesPerSecond },
      flytepropeller: { secondsPerStep: PROPELLER_SECONDS_PER_STEP, nodesPerSecond: PROPELLER_NODES_PER_SECOND },
    });
    console.log(`wrote ${file}`);
  } finally {
    await server.stop();
    stopPostgres();
  }
}

await main();
