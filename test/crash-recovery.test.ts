/**
 * kill -9 during writes: a real server process is killed at a seeded random
 * moment while 32 streams register tasks, workflows and launch plans, create executions and report node
 * and task events (executor `external`, so no engine runs). After a restart
 * on the same database every acknowledged request is there exactly once,
 * nothing half-written shows (every listed execution has its inputs, every
 * node its execution, every task attempt its node) and SQLite's integrity
 * check is clean. FLYTEADMIN_CRASH_ROUNDS / FLYTEADMIN_CRASH_SEED for longer
 * runs by hand.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import SQLite from "better-sqlite3";
import pg from "pg";
import { stringify } from "yaml";
import { NodeExecution_Phase, TaskExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { HELLO_WF, helloRequests, registerHello, SAY_HELLO } from "./fixtures/executions.js";
import { taskId } from "./fixtures/tasks.js";
import { intLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { Rng } from "./support/fuzz/random.js";
import { grpcClient, type ServiceClient } from "./support/grpc-client.js";
import { createTestPgDatabase, freePort } from "./support/postgres.js";
import { type DialectName, testDialects } from "./support/server.js";

const ROOT = resolve(import.meta.dirname, "..");
const ROUNDS = Number(process.env.FLYTEADMIN_CRASH_ROUNDS ?? 3);
const SEED = Number(process.env.FLYTEADMIN_CRASH_SEED ?? 1605);
const STREAMS = 32;
const P = "crashp";
const D = "development";

type Admin = ServiceClient<typeof AdminService>;

class ServerProcess {
  child: ChildProcess | undefined;
  constructor(
    readonly configFile: string,
    readonly dataDir: string,
    readonly httpPort: number,
    readonly grpcPort: number,
  ) {}

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/main.ts"), "serve", "--config", this.configFile, "--data-dir", this.dataDir],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    this.child = child;
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.httpPort}/healthcheck`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("server did not become healthy");
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
}

interface Acked {
  /** Versions of acknowledged task, workflow and launch plan registrations. */
  tasks: string[];
  workflows: string[];
  launchPlans: string[];
  executions: string[];
  /** `execution/node` of acknowledged node events, `execution/node/attempt` of task events. */
  nodes: string[];
  attempts: string[];
}

/** One stream's writes until the server dies: its kind rotates with the stream number. */
async function stream(admin: Admin, round: number, s: number, acked: Acked): Promise<void> {
  const tag = `r${round}s${s}`;
  const kind = s % 3;
  const eventExec = `ev${tag}`;
  try {
    if (kind === 2) {
      await admin.createExecution(createRequest(eventExec));
      acked.executions.push(eventExec);
    }
    for (let i = 0; ; i++) {
      if (kind === 0) {
        const version = `${tag}i${i}`;
        const r = helloRequests(version, P, D);
        await admin.createTask(r.task);
        acked.tasks.push(version);
        await admin.createWorkflow(r.workflow);
        acked.workflows.push(version);
        await admin.createLaunchPlan(r.launchPlan);
        acked.launchPlans.push(version);
      } else if (kind === 1) {
        const name = `x${tag}i${i}`;
        await admin.createExecution(createRequest(name));
        acked.executions.push(name);
      } else {
        const executionId = { project: P, domain: D, name: eventExec };
        const nodeId = `n${i}`;
        const occurredAt = { seconds: BigInt(1_700_000_000 + i), nanos: 0 };
        await admin.createNodeEvent({
          requestId: `${tag}n${i}`,
          event: {
            id: { executionId, nodeId },
            phase: NodeExecution_Phase.RUNNING,
            occurredAt,
            producerId: "propeller",
          },
        });
        acked.nodes.push(`${eventExec}/${nodeId}`);
        await admin.createTaskEvent({
          requestId: `${tag}t${i}`,
          event: {
            taskId: taskId(SAY_HELLO, "v1", P, D),
            parentNodeExecutionId: { executionId, nodeId },
            retryAttempt: 0,
            phase: TaskExecution_Phase.RUNNING,
            occurredAt,
            producerId: "propeller",
          },
        });
        acked.attempts.push(`${eventExec}/${nodeId}/0`);
      }
    }
  } catch {
    // The server was killed: from here on nothing is acknowledged.
  }
}

function createRequest(name: string) {
  return {
    project: P,
    domain: D,
    name,
    spec: { launchPlan: launchPlanId(HELLO_WF, "v1", P, D), metadata: { principal: "crash" } },
    inputs: { literals: { times: intLiteral(3) } },
  };
}

interface Checked {
  executions: number;
  nodes: number;
  attempts: number;
  tasks: number;
  workflows: number;
  launchPlans: number;
}

