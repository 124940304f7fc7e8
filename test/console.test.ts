/**
 * The console in a real browser (Debian's chromium through playwright-core)
 * against a real server with the local engine, on each database: the project
 * registered through the API, a launch from the form that reaches SUCCEEDED,
 * a node's logs and outputs, terminate, relaunch, deep links at flyteconsole's
 * and flytekit's URLs, a failed task's error, and the launch form's checks.
 * Screenshots of every view go to test/.screenshots/ (not committed).
 * Skipped, with the reason, where chromium is not installed.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { chromiumPath, launchChromium, screenshot } from "./support/chromium.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";
import { ShellProject } from "./support/shell-project.js";

const P = "consoletest";
const D = "development";
const missing = chromiumPath() ? undefined : "chromium is not installed (apt-get install chromium)";
if (missing) console.log(`# SKIP console browser tests: ${missing}`);

let browser: Browser | undefined;
before(async () => {
  if (!missing) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  if (!browser) throw new Error("no browser");
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(30_000);
  return page;
}

/** Waits until the execution page's heading shows `phase`. */
async function waitForPhase(page: Page, phase: string, timeout = 60_000): Promise<void> {
  await page.locator("h1 .phase", { hasText: phase.replace("_", " ") }).waitFor({ timeout });
}

const execUrl = (base: string, name: string) => `${base}/console/projects/${P}/domains/${D}/executions/${name}`;

