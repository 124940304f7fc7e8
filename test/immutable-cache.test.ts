/**
 * Two replicas on one database: what one registers or changes, the other
 * serves. Task and workflow rows and workflow closures are cached in memory
 * (they never change once registered); launch plan state, projects and
 * executions are mutable and must always come from the database, also when
 * the other replica has already read and cached the same entity.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "../src/errors/codes.js";
import { LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { Project_ProjectState } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { pyflyteRunRequest, registerHello } from "./fixtures/executions.js";
import { createTaskRequest, DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import { intLiteral, STRING } from "./fixtures/types.js";
import { launchPlanId, workflowId } from "./fixtures/workflows.js";
import { rejectsWith } from "./support/assertions.js";
import { createTestPgDatabase } from "./support/postgres.js";
import { startTestServer, type TestServer, testDialects } from "./support/server.js";

for (const dialect of testDialects()) {
  describe(`two replicas on one database [${dialect}]`, () => {
    let a: TestServer;
    let b: TestServer;
    let shared: string;
    let database: Record<string, unknown>;
    before(async () => {
      shared = mkdtempSync(join(tmpdir(), "flyteadmin-replicas-"));
      database =
        dialect === "postgres"
          ? { ...(await createTestPgDatabase("replicas")), maxOpenConnections: 10 }
          : { sqlite: { file: join(shared, "flyteadmin.db") } };
      const overrides = { database, storage: { local: { root: join(shared, "blobs") } } };
      a = await startTestServer(dialect, overrides);
      b = await startTestServer(dialect, overrides);
      await a.admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    });
    after(async () => {
      await a?.close();
      await b?.close();
      rmSync(shared, { recursive: true, force: true });
    });

    test("registered tasks and workflows read through the other replica, also after it missed them", async () => {
      const id = taskId("cache.task", "v1");
      await rejectsWith(b.admin.getTask({ id }), Code.NOT_FOUND);
      await a.admin.createTask(createTaskRequest(id, { inputs: { name: STRING }, outputs: { o0: STRING } }));
      const fromA = await a.admin.getTask({ id });
      for (let i = 0; i < 2; i++) assert.deepEqual(await b.admin.getTask({ id }), fromA);

      await registerHello(a.admin, "c1");
      const wf = workflowId("wf.hello.hello_wf", "c1");
      const wfFromA = await a.admin.getWorkflow({ id: wf });
      for (let i = 0; i < 2; i++) assert.deepEqual(await b.admin.getWorkflow({ id: wf }), wfFromA);
    });

    test("a page of tasks mixing rows in memory and rows not yet read is the page the other replica lists", async () => {
      const io = { inputs: { name: STRING }, outputs: { o0: STRING } };
      for (let v = 1; v <= 5; v++) await a.admin.createTask(createTaskRequest(taskId("cache.page", `v${v}`), io));
      // b reads two of them (into its row cache), then lists all five, newest first, in pages of three.
      await b.admin.getTask({ id: taskId("cache.page", "v2") });
      await b.admin.getTask({ id: taskId("cache.page", "v5") });
      const page = (s: TestServer, token: string) =>
        s.admin.listTasks({
          id: { project: PROJECT, domain: DOMAIN, name: "cache.page" },
          limit: 3,
          token,
          sortBy: { key: "created_at", direction: 0 },
        });
      for (const token of ["", "3"]) {
        const [fromA, fromB] = [await page(a, token), await page(b, token)];
        assert.deepEqual(fromB, fromA);
        assert.deepEqual(await page(b, token), fromA);
      }
      const first = await page(b, "");
      assert.deepEqual(
        first.tasks.map((t) => t.id?.version),
        ["v5", "v4", "v3"],
      );
      // A newer version registered on the other replica enters the page (on PostgreSQL a new page of ids).
      await a.admin.createTask(createTaskRequest(taskId("cache.page", "v6"), io));
      for (const s of [b, a]) {
        assert.deepEqual(
          (await page(s, "")).tasks.map((t) => t.id?.version),
          ["v6", "v5", "v4"],
        );
        assert.deepEqual(
          (await page(s, "3")).tasks.map((t) => t.id?.version),
          ["v3", "v2", "v1"],
        );
      }
      const workflows = async (s: TestServer) =>
        (await s.admin.listWorkflows({ id: { project: PROJECT, domain: DOMAIN }, limit: 100 })).workflows
          .map((w) => w.id?.version)
          .sort();
      const before = await workflows(b);
      assert.deepEqual(await workflows(b), before);
      await registerHello(a.admin, "c6");
      assert.deepEqual(await workflows(b), [...before, "c6"].sort());
    });

    test("a cached answer is the same in every encoding on every call, and from a replica with a 1 MB cache", async () => {
      await registerHello(a.admin, "c3");
      const wf = workflowId("wf.hello.hello_wf", "c3");
      const url = `${b.httpBase}/api/v1/workflows/${wf.project}/${wf.domain}/${wf.name}/${wf.version}`;
      const get = async (accept: string) => {
        const res = await fetch(url, { headers: { accept } });
        assert.equal(res.status, 200);
        return Buffer.from(await res.arrayBuffer());
      };
      const [json, binary] = [await get("application/json"), await get("application/octet-stream")];
      const grpc = await b.admin.getWorkflow({ id: wf });
      assert.equal(JSON.parse(json.toString("utf8")).id.version, "c3");
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await get("application/json"), json);
        assert.deepEqual(await get("application/octet-stream"), binary);
        assert.deepEqual(await b.admin.getWorkflow({ id: wf }), grpc);
      }
      const uncached = await startTestServer(dialect, {
        database,
        storage: { local: { root: join(shared, "blobs") }, cache: { max_size_mbs: 1 } },
      });
      try {
        assert.deepEqual(await uncached.admin.getWorkflow({ id: wf }), grpc);
        assert.deepEqual(await uncached.admin.getWorkflow({ id: wf }), grpc);
      } finally {
        await uncached.close();
      }
    });

    test("launch plan state changed on one replica is what the other serves", async () => {
      await registerHello(a.admin, "c2");
      const id = launchPlanId("wf.hello.hello_wf", "c2");
      const state = async (s: TestServer) => (await s.admin.getLaunchPlan({ id })).closure?.state;
      assert.equal(await state(b), LaunchPlanState.INACTIVE);
      assert.equal(await state(b), LaunchPlanState.INACTIVE);
      await a.admin.updateLaunchPlan({ id, state: LaunchPlanState.ACTIVE });
      assert.equal(await state(b), LaunchPlanState.ACTIVE);
      const active = await b.admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN, name: id.name } });
      assert.equal(active.id?.version, "c2");
      await a.admin.updateLaunchPlan({ id, state: LaunchPlanState.INACTIVE });
      assert.equal(await state(b), LaunchPlanState.INACTIVE);
    });

    test("project state and executions changed on one replica are what the other serves", async () => {
      await a.admin.registerProject({ project: { id: "cache-p", name: "cache-p" } });
      assert.equal((await b.admin.getProject({ id: "cache-p" })).state, Project_ProjectState.ACTIVE);
      // ListProjects keeps its items (per row version on PostgreSQL); an explicit filter also lists archived ones.
      const listedState = async (s: TestServer) =>
        (await s.admin.listProjects({ filters: "eq(identifier,cache-p)", limit: 10 })).projects[0]?.state;
      assert.equal(await listedState(b), Project_ProjectState.ACTIVE);
      assert.equal(await listedState(b), Project_ProjectState.ACTIVE);
      await a.admin.updateProject({ id: "cache-p", name: "cache-p", state: Project_ProjectState.ARCHIVED });
      assert.equal((await b.admin.getProject({ id: "cache-p" })).state, Project_ProjectState.ARCHIVED);
      assert.equal(await listedState(b), Project_ProjectState.ARCHIVED);
      await a.admin.updateProject({ id: "cache-p", name: "renamed", state: Project_ProjectState.ARCHIVED });
      const renamed = await b.admin.listProjects({ filters: "eq(identifier,cache-p)", limit: 10 });
      assert.equal(renamed.projects[0]?.name, "renamed");

      await registerHello(a.admin, "c3");
      const created = await a.admin.createExecution(
        pyflyteRunRequest(launchPlanId("wf.hello.hello_wf", "c3"), { times: intLiteral(1) }),
      );
      const executionId = created.id;
      assert.ok(executionId);
      const phase = async (s: TestServer) => (await s.admin.getExecution({ id: executionId })).closure?.phase;
      // ListExecutions keeps its items per row (per row version on PostgreSQL) on each replica.
      const listed = async (s: TestServer) =>
        (await s.admin.listExecutions({ id: { project: PROJECT, domain: DOMAIN }, limit: 100 })).executions.find(
          (e) => e.id?.name === executionId.name,
        )?.closure?.phase;
      assert.equal(await phase(b), WorkflowExecution_Phase.UNDEFINED);
      assert.equal(await listed(b), WorkflowExecution_Phase.UNDEFINED);
      assert.equal(await listed(b), WorkflowExecution_Phase.UNDEFINED);
      await a.admin.createWorkflowEvent({
        event: { executionId, phase: WorkflowExecution_Phase.RUNNING, occurredAt: timestampFromMs(Date.now()) },
      });
      assert.equal(await phase(b), WorkflowExecution_Phase.RUNNING);
      assert.equal(await listed(b), WorkflowExecution_Phase.RUNNING);
      await a.admin.terminateExecution({ id: executionId, cause: "enough" });
      assert.equal(await listed(b), WorkflowExecution_Phase.ABORTING);
      assert.equal(await phase(b), WorkflowExecution_Phase.ABORTING);
      assert.equal(await listed(a), WorkflowExecution_Phase.ABORTING);
      // The other replica's CreateExecution uses the closure both read and cached: same result.
      const second = await b.admin.createExecution(
        pyflyteRunRequest(launchPlanId("wf.hello.hello_wf", "c3"), { times: intLiteral(2) }),
      );
      assert.equal((await a.admin.getExecution({ id: second.id })).closure?.workflowId?.version, "c3");
    });

    test("a listed page is answered again only while none of its rows changed, entered or left", async () => {
      // On PostgreSQL a whole page's answer is kept per query and page (PageAnswers); each step below changes the page.
      const ids = ["page-a", "page-b", "page-c"];
      for (const id of ids) await a.admin.registerProject({ project: { id, name: id } });
      // An explicit filter lists archived projects too (state 1).
      const names = async (s: TestServer, limit: number) => {
        const list = await s.admin.listProjects({ filters: "contains(identifier,page-)", limit });
        return `${list.projects.map((p) => `${p.id}=${p.name}/${p.state}`).join(",")};${list.token}`;
      };
      for (const s of [a, b, a, b])
        assert.equal(await names(s, 3), "page-a=page-a/0,page-b=page-b/0,page-c=page-c/0;3");
      // Another query over the same rows: its own answer, its own token.
      assert.equal(await names(b, 2), "page-a=page-a/0,page-b=page-b/0;2");
      await a.admin.updateProject({ id: "page-b", name: "renamed", state: Project_ProjectState.ACTIVE });
      for (const s of [b, a]) assert.equal(await names(s, 3), "page-a=page-a/0,page-b=renamed/0,page-c=page-c/0;3");
      assert.equal(await names(b, 2), "page-a=page-a/0,page-b=renamed/0;2");
      await b.admin.registerProject({ project: { id: "page-0", name: "first" } });
      for (const s of [a, b]) assert.equal(await names(s, 3), "page-0=first/0,page-a=page-a/0,page-b=renamed/0;3");
      await a.admin.updateProject({ id: "page-0", name: "first", state: Project_ProjectState.ARCHIVED });
      for (const s of [b, a]) assert.equal(await names(s, 3), "page-0=first/1,page-a=page-a/0,page-b=renamed/0;3");
      assert.equal(await names(b, 5), "page-0=first/1,page-a=page-a/0,page-b=renamed/0,page-c=page-c/0;");

      await registerHello(a.admin, "c5");
      const lp = launchPlanId("wf.hello.hello_wf", "c5");
      const listed = async (s: TestServer) =>
        (
          await s.admin.listExecutions({
            id: { project: PROJECT, domain: DOMAIN },
            filters: "eq(launch_plan.version,c5)",
            limit: 10,
          })
        ).executions
          .map((e) => `${e.closure?.phase}`)
          .join(",");
      const first = await a.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1) }));
      for (const s of [a, b, a, b]) assert.equal(await listed(s), `${WorkflowExecution_Phase.UNDEFINED}`);
      await b.admin.createWorkflowEvent({
        event: {
          executionId: first.id,
          phase: WorkflowExecution_Phase.RUNNING,
          occurredAt: timestampFromMs(Date.now()),
        },
      });
      for (const s of [a, b]) assert.equal(await listed(s), `${WorkflowExecution_Phase.RUNNING}`);
      await b.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(2) }));
      for (const s of [a, b]) {
        assert.deepEqual(
          (await listed(s)).split(",").sort(),
          [`${WorkflowExecution_Phase.RUNNING}`, `${WorkflowExecution_Phase.UNDEFINED}`].sort(),
        );
      }
    });

    test("reads that arrive together each get their own row, changed, unchanged or missing", async () => {
      // On PostgreSQL these share one version read (RowVersionReads): answers must not be swapped between keys.
      await registerHello(a.admin, "c4");
      const lp = launchPlanId("wf.hello.hello_wf", "c4");
      const names: string[] = [];
      for (let i = 0; i < 6; i++) {
        const created = await a.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(i) }));
        names.push(created.id?.name ?? "");
      }
      const id = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });
      const phases = async () =>
        Promise.all(
          [...names, "missing-1", ...names, "missing-2"].map((name) =>
            b.admin.getExecution({ id: id(name) }).then(
              (e) => `${e.id?.name}:${e.closure?.phase}`,
              (err: { code?: number }) => `${name}:code ${err.code}`,
            ),
          ),
        );
      const expected = (running: ReadonlySet<string>) =>
        [...names, "missing-1", ...names, "missing-2"].map((name) =>
          name.startsWith("missing")
            ? `${name}:code ${Code.NOT_FOUND}`
            : `${name}:${running.has(name) ? WorkflowExecution_Phase.RUNNING : WorkflowExecution_Phase.UNDEFINED}`,
        );
      assert.deepEqual(await phases(), expected(new Set()));
      const running = new Set(names.filter((_, i) => i % 2 === 1));
      for (const name of running)
        await a.admin.createWorkflowEvent({
          event: {
            executionId: id(name),
            phase: WorkflowExecution_Phase.RUNNING,
            occurredAt: timestampFromMs(Date.now()),
          },
        });
      assert.deepEqual(await phases(), expected(running));

      const plans = [lp, launchPlanId("wf.hello.hello_wf", "no-such-version"), launchPlanId("wf.hello.hello_wf", "c3")];
      await a.admin.updateLaunchPlan({ id: lp, state: LaunchPlanState.ACTIVE });
      const states = await Promise.all(
        [...plans, ...plans].map((p) =>
          b.admin.getLaunchPlan({ id: p }).then(
            (l) => `${l.id?.version}:${l.closure?.state}`,
            (err: { code?: number }) => `${p.version}:code ${err.code}`,
          ),
        ),
      );
      const planStates = ["c4:1", `no-such-version:code ${Code.NOT_FOUND}`, "c3:0"];
      assert.deepEqual(states, [...planStates, ...planStates]);
    });
  });
}
