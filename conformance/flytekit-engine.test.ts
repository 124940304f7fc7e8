/**
 * The local engine with the real flytekit: `pyflyte run --remote --wait` of
 * workflows covering a chain, a branch (both arms), a map task, a dynamic
 * workflow, a sub-workflow, a launch plan node, a cached task run twice, a
 * task failing after its retries and a terminate in the middle of a run,
 * each read back through FlyteRemote (`flytekit/engine_check.py`); a raw
 * container task written in shell; `pyflyte register` then
 * `flytectl create execution`. The server runs with `executor.type: local`
 * and the flytekit virtualenv on the task PATH.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { clientAvailability, describeRun, flytekitDir } from "./support/clients.js";
import { describeConformance } from "./support/harness.js";

const FLOWS = join(flytekitDir, "engine", "flows.py");
const CHECK = join(flytekitDir, "engine_check.py");
const P = "flytesnacks";
const D = "development";
const WAIT_MS = 300_000;

function taskPath(): string {
  const a = clientAvailability("flytekit");
  const venvBin = a.ok ? dirname(a.bin) : "";
  return [venvBin, "/usr/local/bin", "/usr/bin", "/bin"].filter(Boolean).join(":");
}

interface Checked {
  phase: number;
  error: { code: string; message: string } | null;
  outputs: Record<string, unknown>;
  nodes: string[];
}

describeConformance(
  "local engine with flytekit: pyflyte run --remote --wait",
  (suite) => {
    const needs = {
      clients: ["flytekit"] as const,
      rpcs: ["AdminService.CreateExecution", "AdminService.CreateNodeEvent"],
    };

    /** Runs `wf` (of `file`) with `args` to its end; answers the execution name and what FlyteRemote reads back. */
    async function run(
      wf: string,
      args: string[],
      expectOk = true,
      file = FLOWS,
    ): Promise<{ name: string; checked: Checked }> {
      const ws = suite.ws();
      const name = `e${wf.replace(/_/g, "")}${Date.now().toString(36)}`.slice(0, 20);
      const r = await ws.pyflyte(
        [
          "run",
          "--remote",
          "--project",
          P,
          "--domain",
          D,
          "--name",
          name,
          "--wait",
          "--poll-interval",
          "1",
          file,
          wf,
          ...args,
        ],
        ws.dir,
        WAIT_MS,
      );
      if (expectOk) assert.equal(r.code, 0, describeRun(`pyflyte run ${wf}`, r));
      else assert.notEqual(r.code, 0, describeRun(`pyflyte run ${wf}`, r));
      const c = await ws.python(CHECK, [P, D, name]);
      assert.equal(c.code, 0, describeRun("check.py", c));
      return { name, checked: JSON.parse(c.stdout.trim().split("\n").at(-1) ?? "{}") as Checked };
    }

    test("a chain", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      const { checked } = await run("chain", ["--x", "3"]);
      assert.equal(checked.phase, 4 /* SUCCEEDED */);
      assert.deepEqual(checked.outputs, { o0: 8 });
    });

    test("a branch, both arms", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      assert.deepEqual((await run("branchy", ["--x", "5"])).checked.outputs, { o0: "positive" });
      assert.deepEqual((await run("branchy", ["--x", "-5"])).checked.outputs, { o0: "not positive" });
    });

    test("a map task", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      assert.deepEqual((await run("mapped", ["--xs", "[1,2,3,4]"])).checked.outputs, { o0: [1, 4, 9, 16] });
    });

    test("a dynamic workflow", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      assert.deepEqual((await run("dyn", ["--n", "4"])).checked.outputs, { o0: [0, 1, 4, 9] });
    });

    test("a sub-workflow", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      assert.deepEqual((await run("outer", ["--x", "5"])).checked.outputs, { o0: 11 });
    });

    test("a launch plan node", async (t) => {
      if (!(await suite.ready(t, { ...needs, rpcs: [...needs.rpcs, "AdminService.CreateLaunchPlan"] }))) return;
      const { name, checked } = await run("with_lp", ["--x", "7"]);
      assert.deepEqual(checked.outputs, { o0: 8 });
      const children = await suite
        .server()
        .admin.listExecutions({ id: { project: P, domain: D }, limit: 100, filters: "" });
      const child = children.executions.find((e) => e.spec?.metadata?.parentNodeExecution?.executionId?.name === name);
      assert.ok(child, "a child execution records its parent node execution");
      assert.equal(child.closure?.phase, 4);
    });

    test("a cached task run twice", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      const first = await run("cached", ["--x", "4"]);
      const second = await run("cached", ["--x", "4"]);
      assert.deepEqual(second.checked.outputs, first.checked.outputs);
      const nodes = await suite.server().admin.listNodeExecutions({
        workflowExecutionId: { project: P, domain: D, name: second.name },
        limit: 100,
      });
      const n0 = nodes.nodeExecutions.find((n) => n.id?.nodeId === "n0");
      const md = n0?.closure?.targetMetadata;
      assert.equal(md?.case, "taskNodeMetadata");
      assert.equal(md?.value.cacheStatus, 2 /* CACHE_HIT */);
    });

    test("a task that fails after its retries", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      const { name, checked } = await run("failing", ["--x", "1"], false);
      assert.equal(checked.phase, 6 /* FAILED */);
      assert.match(checked.error?.code ?? "", /^RetriesExhausted\|/);
      assert.match(checked.error?.message ?? "", /\[3\/3\] currentAttempt done/);
      const attempts = await suite.server().admin.listTaskExecutions({
        nodeExecutionId: { executionId: { project: P, domain: D, name }, nodeId: "n0" },
        limit: 10,
      });
      assert.equal(attempts.taskExecutions.length, 3);
    });

    test("a raw container task written in shell", async (t) => {
      if (!(await suite.ready(t, needs))) return;
      const ws = suite.ws();
      const file = join(ws.dir, "shell_flow.py");
      writeFileSync(
        file,
        [
          "from flytekit import ContainerTask, kwtypes, workflow",
          "shout = ContainerTask(",
          '    name="shout",',
          '    image="alpine:3",',
          '    input_data_dir="/var/inputs",',
          '    output_data_dir="/var/outputs",',
          "    inputs=kwtypes(word=str),",
          "    outputs=kwtypes(loud=str),",
          '    command=["sh", "-c", "tr a-z A-Z < /var/inputs/word > /var/outputs/loud"],',
          ")",
          "@workflow",
          'def shell_wf(word: str = "hello") -> str:',
          "    return shout(word=word)",
          "",
        ].join("\n"),
      );
      const { checked } = await run("shell_wf", ["--word", "quiet"], true, file);
      assert.deepEqual(checked.outputs, { o0: "QUIET" });
    });

    test("a terminate in the middle of a run", async (t) => {
      if (!(await suite.ready(t, { ...needs, rpcs: [...needs.rpcs, "AdminService.TerminateExecution"] }))) return;
      const ws = suite.ws();
      const name = `esleep${Date.now().toString(36)}`.slice(0, 20);
      const r = await ws.pyflyte(
        ["run", "--remote", "--project", P, "--domain", D, "--name", name, FLOWS, "sleepy", "--seconds", "120"],
        ws.dir,
        WAIT_MS,
      );
      assert.equal(r.code, 0, describeRun("pyflyte run sleepy", r));
      const admin = suite.server().admin;
      const id = { project: P, domain: D, name };
      for (let i = 0; i < 600; i++) {
        const tasks = await admin
          .listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId: "n0" }, limit: 5 })
          .catch(() => undefined);
        if (tasks?.taskExecutions.some((x) => x.closure?.phase === 2 /* RUNNING */)) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      const started = Date.now();
      await admin.terminateExecution({ id, cause: "conformance: stop it" });
      for (let i = 0; i < 300; i++) {
        const e = await admin.getExecution({ id });
        if (e.closure?.phase === 7 /* ABORTED */) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal((await admin.getExecution({ id })).closure?.phase, 7);
      assert.ok(Date.now() - started < 15_000, "the execution was aborted promptly");
    });

    test("pyflyte register then flytectl create execution", async (t) => {
      if (
        !(await suite.ready(t, {
          clients: ["flytekit", "flytectl"],
          rpcs: [...needs.rpcs, "AdminService.CreateLaunchPlan"],
        }))
      )
        return;
      const ws = suite.ws();
      const reg = await ws.pyflyte(
        ["register", "--project", P, "--domain", D, "--version", "v-engine", join(flytekitDir, "engine")],
        flytekitDir,
        WAIT_MS,
      );
      assert.equal(reg.code, 0, describeRun("pyflyte register", reg));
      const spec = join(ws.dir, "exec.yaml");
      writeFileSync(
        spec,
        [
          'iamRoleARN: ""',
          "inputs:",
          "  x: 20",
          'kubeServiceAcct: ""',
          'targetDomain: ""',
          'targetProject: ""',
          "version: v-engine",
          "workflow: engine.flows.chain",
          "",
        ].join("\n"),
      );
      const ex = await ws.flytectl(["create", "execution", "-p", P, "-d", D, "--execFile", spec]);
      assert.equal(ex.code, 0, describeRun("flytectl create execution", ex));
      const name = /name:"([^"]+)"/.exec(ex.output)?.[1];
      assert.ok(name, ex.output);
      const admin = suite.server().admin;
      for (let i = 0; i < 600; i++) {
        const e = await admin.getExecution({ id: { project: P, domain: D, name } });
        if ((e.closure?.phase ?? 0) >= 4 && e.closure?.phase !== 5) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      const c = await ws.python(CHECK, [P, D, name]);
      assert.deepEqual((JSON.parse(c.stdout.trim().split("\n").at(-1) ?? "{}") as Checked).outputs, { o0: 42 });
    });
  },
  {
    seedProjects: [P],
    serverOverrides: () => ({ executor: { type: "local", local: { env: { PATH: taskPath() } } } }),
  },
);