/** Every version listed under `name` reads back with its own Get; returns the versions. */
async function versionsOf(admin: Admin, kind: "task" | "workflow" | "launchPlan", name: string): Promise<string[]> {
  const versions: string[] = [];
  let token = "";
  do {
    const req = { id: { project: P, domain: D, name }, limit: 500, token };
    if (kind === "task") {
      const page = await admin.listTasks(req);
      versions.push(...page.tasks.map((t) => t.id?.version ?? ""));
      token = page.token;
    } else if (kind === "workflow") {
      const page = await admin.listWorkflows(req);
      versions.push(...page.workflows.map((t) => t.id?.version ?? ""));
      token = page.token;
    } else {
      const page = await admin.listLaunchPlans(req);
      versions.push(...page.launchPlans.map((t) => t.id?.version ?? ""));
      token = page.token;
    }
  } while (token);
  assert.equal(new Set(versions).size, versions.length, `a ${kind} version listed twice`);
  for (const version of versions) {
    const id = { project: P, domain: D, name, version };
    if (kind === "task") await admin.getTask({ id: { ...id, resourceType: 1 } });
    else if (kind === "workflow") await admin.getWorkflow({ id: { ...id, resourceType: 2 } });
    else await admin.getLaunchPlan({ id: { ...id, resourceType: 3 } });
  }
  return versions;
}

/**
 * Rows whose parent row is missing (the schema has no foreign keys: FlyteAdmin's
 * has none either), counted straight in the database.
 */
const ORPHANS: Record<string, string> = {
  "node executions without their execution": `SELECT count(*) AS n FROM node_executions c WHERE NOT EXISTS (SELECT 1 FROM executions p
     WHERE p.execution_project = c.execution_project AND p.execution_domain = c.execution_domain AND p.execution_name = c.execution_name)`,
  "task executions without their node": `SELECT count(*) AS n FROM task_executions c WHERE NOT EXISTS (SELECT 1 FROM node_executions p
     WHERE p.execution_project = c.execution_project AND p.execution_domain = c.execution_domain
       AND p.execution_name = c.execution_name AND p.node_id = c.node_id)`,
  "executions without their launch plan": `SELECT count(*) AS n FROM executions c
     WHERE c.launch_plan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM launch_plans p WHERE p.id = c.launch_plan_id)`,
  "launch plans without their workflow": `SELECT count(*) AS n FROM launch_plans c
     WHERE NOT EXISTS (SELECT 1 FROM workflows p WHERE p.id = c.workflow_id)`,
};

async function orphanCounts(
  dialect: DialectName,
  dataDir: string,
  database: Record<string, unknown>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (dialect === "sqlite") {
    const db = new SQLite(join(dataDir, "flyteadmin.db"), { readonly: true });
    try {
      for (const [what, q] of Object.entries(ORPHANS)) out[what] = Number((db.prepare(q).get() as { n: number }).n);
    } finally {
      db.close();
    }
    return out;
  }
  const pgc = (database as { postgres: { host: string; port: number; dbname: string; username: string } }).postgres;
  const client = new pg.Client({ host: pgc.host, port: pgc.port, database: pgc.dbname, user: pgc.username });
  await client.connect();
  try {
    for (const [what, q] of Object.entries(ORPHANS)) out[what] = Number((await client.query(q)).rows[0].n);
  } finally {
    await client.end();
  }
  return out;
}

