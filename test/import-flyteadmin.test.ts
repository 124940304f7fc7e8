/**
 * `flyteadmin import`: a database built with Go FlyteAdmin v1.16's table
 * definitions and rows as it writes them (test/fixtures/flyteadmin-db, on the
 * run's PostgreSQL cluster, blobs in an S3 store) is copied into ours, on
 * SQLite and on PostgreSQL; then the Get and List RPCs over it, through gRPC,
 * answer what FlyteAdmin's transformers make of those rows. A second run
 * copies only what changed; the report names what was not copied.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { create, type DescMessage, type MessageShape, toBinary, toJson } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { sql } from "kysely";
import pg from "pg";
import { pino } from "pino";
import { openDataStore } from "../src/blob/open-store.js";
import { loadConfig } from "../src/config/load.js";
import { importFlyteAdmin } from "../src/import/importer.js";
import { NamedEntitySchema } from "../src/proto/gen/flyteidl/admin/common_pb.js";
import { DescriptionEntitySchema } from "../src/proto/gen/flyteidl/admin/description_entity_pb.js";
import { ExecutionClosureSchema, ExecutionSchema } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { LaunchPlanSchema, LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { MatchableResource } from "../src/proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { NodeExecutionSchema } from "../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import { ProjectDomainAttributesSchema } from "../src/proto/gen/flyteidl/admin/project_domain_attributes_pb.js";
import { ProjectSchema } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { SignalSchema } from "../src/proto/gen/flyteidl/admin/signal_pb.js";
import { TaskExecutionSchema } from "../src/proto/gen/flyteidl/admin/task_execution_pb.js";
import { TaskSchema } from "../src/proto/gen/flyteidl/admin/task_pb.js";
import { WorkflowSchema } from "../src/proto/gen/flyteidl/admin/workflow_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { IdentifierSchema, ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { scheduleName } from "../src/scheduler/identity.js";
import { decodeSnapshot } from "../src/scheduler/snapshot.js";
import { Database } from "../src/store/database.js";
import { ScheduleSnapshotRepository } from "../src/store/repositories/schedule-snapshot-repository.js";
import { at, buildFlyteAdminDatabase, D, type FixtureMessages, P } from "./fixtures/flyteadmin-db/rows.js";
import { createTestPgDatabase } from "./support/postgres.js";
import { s3StorageConfig, startTestS3, type TestS3 } from "./support/s3.js";
import { startTestServer, type TestServer, testDialects } from "./support/server.js";

const ROOT = resolve(import.meta.dirname, "..");
const logger = pino({ level: process.env.FLYTEADMIN_TEST_LOG ?? "silent" });
const skip = process.env.FLYTEADMIN_TEST_PG_URL
  ? false
  : "needs the run's PostgreSQL cluster (the source is PostgreSQL)";

function urlOf(postgres: Record<string, unknown>): string {
  const u = new URL("postgres://x");
  u.hostname = String(postgres.host);
  u.port = String(postgres.port);
  u.username = String(postgres.username);
  u.password = String(postgres.password ?? "");
  u.pathname = `/${String(postgres.dbname)}`;
  return u.toString();
}

function same<D extends DescMessage>(
  schema: D,
  actual: MessageShape<D>,
  expected: MessageShape<D>,
  what: string,
): void {
  assert.deepEqual(toJson(schema, actual), toJson(schema, expected), what);
}

const id = (resourceType: ResourceType, name: string) =>
  create(IdentifierSchema, { resourceType, project: P, domain: D, name, version: "v1" });
const ids = {
  task: id(ResourceType.TASK, "wf.t1"),
  wf: id(ResourceType.WORKFLOW, "wf.wf"),
  lp: id(ResourceType.LAUNCH_PLAN, "wf.wf"),
  exec1: { project: P, domain: D, name: "exec1" },
  exec2: { project: P, domain: D, name: "exec2" },
};
const tsOf = (seconds: number) =>
  create(TimestampSchema, {
    seconds: BigInt(Math.floor(Date.parse(at(seconds).replace("123+00", "Z")) / 1000)),
    nanos: 123_000,
  });

describe("import of a Go FlyteAdmin database", { skip }, () => {
  let s3: TestS3;
  let sourceUrl = "";
  let sourcePostgres: Record<string, unknown> = {};
  let source: pg.Client;
  let fixture: FixtureMessages;
  const dir = mkdtempSync(join(tmpdir(), "flyteadmin-import-"));

  before(async () => {
    s3 = await startTestS3("flyte");
    const { postgres } = await createTestPgDatabase("goadmin");
    sourcePostgres = postgres;
    sourceUrl = urlOf(postgres);
    source = new pg.Client({ connectionString: sourceUrl });
    await source.connect();
    const { config } = loadConfig({ dataDir: dir, overrides: { storage: s3StorageConfig(s3) } });
    fixture = await buildFlyteAdminDatabase(source, await openDataStore(config, dir));
  });
  after(async () => {
    await source?.end();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("our server refuses FlyteAdmin's database itself: its tables are not ours to migrate", async () => {
    const { config } = loadConfig({ dataDir: dir, overrides: { database: { postgres: sourcePostgres } } });
    const db = Database.open(config, dir);
    try {
      await assert.rejects(db.migrate(), /holds Go FlyteAdmin's tables.*database\.postgres\.schema/);
    } finally {
      await db.close();
    }
  });

  // "same database": ours in schema flyteadmin_ts of FlyteAdmin's own database, the swap the README describes.
  for (const dialect of [...testDialects(), "same database"]) {
    describe(`into ${dialect}`, () => {
      let server: TestServer;
      let databaseConfig: Record<string, unknown>;
      let first: Awaited<ReturnType<typeof importFlyteAdmin>>;

      before(async () => {
        databaseConfig =
          dialect === "same database"
            ? { postgres: { ...sourcePostgres, schema: "flyteadmin_ts" } }
            : dialect === "postgres"
              ? { ...(await createTestPgDatabase("imported")) }
              : { sqlite: { file: join(dir, `imported-${Date.now()}.db`) } };
        const { config } = loadConfig({ dataDir: dir, overrides: { database: databaseConfig } });
        const target = Database.open(config, dir);
        await target.migrate();
        try {
          first = await importFlyteAdmin({ from: sourceUrl, target, logger, batchSize: 2 });
        } finally {
          await target.close();
        }
        // The scheduler is off so that lists hold only the imported executions (the schedule fires hourly).
        server = await startTestServer("sqlite", {
          database: databaseConfig,
          storage: s3StorageConfig(s3),
          scheduler: { eventScheduler: { local: { enabled: false } } },
        });
      });
      after(async () => {
        await server?.close();
      });

      test("every table is copied; the report names what was not", async () => {
        if (dialect === "same database") {
          // FlyteAdmin's own tables are untouched: ours live in their schema.
          const { rows } = await source.query(
            "SELECT count(*)::int AS n FROM public.tasks UNION ALL SELECT count(*)::int FROM flyteadmin_ts.tasks",
          );
          assert.deepEqual(
            rows.map((r) => r.n),
            [1, 1],
          );
          const kysely = await source.query("SELECT to_regclass('public.kysely_migration') AS t");
          assert.equal(kysely.rows[0]?.t, null);
        }
        for (const [table, n] of Object.entries({
          projects: 2,
          tasks: 1,
          workflows: 1,
          launch_plans: 1,
          executions: 2,
          node_executions: 3,
          task_executions: 1,
          signals: 1,
          execution_tags: 1,
        })) {
          assert.equal(first.tables[table]?.written, n, table);
        }
        assert.ok(first.unmapped.some((m) => m.startsWith("table schedule_entities_snapshots not copied")));
        assert.ok(first.unmapped.some((m) => m.startsWith("table migrations not copied")));
        assert.ok(!first.unmapped.some((m) => m.includes("not found")), first.unmapped.join("\n"));
        // The active schedule continues from the import: no make-up fires for the years before.
        const { config } = loadConfig({ dataDir: dir, overrides: { database: databaseConfig } });
        const target = Database.open(config, dir);
        try {
          const stored = await new ScheduleSnapshotRepository(target).read();
          const last = stored && decodeSnapshot(stored);
          const fired = last?.get(scheduleName({ project: P, domain: D, name: "wf.wf", version: "v1" }));
          assert.ok(fired !== undefined && Date.now() - fired < 120_000, "anchored at the import");
          // References by row id point at the same rows in ours (the launching node of exec2, a node's parent).
          const { rows } = await sql<{ launcher: string; parent: string }>`SELECT
              (SELECT n.node_id FROM executions e JOIN node_executions n ON n.id = e.parent_node_execution_id
                WHERE e.execution_name = 'exec2') AS launcher,
              (SELECT p.node_id FROM node_executions c JOIN node_executions p ON p.id = c.parent_id
                WHERE c.node_id = 'n0-0-dn0') AS parent`.execute(target.kysely);
          assert.deepEqual({ ...rows[0] }, { launcher: "n0", parent: "n0" });
        } finally {
          await target.close();
        }
      });

      test("projects, tasks, workflows and launch plans read back as FlyteAdmin serves them", async () => {
        const admin = server.admin;
        const project = await admin.getProject({ id: P });
        assert.equal(project.name, "Flyte snacks");
        assert.deepEqual(project.labels?.values, { team: "ml" });
        same(
          ProjectSchema,
          project,
          create(ProjectSchema, {
            id: P,
            name: "Flyte snacks",
            description: "examples",
            labels: { values: { team: "ml" } },
            domains: [
              { id: "development", name: "development" },
              { id: "staging", name: "staging" },
              { id: "production", name: "production" },
            ],
          }),
          "GetProject",
        );

        same(
          TaskSchema,
          await admin.getTask({ id: ids.task }),
          create(TaskSchema, {
            id: ids.task,
            closure: fixture.taskClosure,
            shortDescription: "doubles x",
          }),
          "GetTask",
        );
        const tasks = await admin.listTasks({ id: { project: P, domain: D, name: "wf.t1" }, limit: 10 });
        assert.equal(tasks.tasks.length, 1);
        // ListWorkflows answers from the row alone (transformers.FromWorkflowModel): the interface column, no blob.
        const listed = await admin.listWorkflows({ id: { project: P, domain: D, name: "wf.wf" }, limit: 10 });
        same(
          WorkflowSchema,
          listed.workflows[0] as MessageShape<typeof WorkflowSchema>,
          create(WorkflowSchema, {
            id: ids.wf,
            closure: {
              createdAt: tsOf(20),
              compiledWorkflow: {
                primary: {
                  template: { interface: fixture.workflowClosure.compiledWorkflow?.primary?.template?.interface },
                },
              },
            },
            shortDescription: "a workflow",
          }),
          "ListWorkflows",
        );
        const entities = await admin.listNamedEntities({
          resourceType: ResourceType.WORKFLOW,
          project: P,
          domain: D,
          limit: 10,
        });
        assert.deepEqual(
          entities.entities.map((e) => [e.id?.name, e.metadata?.description]),
          [["wf.wf", "the example workflow"]],
        );

        // The closure from the blob store, its created_at from the row (util.GetWorkflow).
        same(
          WorkflowSchema,
          await admin.getWorkflow({ id: ids.wf }),
          create(WorkflowSchema, {
            id: ids.wf,
            closure: { ...fixture.workflowClosure, createdAt: tsOf(20) },
            shortDescription: "a workflow",
          }),
          "GetWorkflow",
        );

        const lp = create(LaunchPlanSchema, {
          id: ids.lp,
          spec: fixture.lpSpec,
          closure: { ...fixture.lpClosure, state: LaunchPlanState.ACTIVE, createdAt: tsOf(30), updatedAt: tsOf(31) },
        });
        same(LaunchPlanSchema, await admin.getLaunchPlan({ id: ids.lp }), lp, "GetLaunchPlan");
        const active = await admin.listActiveLaunchPlans({ project: P, domain: D, limit: 10 });
        assert.equal(active.launchPlans.length, 1);
        same(
          LaunchPlanSchema,
          active.launchPlans[0] as MessageShape<typeof LaunchPlanSchema>,
          lp,
          "ListActiveLaunchPlans",
        );

        same(
          NamedEntitySchema,
          await admin.getNamedEntity({
            resourceType: ResourceType.WORKFLOW,
            id: { project: P, domain: D, name: "wf.wf" },
          }),
          create(NamedEntitySchema, {
            resourceType: ResourceType.WORKFLOW,
            id: { project: P, domain: D, name: "wf.wf" },
            metadata: { description: "the example workflow" },
          }),
          "GetNamedEntity",
        );
        same(
          DescriptionEntitySchema,
          await admin.getDescriptionEntity({ id: ids.wf }),
          create(DescriptionEntitySchema, {
            id: ids.wf,
            shortDescription: "a workflow",
            longDescription: { content: { case: "value", value: "# long" }, format: 1 },
            sourceCode: { link: "https://github.com/flyteorg/flytesnacks" },
          }),
          "GetDescriptionEntity",
        );
        const attrs = await admin.getProjectDomainAttributes({
          project: P,
          domain: D,
          resourceType: MatchableResource.CLUSTER_RESOURCE,
        });
        same(
          ProjectDomainAttributesSchema,
          attrs.attributes as MessageShape<typeof ProjectDomainAttributesSchema>,
          create(ProjectDomainAttributesSchema, {
            project: P,
            domain: D,
            matchingAttributes: {
              target: { case: "clusterResourceAttributes", value: { attributes: { projectQuotaCpu: "16" } } },
            },
          }),
          "GetProjectDomainAttributes",
        );
      });

      test("executions, their nodes, task attempts and signals read back as FlyteAdmin serves them", async () => {
        const admin = server.admin;
        same(
          ExecutionSchema,
          await admin.getExecution({ id: ids.exec1 }),
          create(ExecutionSchema, {
            id: ids.exec1,
            spec: fixture.execSpec,
            closure: fixture.execClosure,
          }),
          "GetExecution",
        );
        const all = await admin.listExecutions({
          id: { project: P, domain: D },
          limit: 10,
          sortBy: { key: "created_at" },
        });
        assert.deepEqual(
          all.executions.map((e) => e.id?.name),
          ["exec2", "exec1"],
        );
        same(
          ExecutionSchema,
          all.executions[1] as MessageShape<typeof ExecutionSchema>,
          await admin.getExecution({ id: ids.exec1 }),
          "ListExecutions",
        );
        const running = await admin.listExecutions({
          id: { project: P, domain: D },
          filters: "eq(phase,RUNNING)",
          limit: 10,
        });
        assert.deepEqual(
          running.executions.map((e) => e.id?.name),
          ["exec2"],
        );
        const tagged = await admin.listExecutions({
          id: { project: P, domain: D },
          filters: "eq(execution_tag.key,team)",
          limit: 10,
        });
        assert.deepEqual(
          tagged.executions.map((e) => e.id?.name),
          ["exec1"],
        );

        const data = await admin.getExecutionData({ id: ids.exec1 });
        // The inputs are read from the blob store the row references.
        assert.equal(data.fullInputs?.literals.x?.value.case, "scalar");

        const n0 = await admin.getNodeExecution({ id: { nodeId: "n0", executionId: ids.exec1 } });
        assert.equal(n0.metadata?.isParentNode, true);
        assert.equal(n0.metadata?.isDynamic, true);
        assert.equal(n0.inputUri, "s3://flyte/metadata/propeller/exec1/n0/data/inputs.pb");
        assert.equal(n0.closure?.phase, 3);
        const children = await admin.listNodeExecutions({
          workflowExecutionId: ids.exec1,
          uniqueParentId: "n0",
          limit: 10,
        });
        assert.deepEqual(
          children.nodeExecutions.map((n) => n.id?.nodeId),
          ["n0-0-dn0"],
          "parent_id translated",
        );
        const te = { taskId: ids.task, nodeExecutionId: { nodeId: "n0", executionId: ids.exec1 }, retryAttempt: 0 };
        const forTask = await admin.listNodeExecutionsForTask({ taskExecutionId: te, limit: 10 });
        assert.deepEqual(
          forTask.nodeExecutions.map((n) => n.id?.nodeId),
          ["n0-0-dn0"],
          "parent_task_execution_id translated",
        );
        const attempt = await admin.getTaskExecution({ id: te });
        assert.equal(attempt.isParent, true);
        assert.equal(attempt.closure?.logs[0]?.uri, "https://logs/n0");
        const attempts = await admin.listTaskExecutions({ nodeExecutionId: te.nodeExecutionId, limit: 10 });
        same(
          TaskExecutionSchema,
          attempts.taskExecutions[0] as MessageShape<typeof TaskExecutionSchema>,
          attempt,
          "ListTaskExecutions",
        );
        const child = await admin.getNodeExecution({ id: { nodeId: "n0-0-dn0", executionId: ids.exec1 } });
        same(
          NodeExecutionSchema,
          forTask.nodeExecutions[0] as MessageShape<typeof NodeExecutionSchema>,
          child,
          "ListNodeExecutionsForTask",
        );

        const exec2 = await admin.getExecution({ id: ids.exec2 });
        same(
          ExecutionClosureSchema,
          exec2.closure as MessageShape<typeof ExecutionClosureSchema>,
          fixture.childClosure,
          "child execution",
        );
        const signals = await server.signals.listSignals({ workflowExecutionId: ids.exec2, limit: 10 });
        assert.equal(signals.signals.length, 1);
        same(
          SignalSchema,
          signals.signals[0] as MessageShape<typeof SignalSchema>,
          create(SignalSchema, {
            id: { signalId: "approve", executionId: ids.exec2 },
            type: { type: { case: "simple", value: 4 } },
          }),
          "ListSignals",
        );
      });

      test("a second run copies only what changed in FlyteAdmin since, and keeps what our server changed", async () => {
        // Our server deactivates the launch plan (after the switch); FlyteAdmin finishes exec2 after the first import.
        await server.admin.updateLaunchPlan({ id: ids.lp, state: LaunchPlanState.INACTIVE });
        const done = create(ExecutionClosureSchema, {
          ...fixture.childClosure,
          phase: WorkflowExecution_Phase.SUCCEEDED,
        });
        await source.query(
          "UPDATE executions SET phase = 'SUCCEEDED', closure = $1, updated_at = now() WHERE execution_name = 'exec2'",
          [Buffer.from(toBinary(ExecutionClosureSchema, done))],
        );
        const { config } = loadConfig({ dataDir: dir, overrides: { database: databaseConfig } });
        const target = Database.open(config, dir);
        try {
          const second = await importFlyteAdmin({ from: sourceUrl, target, logger, marginMs: 0 });
          assert.equal(second.tables.executions?.written, 1, "exec2 only");
          assert.equal(second.tables.tasks?.written, 0);
          assert.equal(second.tables.node_executions?.written, 0);
          const third = await importFlyteAdmin({ from: sourceUrl, target, logger });
          assert.ok(
            Object.values(third.tables).every((t) => t.written === 0),
            JSON.stringify(third.tables),
          );
        } finally {
          await target.close();
        }
        const exec2 = await server.admin.getExecution({ id: ids.exec2 });
        assert.equal(exec2.closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
        const lp = await server.admin.getLaunchPlan({ id: ids.lp });
        assert.equal(lp.closure?.state, LaunchPlanState.INACTIVE, "our newer change is kept");
        // Back as it was, for the next target's import.
        await source.query(
          "UPDATE executions SET phase = 'RUNNING', closure = $1, updated_at = $2 WHERE execution_name = 'exec2'",
          [Buffer.from(toBinary(ExecutionClosureSchema, fixture.childClosure)), at(56)],
        );
      });

      test("an import that fails part-way resumes where it stopped", {
        skip: dialect === "same database",
      }, async () => {
        const db =
          dialect === "postgres"
            ? { ...(await createTestPgDatabase("resumed")) }
            : { sqlite: { file: join(dir, `resumed-${Date.now()}.db`) } };
        const { config } = loadConfig({ dataDir: dir, overrides: { database: db } });
        const target = Database.open(config, dir);
        try {
          await target.migrate();
          // A failure while copying node executions (the table is out of the way).
          await sql`ALTER TABLE node_executions RENAME TO node_executions_away`.execute(target.kysely);
          await assert.rejects(importFlyteAdmin({ from: sourceUrl, target, logger, batchSize: 2 }));
          await sql`ALTER TABLE node_executions_away RENAME TO node_executions`.execute(target.kysely);
          const resumed = await importFlyteAdmin({ from: sourceUrl, target, logger, batchSize: 2 });
          assert.equal(resumed.tables.executions?.read, 0, "finished tables are not read again");
          assert.equal(resumed.tables.task_executions?.read, 0);
          assert.equal(resumed.tables.node_executions?.written, 3, "the interrupted table is copied");
          assert.equal(resumed.tables.node_execution_events?.written, 1, "and the ones after it");
          const { rows } = await sql<{
            n: number;
          }>`SELECT count(*) AS n FROM node_executions WHERE parent_id IS NOT NULL`.execute(target.kysely);
          assert.equal(Number(rows[0]?.n), 1);
        } finally {
          await target.close();
        }
      });
    });
  }

  test("the import command: flyteadmin --data-dir DIR import --from URL logs progress and prints the report", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/main.ts"), "--data-dir", dir, "import", "--from", sourceUrl],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBERNETES_SERVICE_HOST: "" } },
    );
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    assert.equal(code, 0, out);
    assert.match(out, /"msg":"importing"/, "progress is logged");
    assert.match(out, /"executions": \{\s*"read": 2,\s*"written": 2/);
  });
});