describeEachDatabase(
  "console in chromium",
  (srv) => {
    let fx: ShellProject;
    let base: string;
    before(async () => {
      if (missing) return;
      const s: TestServer = srv();
      base = s.httpBase;
      fx = new ShellProject(s, P);
      await s.admin.registerProject({ project: { id: P, name: P, description: "console browser tests" } });
      const inc = await fx.task(
        "inc",
        'echo "step from $(cat /var/in/x)"; echo $(( $(cat /var/in/x) + 1 )) > /var/out/o0',
      );
      const fail = await fx.task("explode", 'echo "about to fail" ; echo "boom: the input was bad" >&2; exit 3');
      const slow = await fx.task("slow", "sleep 60; echo 0 > /var/out/o0");
      await fx.chain("chain", [inc, inc]);
      await fx.chain("failing", [inc, fail], 1n);
      await fx.chain("sleepy", [slow], 1n);
      await fx.gated("gated", inc);
      await fx.nested("nested", inc);
      await fx.withFile("withfile", inc);
      await fx.mapped("mapped");
      await fx.parent("parent", fx.id(ResourceType.LAUNCH_PLAN, "chain"));
      await fx.dynamic("dynamic", inc, s.dataDir);
    });

    /** Launches launch plan `lp` as execution `run` and opens its page; waits for `phase` when given. */
    async function openRun(lp: string, run: string, x?: bigint, phase?: string): Promise<Page> {
      await fx.launch(fx.id(ResourceType.LAUNCH_PLAN, lp), run, x);
      const page = await newPage();
      await page.goto(execUrl(base, run));
      if (phase) await waitForPhase(page, phase);
      return page;
    }

    test("projects, then the dashboard of a domain", { skip: missing }, async () => {
      const page = await newPage();
      await page.goto(`${base}/console`);
      await page.waitForURL(/\/console\/projects$/);
      await page.getByRole("link", { name: P, exact: true }).click();
      await page.waitForURL(new RegExp(`/console/projects/${P}/domains/${D}/executions`));
      await page.getByRole("heading", { name: /Executions/ }).waitFor();
      await screenshot(page, "01-projects-then-executions-empty");
      await page.goto(`${base}/console/projects`);
      await page.getByRole("heading", { name: "Projects" }).waitFor();
      await screenshot(page, "00-projects");
      await page.close();
    });

    test("launch from the form: required input checked, then the run reaches SUCCEEDED", {
      skip: missing,
    }, async () => {
      const page = await newPage();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/workflows/chain`);
      await page.getByRole("heading", { name: "Interface" }).waitFor();
      await page.getByText("Runs 2 tasks one after the other.").waitFor();
      await page.getByRole("figure", { name: /Graph of chain/ }).waitFor();
      await screenshot(page, "02-workflow");
      await page.getByRole("button", { name: "Launch", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: /Launch chain/ });
      await dialog.getByLabel("x").waitFor();
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await dialog.getByRole("alert").getByText("required", { exact: true }).waitFor();
      assert.match(page.url(), /workflows\/chain$/, "an empty required input is refused before anything is sent");
      await dialog.getByLabel("x").fill("40");
      await screenshot(page, "03-launch-form");
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForURL(/\/executions\/[a-z0-9]+/);
      await waitForPhase(page, "SUCCEEDED");
      await page.getByRole("row", { name: /n1/ }).getByText("SUCCEEDED").waitFor();
      await screenshot(page, "04-execution-nodes");

      await page.getByRole("button", { name: "n0", exact: true }).click();
      const panel = page.getByRole("complementary");
      await panel.getByRole("heading", { name: "n0" }).waitFor();
      await panel.getByText("step from 40").waitFor();
      await screenshot(page, "05-node-panel-logs");
      await panel.getByRole("tab", { name: "Outputs" }).click();
      await panel.getByRole("table", { name: "Outputs" }).getByText("41").waitFor();
      await screenshot(page, "06-node-panel-outputs");
      await panel.getByRole("button", { name: "Close node panel" }).click();

      await page.getByRole("tab", { name: "Inputs & outputs" }).click();
      await page.getByRole("table", { name: "Outputs" }).getByText("42").waitFor();
      // Tabs follow the arrow keys, as WAI-ARIA tabs do.
      await page.getByRole("tab", { name: "Inputs & outputs" }).focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await page.locator('[role=tab][aria-selected="true"]', { hasText: "Graph" }).waitFor();
      await page
        .getByRole("figure", { name: /Graph of chain/ })
        .getByText("SUCCEEDED")
        .first()
        .waitFor();
      await screenshot(page, "07-execution-graph");
      await page.getByRole("tab", { name: "Timeline" }).click();
      await page.getByRole("list", { name: "Timeline of nodes" }).waitFor();
      // The axis of a finished execution ends where it ended: its last mark is the execution's duration.
      const duration = await page
        .locator(".fields div", { has: page.locator("dt", { hasText: "Duration" }) })
        .locator("dd")
        .textContent();
      assert.equal(await page.locator(".timeline .axis span").last().textContent(), duration);
      await screenshot(page, "08-execution-timeline");

      // The URL before the click: the new page may be open by the time click() returns.
      const first = page.url();
      await page.getByRole("button", { name: "Relaunch" }).click();
      await page.waitForURL((u) => u.toString() !== first && /\/executions\/[a-z0-9]+/.test(u.pathname));
      await waitForPhase(page, "SUCCEEDED");

      await page.getByRole("button", { name: "Launch again with these inputs" }).click();
      const again = page.getByRole("dialog", { name: /Launch chain/ });
      // The form fills in once the launch plan is read: the execution's inputs, not the (absent) default.
      await page.waitForFunction('document.getElementById("input-x")?.value === "40"');
      const relaunched = page.url();
      await again.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForURL((u) => u.toString() !== relaunched && /\/executions\/[a-z0-9]+/.test(u.pathname));
      await waitForPhase(page, "SUCCEEDED");
      await page.close();
    });

    test("the workflow a dynamic node generated is drawn inside it in the graph, coloured by its nodes' phases", {
      skip: missing,
    }, async () => {
      const page = await openRun("dynamic", "dynrun", 5n, "SUCCEEDED");
      await page.getByRole("button", { name: "Expand dyn" }).click();
      await page.locator('[role=row][aria-level="2"]').nth(1).waitFor();
      await page.getByRole("tab", { name: "Graph" }).click();
      const graph = page.getByRole("figure", { name: /Graph of dynamic/ });
      for (const node of ["d0", "d1"]) await graph.getByText(node, { exact: true }).waitFor();
      await screenshot(page, "18-dynamic-graph");
      await page.close();
    });

    test("a sub-workflow's nodes open nested under its node, in the table and in the graph", {
      skip: missing,
    }, async () => {
      const page = await openRun("nested", "nestrun", 1n, "SUCCEEDED");
      await page.getByRole("button", { name: "Expand inner" }).click();
      const children = page.locator('[role=row][aria-level="2"]');
      await children.nth(1).waitFor();
      assert.deepEqual(await children.locator("button.link").allTextContents(), ["s0", "s1"]);
      await children.nth(1).getByRole("button").first().click();
      await page.getByRole("complementary").getByText("step from 2").waitFor();
      await screenshot(page, "15-nested-nodes");
      await page.getByRole("tab", { name: "Graph" }).click();
      const graph = page.getByRole("figure", { name: /Graph of nested/ });
      await graph.getByText("sub-workflow").first().waitFor();
      await graph.getByText("s1", { exact: true }).waitFor();
      await screenshot(page, "16-nested-graph");
      await page.close();
    });

    test("a file input is uploaded through CreateUploadLocation and launched with its URI", {
      skip: missing,
    }, async () => {
      const page = await newPage();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/launch_plan/withfile/version/v1`);
      await page.getByRole("button", { name: "Launch", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: /Launch withfile/ });
      await page.waitForFunction('document.getElementById("input-x")?.value === "1"');
      await dialog.getByLabel("Upload a file for f").setInputFiles({
        name: "data.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("uploaded from the console\n"),
      });
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForURL(/\/executions\/[a-z0-9]+/);
      await waitForPhase(page, "SUCCEEDED");
      const name = page.url().split("/").pop() ?? "";
      const data = await srv().admin.getExecutionData({ id: { project: P, domain: D, name } });
      const f = data.fullInputs?.literals.f?.value;
      const uri = f?.case === "scalar" && f.value.value.case === "blob" ? f.value.value.value.uri : "";
      assert.match(uri, /data\.txt$/);
      assert.equal(Buffer.from(await srv().server.blobs.read(uri)).toString(), "uploaded from the console\n");
      await page.close();
    });

    test("a map task launched with a list from the form shows its sub-tasks with their logs", {
      skip: missing,
    }, async () => {
      const page = await newPage();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/launch_plans/mapped`);
      await page.getByRole("button", { name: "Launch", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: /Launch mapped/ });
      await dialog.getByLabel("xs").fill("[1, 2, x]");
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await dialog.getByRole("alert").getByText(/JSON/).waitFor();
      await dialog.getByLabel("xs").fill("[1, 2, 3]");
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForURL(/\/executions\/[a-z0-9]+/);
      await waitForPhase(page, "SUCCEEDED");
      await page.getByRole("button", { name: "n0", exact: true }).click();
      const subtasks = page.getByRole("region", { name: "Sub-tasks" });
      await subtasks.getByText("(3)").waitFor();
      await subtasks.getByText("#2").click();
      await subtasks.getByText("square of 3").waitFor();
      await screenshot(page, "17-map-task");
      await page.getByRole("tab", { name: "Inputs & outputs" }).click();
      await page
        .getByRole("table", { name: "Outputs" })
        .getByText(/1,\s*4,\s*9/)
        .waitFor();
      await page.close();
    });

    test("a task launches on its own (a single-task execution) from its page", { skip: missing }, async () => {
      const page = await newPage();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/task/inc/version/v1`);
      await page.getByRole("button", { name: "Launch", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: /Launch inc/ });
      await dialog.getByText("Task version v1").waitFor();
      await dialog.getByLabel("x").fill("99");
      await dialog.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForURL(/\/executions\/[a-z0-9]+/);
      await waitForPhase(page, "SUCCEEDED");
      await page.getByRole("tab", { name: "Inputs & outputs" }).click();
      await page.getByRole("table", { name: "Outputs" }).getByText("100").waitFor();
      await page.close();
    });

    test("a launch plan node links to its child execution", { skip: missing }, async () => {
      const page = await openRun("parent", "parentrun", 7n, "SUCCEEDED");
      await page.getByRole("button", { name: "child", exact: true }).click();
      const panel = page.getByRole("complementary");
      const link = panel.getByText("Child execution:").getByRole("link");
      await link.waitFor();
      const childName = (await link.textContent()) ?? "";
      await link.click();
      await page.waitForURL(new RegExp(`/executions/${childName}`));
      await waitForPhase(page, "SUCCEEDED");
      await page.getByRole("tab", { name: "Inputs & outputs" }).click();
      await page.getByRole("table", { name: "Outputs" }).getByText("9").waitFor();
      await page.close();
    });

    test("a failed task shows its error message and kind, and its stderr", { skip: missing }, async () => {
      const page = await openRun("failing", "failrun", 5n, "FAILED");
      const alert = page.getByRole("alert").first();
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? "", /USER error/);
      await page.getByRole("button", { name: "n1", exact: true }).click();
      const panel = page.getByRole("complementary");
      await panel.getByText("boom: the input was bad").first().waitFor();
      await screenshot(page, "09-failed-node");
      await page.getByRole("button", { name: "Recover" }).click();
      await page.waitForURL((u) => !u.pathname.endsWith("/failrun"));
      await page.getByRole("link", { name: "failrun" }).waitFor();
      await page.close();
    });

    test("terminate a running execution", { skip: missing }, async () => {
      const page = await openRun("sleepy", "sleeprun", 1n);
      await page.getByRole("row", { name: /n0/ }).getByText("RUNNING").waitFor();
      await page.getByRole("button", { name: "Terminate" }).click();
      await page.getByLabel("Cause").fill("stopped by the console test");
      await screenshot(page, "10-terminate");
      await page.getByRole("button", { name: "Confirm terminate" }).click();
      await waitForPhase(page, "ABORTED");
      await page.getByText("stopped by the console test").waitFor();
      await page.close();
    });

    test("signals: approve a gate, then give a typed value, and the run goes on to SUCCEEDED", {
      skip: missing,
    }, async () => {
      const page = await openRun("gated", "gaterun");
      const waiting = page.getByRole("region", { name: "Waiting for input" });
      await waiting.getByText("proceed").waitFor();
      await screenshot(page, "14-gate-approve");
      await waiting.getByRole("button", { name: "Approve" }).click();
      const value = waiting.getByLabel("Value for value");
      await value.fill("nine");
      await waiting.getByRole("button", { name: "Set" }).click();
      await waiting
        .getByRole("alert")
        .getByText(/whole number/)
        .waitFor();
      await value.fill("9");
      await waiting.getByRole("button", { name: "Set" }).click();
      await waitForPhase(page, "SUCCEEDED");
      await page.getByRole("tab", { name: "Inputs & outputs" }).click();
      await page.getByRole("table", { name: "Outputs" }).getByText("10").waitFor();
      await page.close();
    });

    test("deep links at flyteconsole's and flytekit's URLs open the right page", { skip: missing }, async () => {
      const page = await newPage();
      await page.goto(execUrl(base, "failrun"));
      await page.getByRole("heading", { name: /failrun/ }).waitFor();
      await page.goto(`${base}/console/projects/${P}/executions?domain=${D}`);
      await page.getByRole("link", { name: "failrun" }).waitFor();
      // The filters live in the URL (shareable); the box shows checked once the URL changed.
      await page.getByRole("checkbox", { name: "failed" }).click();
      await page.waitForURL(/phase=FAILED/);
      await page.getByRole("link", { name: "sleeprun" }).waitFor({ state: "detached" });
      await screenshot(page, "11-executions-filtered");
      await page.goto(`${base}/console/projects/${P}/domains/${D}/workflow/chain/version/v1`);
      await page.getByRole("heading", { name: "chain", exact: true }).waitFor();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/launch_plan/chain/version/v1`);
      const toggle = page.getByRole("button", { name: /^(Activate|Deactivate)$/ });
      const before = await toggle.textContent();
      await screenshot(page, "12-launch-plan");
      await toggle.click();
      await page
        .getByRole("button", { name: before === "Activate" ? "Deactivate" : "Activate", exact: true })
        .waitFor();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/task/inc/version/v1`);
      await page.getByRole("table", { name: "Interface" }).waitFor();
      await page.goto(`${base}/console/projects/${P}/workflows/chain?domain=${D}`);
      await page.getByRole("heading", { name: "chain", exact: true }).waitFor();
      await page.goto(`${base}/console/projects/${P}/domains/${D}/tasks`);
      await page.getByRole("link", { name: "explode" }).waitFor();
      await screenshot(page, "13-tasks");
      await page.close();
    });
  },
  { executor: { type: "local", local: { env: { PATH: "/usr/local/bin:/usr/bin:/bin" } } } },
);