/** Everything stored must read back whole; every acknowledged write must be among it, once. */
async function verify(admin: Admin, acked: Acked): Promise<Checked> {
  const executions: string[] = [];
  let token = "";
  do {
    const page = await admin.listExecutions({ id: { project: P, domain: D }, limit: 500, token });
    executions.push(...page.executions.map((e) => e.id?.name ?? ""));
    token = page.token;
  } while (token);
  assert.equal(new Set(executions).size, executions.length, "an execution listed twice");
  const listed = new Set(executions);
  for (const name of acked.executions) assert.ok(listed.has(name), `acknowledged execution ${name} missing`);
  const nodes = new Set<string>();
  const attempts = new Set<string>();
  for (const name of executions) {
    const id = { project: P, domain: D, name };
    const data = await admin.getExecutionData({ id });
    assert.ok(data.fullInputs?.literals.times, `execution ${name} has no inputs`);
    const nodeList = await admin.listNodeExecutions({ workflowExecutionId: id, limit: 1000 });
    for (const n of nodeList.nodeExecutions) {
      const key = `${name}/${n.id?.nodeId}`;
      assert.ok(!nodes.has(key), `node ${key} listed twice`);
      nodes.add(key);
      await admin.getNodeExecution({ id: n.id });
      const taskList = await admin.listTaskExecutions({ nodeExecutionId: n.id, limit: 100 });
      for (const t of taskList.taskExecutions) {
        const tkey = `${key}/${t.id?.retryAttempt}`;
        assert.ok(!attempts.has(tkey), `task attempt ${tkey} listed twice`);
        attempts.add(tkey);
        await admin.getTaskExecution({ id: t.id });
      }
    }
  }
  for (const n of acked.nodes) assert.ok(nodes.has(n), `acknowledged node event ${n} missing`);
  for (const a of acked.attempts) assert.ok(attempts.has(a), `acknowledged task event ${a} missing`);
  const tasks = await versionsOf(admin, "task", SAY_HELLO);
  const workflows = await versionsOf(admin, "workflow", HELLO_WF);
  const launchPlans = await versionsOf(admin, "launchPlan", HELLO_WF);
  const present = (kind: string, listed: string[], wanted: string[]) => {
    const set = new Set(listed);
    for (const v of wanted) assert.ok(set.has(v), `acknowledged ${kind} ${v} missing`);
  };
  present("task", tasks, acked.tasks);
  present("workflow", workflows, acked.workflows);
  present("launch plan", launchPlans, acked.launchPlans);
  return {
    executions: executions.length,
    nodes: nodes.size,
    attempts: attempts.size,
    tasks: tasks.length,
    workflows: workflows.length,
    launchPlans: launchPlans.length,
  };
}

for (const dialect of testDialects() as DialectName[]) {
  describe(`kill -9 while 32 streams write [${dialect}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-crash-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test(`${ROUNDS} rounds, killed at seeded random moments (seed ${SEED})`, async () => {
      const [httpPort, grpcPort] = [await freePort(), await freePort()];
      const database =
        dialect === "postgres" ? { ...(await createTestPgDatabase("crash")), maxOpenConnections: 20 } : {};
      const configFile = join(dir, "config.yaml");
      writeFileSync(
        configFile,
        stringify({
          server: { host: "127.0.0.1", httpPort, grpc: { port: grpcPort } },
          executor: { type: "external" },
          database,
          logger: { level: "error" },
        }),
      );
      const server = new ServerProcess(configFile, join(dir, "data"), httpPort, grpcPort);
      const rng = Rng.for(SEED, dialect);
      const acked: Acked = { tasks: [], workflows: [], launchPlans: [], executions: [], nodes: [], attempts: [] };
      let checked: Checked = { executions: 0, nodes: 0, attempts: 0, tasks: 0, workflows: 0, launchPlans: 0 };
      try {
        for (let round = 0; round < ROUNDS; round++) {
          await server.start();
          const admin = grpcClient(AdminService, `127.0.0.1:${grpcPort}`);
          try {
            if (round === 0) {
              await admin.registerProject({ project: { id: P, name: P } });
              await registerHello(admin, "v1", { project: P, domain: D });
            } else {
              checked = await verify(admin, acked);
            }
            const killAfter = 300 + rng.int(2500);
            const streams = Array.from({ length: STREAMS }, (_, s) => stream(admin, round, s, acked));
            await new Promise((r) => setTimeout(r, killAfter));
            await server.kill();
            await Promise.all(streams);
            console.log(
              `crash [${dialect}] round ${round}: killed after ${killAfter} ms; acknowledged so far: ` +
                `${acked.tasks.length} tasks, ${acked.workflows.length} workflows, ${acked.launchPlans.length} launch plans, ${acked.executions.length} executions, ${acked.nodes.length} node events, ${acked.attempts.length} task events`,
            );
          } finally {
            admin.close();
          }
          if (dialect === "sqlite") {
            const db = new SQLite(join(dir, "data", "flyteadmin.db"));
            try {
              assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
            } finally {
              db.close();
            }
          }
        }
        await server.start();
        const admin = grpcClient(AdminService, `127.0.0.1:${grpcPort}`);
        try {
          checked = await verify(admin, acked);
        } finally {
          admin.close();
        }
        const orphans = await orphanCounts(dialect, join(dir, "data"), database);
        assert.deepEqual(
          Object.values(orphans),
          Object.values(ORPHANS).map(() => 0),
          JSON.stringify(orphans),
        );
        assert.ok(checked.nodes > 0 && checked.executions > 0 && checked.tasks > 0, "the streams wrote something");
        console.log(
          `crash [${dialect}]: ${ROUNDS} kills; checked ${checked.executions} executions (with inputs), ${checked.nodes} node ` +
            `executions, ${checked.attempts} task attempts, ${checked.tasks} tasks, ${checked.workflows} workflows, ${checked.launchPlans} launch plans; every acknowledged write present once`,
        );
      } finally {
        await server.kill();
      }
    });
  });
}
