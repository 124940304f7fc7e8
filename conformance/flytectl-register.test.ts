/**
 * flytectl register files, get task/workflow/launchplan and update launchplan
 * against the server (clients.md §6 S14, S15, S8). The package comes from
 * `pyflyte package --fast` of the example project. Tests run in order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { type ClientResult, describeRun } from "./support/clients.js";
import {
  checkLocalArchive,
  copyExample,
  DOMAIN,
  distributionLocation,
  ENTITY_COUNT,
  entityId,
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

type Json = Record<string, unknown>;

/**
 * The rows of flytectl's register table: [name, status, additional info].
 * A long cell wraps onto continuation lines whose first cell is empty.
 */
function registerRows(stdout: string): string[][] {
  const rows: string[][] = [];
  const lines = stdout
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the table's ANSI colours
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) => l.startsWith("|"));
  for (const line of lines) {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const last = rows.at(-1);
    if (cells[0] === "" && last) {
      for (const [i, cell] of cells.entries()) if (cell) last[i] = `${last[i]} ${cell}`;
    } else if (!/^NAME\b/.test(cells[0])) rows.push(cells); // the header reads "NAME (<count>)"
  }
  return rows;
}

function jsonRows(stdout: string): Json[] {
  const parsed = JSON.parse(stdout) as Json | Json[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

describeConformance(
  "flytectl: register files and entity commands",
  (suite) => {
    let pkg = "";
    const registerFiles = (version: string): Promise<ClientResult> =>
      suite
        .ws()
        .flytectl(["register", "files", pkg, "--archive", "-p", PROJECT, "-d", DOMAIN, "--version", version], 300_000);
    const needPackage = () => assert.ok(pkg, "needs S14's registration, which did not pass");

    test("S14: pyflyte package --fast, then flytectl register files registers every file", async (t) => {
      if (!(await suite.ready(t))) return;
      const dir = copyExample(join(suite.ws().dir, "pkg-src"));
      const out = join(suite.ws().dir, "pkg.tgz");
      const p = await suite.ws().pyflyte(["--pkgs", "example", "package", "--fast", "-o", out, "--force"], dir);
      assert.equal(p.code, 0, describeRun("pyflyte package", p));
      pkg = out;
      const r = await registerFiles("v5");
      assert.equal(r.code, 0, describeRun("flytectl register files", r));
      const rows = registerRows(r.stdout);
      assert.equal(rows.length, ENTITY_COUNT, describeRun("rows", r));
      for (const [name, status, info] of rows) {
        assert.deepEqual([status, info], ["Success", "Successfully registered file"], name);
      }
      const task = await suite.server().admin.getTask({ id: entityId(ResourceType.TASK, TASKS[0], "v5") });
      const template = task.closure?.compiledTask?.template;
      const location = distributionLocation(template?.target.case === "container" ? template.target.value.args : []);
      assert.doesNotMatch(location, /\{\{/, "flytectl hydrated the upload location");
      if (!checkLocalArchive(location)) t.diagnostic(`archive at ${location} not checked (not a file:// URL)`);
    });

    test("S15: registering the same files again reports AlreadyExists as success", async (t) => {
      if (!(await suite.ready(t))) return;
      needPackage();
      const r = await registerFiles("v5");
      assert.equal(r.code, 0, describeRun("flytectl register files (again)", r));
      const rows = registerRows(r.stdout);
      assert.equal(rows.length, ENTITY_COUNT, describeRun("rows", r));
      for (const [name, status, info] of rows) assert.deepEqual([status, info], ["Success", "AlreadyExists"], name);
    });

    test("get task NAME --version and get workflow list the registered entities", async (t) => {
      const rpcs = ["AdminService.ListNamedEntities"];
      if (!(await suite.ready(t, { rpcs }))) return;
      needPackage();
      const ws = suite.ws();
      const task = await ws.flytectl([
        "get",
        "task",
        "-p",
        PROJECT,
        "-d",
        DOMAIN,
        TASKS[0],
        "--version",
        "v5",
        "-o",
        "json",
      ]);
      assert.equal(task.code, 0, describeRun("flytectl get task --version", task));
      const [t0] = jsonRows(task.stdout);
      assert.deepEqual(t0.id, {
        resourceType: "TASK",
        project: PROJECT,
        domain: DOMAIN,
        name: TASKS[0],
        version: "v5",
      });
      const all = await ws.flytectl(["get", "workflow", "-p", PROJECT, "-d", DOMAIN, "-o", "json"]);
      assert.equal(all.code, 0, describeRun("flytectl get workflow", all));
      assert.deepEqual(
        jsonRows(all.stdout)
          .map((e) => (e.id as Json).name)
          .sort(),
        [...WORKFLOWS].sort(),
      );
    });

    test("get workflow --version returns the compiled closure; -o dot renders it", async (t) => {
      if (!(await suite.ready(t))) return;
      needPackage();
      const args = ["get", "workflow", "-p", PROJECT, "-d", DOMAIN, "example.workflows.pipeline", "--version", "v5"];
      const r = await suite.ws().flytectl([...args, "-o", "json"]);
      assert.equal(r.code, 0, describeRun("flytectl get workflow --version", r));
      const [wf] = jsonRows(r.stdout);
      const compiled = (wf.closure as Json).compiledWorkflow as { subWorkflows: { template: { id: Json } }[] };
      assert.deepEqual(
        compiled.subWorkflows.map((s) => s.template.id.name),
        ["example.workflows.double_sub"],
      );
      const dot = await suite.ws().flytectl([...args, "-o", "dot"]);
      assert.equal(dot.code, 0, describeRun("flytectl get workflow -o dot", dot));
      // The sub-workflow is a cluster, the branch a diamond with one edge per case.
      for (const part of [
        /subgraph cluster_n0 \{/,
        /label="\[size\]", shape=diamond/,
        /label="greet \[python-task\]"/,
      ]) {
        assert.match(dot.stdout, part, describeRun("flytectl get workflow -o dot", dot));
      }
      assert.match(dot.stdout, /label="orElse"/);
    });

    test("get launchplan --version shows default and fixed inputs", async (t) => {
      if (!(await suite.ready(t))) return;
      needPackage();
      const r = await suite
        .ws()
        .flytectl([
          "get",
          "launchplan",
          "-p",
          PROJECT,
          "-d",
          DOMAIN,
          "pipeline_defaults",
          "--version",
          "v5",
          "-o",
          "json",
        ]);
      assert.equal(r.code, 0, describeRun("flytectl get launchplan --version", r));
      const [lp] = jsonRows(r.stdout);
      const spec = lp.spec as {
        defaultInputs: { parameters: Record<string, Json> };
        fixedInputs: Json;
        workflowId: Json;
      };
      assert.equal(spec.workflowId.name, "example.workflows.pipeline");
      assert.equal(spec.workflowId.version, "v5");
      assert.deepEqual(spec.defaultInputs.parameters.x.default, { scalar: { primitive: { integer: "7" } } });
      assert.deepEqual(spec.fixedInputs, {
        literals: { name: { scalar: { primitive: { stringValue: "conformance" } } } },
      });
    });

    test("S8: update launchplan --activate moves the active version", async (t) => {
      const rpcs = [
        "AdminService.UpdateLaunchPlan",
        "AdminService.ListLaunchPlans",
        "AdminService.GetActiveLaunchPlan",
      ];
      if (!(await suite.ready(t, { rpcs }))) return;
      needPackage();
      const ws = suite.ws();
      const { admin } = suite.server();
      const activate = (version: string) =>
        ws.flytectl(
          ["update", "launchplan", "-p", PROJECT, "-d", DOMAIN, "pipeline_nightly"].concat([
            "--version",
            version,
            "--activate",
            "--force",
          ]),
        );
      const first = await activate("v5");
      assert.equal(first.code, 0, describeRun("flytectl update launchplan --activate (v5)", first));
      assert.match(first.stdout, /updated launch plan successfully on pipeline_nightly/);
      const v6 = await registerFiles("v6");
      assert.equal(v6.code, 0, describeRun("flytectl register files (v6)", v6));
      const second = await activate("v6");
      assert.equal(second.code, 0, describeRun("flytectl update launchplan --activate (v6)", second));
      const named = { project: PROJECT, domain: DOMAIN, name: "pipeline_nightly" };
      const list = await admin.listLaunchPlans({ id: named, limit: 10 });
      const states = Object.fromEntries(list.launchPlans.map((lp) => [lp.id?.version, lp.closure?.state]));
      assert.deepEqual(states, { v5: LaunchPlanState.INACTIVE, v6: LaunchPlanState.ACTIVE });
      assert.equal((await admin.getActiveLaunchPlan({ id: named })).id?.version, "v6");
      const again = await activate("v6");
      assert.equal(again.code, 0, describeRun("flytectl update launchplan --activate (v6 again)", again));
      assert.match(again.stdout, /No changes detected\. Skipping the update\./);
    });
  },
  { needs: { clients: ["flytekit", "flytectl"], rpcs: REGISTER_RPCS }, seedProjects: [PROJECT] },
);
