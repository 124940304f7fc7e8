/**
 * pyflyte register and FlyteRemote fetch against the server (clients.md §6
 * S4–S7). The tests share one server and run in order: S4 registers the
 * example project, the others build on it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { describeRun, flytekitDir } from "./support/clients.js";
import {
  changeTaskBody,
  checkLocalArchive,
  computedVersion,
  copyExample,
  DOMAIN,
  distributionLocation,
  ENTITY_COUNT,
  entityId,
  LAUNCH_PLANS,
  MAP_TASK_PREFIX,
  PROJECT,
  ResourceType,
  TASKS,
  WORKFLOWS,
} from "./support/example-project.js";
import { describeConformance } from "./support/harness.js";

const REGISTER_RPCS = [
  "DataProxyService.CreateUploadLocation",
  "AdminService.CreateTask",
  "AdminService.CreateWorkflow",
  "AdminService.CreateLaunchPlan",
  "AdminService.GetTask",
  "AdminService.GetWorkflow",
  "AdminService.GetLaunchPlan",
];
const ACTIVATE_RPCS = ["AdminService.UpdateLaunchPlan", "AdminService.GetActiveLaunchPlan"];
const REGISTER_TIMEOUT_MS = 300_000;

type Json = Record<string, unknown>;

describeConformance(
  "flytekit: pyflyte register and FlyteRemote fetch",
  (suite) => {
    let version = "";
    let distribution = "";
    let activated = false;
    const project = () => copyExample(join(suite.ws().dir, "proj"));
    const register = (cwd: string, extra: string[] = []) =>
      suite
        .ws()
        .pyflyte(["register", "--project", PROJECT, "--domain", DOMAIN, ...extra, "example"], cwd, REGISTER_TIMEOUT_MS);
    const needVersion = () => assert.ok(version, "needs the registration of S4, which did not pass");

    test("S4: pyflyte register uploads the code and registers every entity", async (t) => {
      if (!(await suite.ready(t))) return;
      const r = await register(project());
      assert.equal(r.code, 0, describeRun("pyflyte register", r));
      assert.match(r.output, new RegExp(`Successfully registered ${ENTITY_COUNT} entities`), describeRun("output", r));
      version = computedVersion(r.output);
      const { admin } = suite.server();
      for (const name of TASKS) {
        const task = await admin.getTask({ id: entityId(ResourceType.TASK, name, version) });
        const template = task.closure?.compiledTask?.template;
        assert.ok(template?.interface, `${name}: closure.compiled_task.template.interface`);
        const args = template.target.case === "container" ? template.target.value.args : [];
        const location = distributionLocation(args);
        distribution ||= location;
        assert.equal(location, distribution, "every task points at the one uploaded archive");
      }
      if (!checkLocalArchive(distribution)) t.diagnostic(`archive at ${distribution} not checked (not a file:// URL)`);
      for (const name of WORKFLOWS) {
        const wf = await admin.getWorkflow({ id: entityId(ResourceType.WORKFLOW, name, version) });
        assert.equal(wf.closure?.compiledWorkflow?.primary?.template?.id?.name, name, `${name}: compiled_workflow`);
      }
      const pipeline = await admin.getWorkflow({
        id: entityId(ResourceType.WORKFLOW, "example.workflows.pipeline", version),
      });
      assert.deepEqual(
        pipeline.closure?.compiledWorkflow?.subWorkflows.map((s) => s.template?.id?.name),
        ["example.workflows.double_sub"],
      );
      for (const name of LAUNCH_PLANS) {
        const lp = await admin.getLaunchPlan({ id: entityId(ResourceType.LAUNCH_PLAN, name, version) });
        assert.equal(lp.closure?.state, LaunchPlanState.INACTIVE, `${name} is not activated by a plain register`);
      }
    });

    test("S4: flytectl get task lists the registered tasks at the computed version", async (t) => {
      if (!(await suite.ready(t, { clients: ["flytectl"], rpcs: ["AdminService.ListTasks"] }))) return;
      needVersion();
      const r = await suite.ws().flytectl(["get", "task", "-p", PROJECT, "-d", DOMAIN, "-o", "json"]);
      assert.equal(r.code, 0, describeRun("flytectl get task", r));
      const parsed = JSON.parse(r.stdout) as Json | Json[];
      const ids = (Array.isArray(parsed) ? parsed : [parsed]).map((x) => x.id as Json);
      for (const name of TASKS)
        assert.ok(
          ids.some((id) => id.name === name && id.version === version),
          name,
        );
      assert.ok(
        ids.some((id) => String(id.name).startsWith(MAP_TASK_PREFIX)),
        "the map task",
      );
    });

    test("S5: registering unchanged code again succeeds with the same version and no new rows", async (t) => {
      if (!(await suite.ready(t, { rpcs: ["AdminService.ListTasks", "AdminService.ListWorkflows"] }))) return;
      needVersion();
      const r = await register(project());
      assert.equal(r.code, 0, describeRun("pyflyte register (again)", r));
      assert.equal(computedVersion(r.output), version);
      assert.match(r.output, new RegExp(`Successfully registered ${ENTITY_COUNT} entities`));
      const { admin } = suite.server();
      const tasks = await admin.listTasks({ id: { project: PROJECT, domain: DOMAIN, name: TASKS[0] }, limit: 10 });
      assert.deepEqual(
        tasks.tasks.map((x) => x.id?.version),
        [version],
      );
      const wfs = await admin.listWorkflows({
        id: { project: PROJECT, domain: DOMAIN, name: WORKFLOWS[1] },
        limit: 10,
      });
      assert.deepEqual(
        wfs.workflows.map((x) => x.id?.version),
        [version],
      );
    });

    test("S6: changed code under the same version is rejected and the old definition stays", async (t) => {
      if (!(await suite.ready(t))) return;
      needVersion();
      const dir = copyExample(join(suite.ws().dir, "proj-changed"));
      changeTaskBody(dir);
      const r = await register(dir, ["--version", version]);
      assert.notEqual(r.code, 0, describeRun("pyflyte register (changed code, same version)", r));
      assert.match(r.output, /Request rejected by the API, due to Invalid input\./, describeRun("output", r));
      const task = await suite
        .server()
        .admin.getTask({ id: entityId(ResourceType.TASK, "example.tasks.halve", version) });
      const template = task.closure?.compiledTask?.template;
      const args = template?.target.case === "container" ? template.target.value.args : [];
      assert.equal(distributionLocation(args), distribution, "GetTask still returns the first registration");
    });

    test("S7: register --activate-launchplans activates the scheduled launch plan", async (t) => {
      if (!(await suite.ready(t, { rpcs: ACTIVATE_RPCS }))) return;
      needVersion();
      const r = await register(project(), ["--activate-launchplans", "--version", "v2"]);
      assert.equal(r.code, 0, describeRun("pyflyte register --activate-launchplans", r));
      const active = await suite
        .server()
        .admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN, name: "pipeline_nightly" } });
      assert.equal(active.id?.version, "v2");
      assert.equal(active.closure?.state, LaunchPlanState.ACTIVE);
      activated = true;
    });

    test("S7: flytectl get launchplan --latest -o yaml shows the active state", async (t) => {
      const rpcs = [...ACTIVATE_RPCS, "AdminService.ListLaunchPlans"];
      if (!(await suite.ready(t, { clients: ["flytectl"], rpcs }))) return;
      assert.ok(activated, "needs S7's registration, which did not pass");
      const r = await suite
        .ws()
        .flytectl(["get", "launchplan", "-p", PROJECT, "-d", DOMAIN, "pipeline_nightly", "--latest", "-o", "yaml"]);
      assert.equal(r.code, 0, describeRun("flytectl get launchplan --latest", r));
      const lp = parseYaml(r.stdout) as { id: Json; closure: Json; spec: Json };
      assert.equal(lp.id.version, "v2");
      assert.equal(lp.closure.state, "ACTIVE");
      assert.deepEqual((lp.spec.entityMetadata as Json).schedule, { cronSchedule: { schedule: "0 2 * * *" } });
    });

    test("FlyteRemote fetches the task, workflow and launch plans with their interfaces", async (t) => {
      const rpcs = ["AdminService.ListTasks", "AdminService.ListWorkflows", "AdminService.ListLaunchPlans"];
      if (!(await suite.ready(t, { rpcs: [...rpcs, ...ACTIVATE_RPCS] }))) return;
      needVersion();
      assert.ok(activated, "needs S7's registration, which did not pass");
      const r = await suite.ws().python(join(flytekitDir, "remote_fetch.py"), [PROJECT, DOMAIN, version]);
      assert.equal(r.code, 0, describeRun("remote_fetch.py", r));
      const out = JSON.parse(r.stdout) as Record<string, Json>;
      const { task, pipeline, mapped, launch_plan: lp } = out;
      const int = (description: string) => ({ type: { simple: "INTEGER" }, description });
      const str = (description: string) => ({ type: { simple: "STRING" }, description });
      assert.equal((task.id as Json).version, version);
      assert.equal(task.latest_version, "v2", "the latest version is the one created last (S7)");
      assert.deepEqual(task.interface, {
        inputs: { variables: { x: int("x") } },
        outputs: { variables: { o0: int("o0") } },
      });
      assert.equal(task.type, "python-task");
      assert.deepEqual(task.resources, {
        requests: [
          { name: "CPU", value: "100m" },
          { name: "MEMORY", value: "64Mi" },
        ],
        limits: [
          { name: "CPU", value: "200m" },
          { name: "MEMORY", value: "128Mi" },
        ],
      });
      assert.deepEqual(pipeline.interface, {
        inputs: { variables: { x: int("x"), name: str("name") } },
        outputs: { variables: { o0: int("o0"), o1: str("o1") } },
      });
      type NodeJson = { id: string; entity: string; entity_id: Json | null };
      const nodes = (wf: Json) => (wf.nodes as NodeJson[]).map((n) => [n.id, n.entity, n.entity_id?.name ?? null]);
      assert.deepEqual(nodes(pipeline), [
        ["n0", "FlyteWorkflow", "example.workflows.double_sub"],
        ["n1", "FlyteBranchNode", null],
        ["n2", "FlyteTask", "example.tasks.greet"],
      ]);
      assert.deepEqual(mapped.interface, {
        inputs: { variables: { xs: { type: { collectionType: { simple: "INTEGER" } }, description: "xs" } } },
        outputs: { variables: { o0: int("o0") } },
      });
      assert.deepEqual(nodes(mapped), [
        ["n0", "FlyteArrayNode", null],
        ["n1", "FlyteTask", "example.tasks.total"],
      ]);
      assert.equal((lp.workflow_id as Json).name, "example.workflows.pipeline");
      const defaults = (lp.default_inputs as { parameters: Record<string, Json> }).parameters;
      assert.deepEqual(defaults.x.default, { scalar: { primitive: { integer: "7" } } });
      assert.deepEqual(lp.fixed_inputs, {
        literals: { name: { scalar: { primitive: { stringValue: "conformance" } } } },
      });
      assert.equal((out.active_nightly as Json | null)?.version, "v2", "fetch_active_launchplan");
    });
  },
  { needs: { clients: ["flytekit"], rpcs: REGISTER_RPCS }, seedProjects: [PROJECT] },
);
