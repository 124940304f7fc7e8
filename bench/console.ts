/**
 * Console benchmark (issue 13): the gzip size of what the first page loads
 * (index.html and the entry script and styles it references) and of the lazy
 * chunks; and, in Debian's chromium, the time until an execution page of 500
 * nodes shows its nodes table and the first boxes of its graph (a big graph
 * opens at its start, drawing what is in view), and until an executions list over
 * 10,000 executions shows its first rows (and its second page after a scroll).
 * Real server in-process on SQLite with the external executor; executions
 * seeded through the repository, node executions through CreateNodeEvent as
 * FlytePropeller reports them.
 * Run: `npx tsx bench/console.ts [--executions 10000] [--nodes 500] [--runs 3]`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { create } from "@bufbuild/protobuf";
import type { Page } from "playwright-core";
import { buildConsole } from "../scripts/build-console.js";
import { microsToTimestamp } from "../src/common/time.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { newExecutionColumns } from "../src/store/repositories/execution-mapper.js";
import { ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { defaultConsoleDir } from "../src/transport/http/console-routes.js";
import { chromiumPath, launchChromium } from "../test/support/chromium.js";
import { tick } from "../test/support/propeller.js";
import { startTestServer, type TestServer } from "../test/support/server.js";
import { ShellProject } from "../test/support/shell-project.js";
import { numberArg, printTable, round, writeResult } from "./support/harness.js";

const EXECUTIONS = numberArg("executions", 10_000);
const NODES = numberArg("nodes", 500);
const RUNS = numberArg("runs", 3);
const P = "benchconsole";
const D = "development";

function bundleSizes(): Record<string, number | string>[] {
  const dir = defaultConsoleDir();
  const index = readFileSync(join(dir, "index.html"));
  const refs = [...index.toString().matchAll(/(?:src|href)="\/console\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length;
  let first = gz(index);
  let raw = index.length;
  for (const ref of refs) {
    const body = readFileSync(join(dir, ref));
    first += gz(body);
    raw += body.length;
  }
  const rows: Record<string, number | string>[] = [
    { part: "first page (index.html + entry js/css)", kib_raw: round(raw / 1024, 1), kib_gzip: round(first / 1024, 1) },
  ];
  for (const f of readdirSync(join(dir, "assets")).filter((x) => !refs.includes(`assets/${x}`))) {
    const body = readFileSync(join(dir, "assets", f));
    rows.push({
      part: `lazy ${f.replace(/-[\w-]{8}\./, ".")}`,
      kib_raw: round(body.length / 1024, 1),
      kib_gzip: round(gz(body) / 1024, 1),
    });
  }
  return rows;
}

async function seedExecutions(s: TestServer): Promise<void> {
  const db = s.server.database;
  const repo = new ExecutionRepository(db);
  const t0 = Date.now() * 1000 - EXECUTIONS * 1_000_000;
  const wf = { resourceType: ResourceType.WORKFLOW, project: P, domain: D, name: "wf.bench", version: "v1" };
  const phases = [
    WorkflowExecution_Phase.SUCCEEDED,
    WorkflowExecution_Phase.FAILED,
    WorkflowExecution_Phase.SUCCEEDED,
    WorkflowExecution_Phase.ABORTED,
  ];
  for (let start = 0; start < EXECUTIONS; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(EXECUTIONS, start + 1000); i++) {
      const createdAt = t0 + i * 1_000_000;
      const name = `bench-${i.toString(36).padStart(6, "0")}`;
      const spec = create(ExecutionSpecSchema, {
        launchPlan: { ...wf, resourceType: ResourceType.LAUNCH_PLAN, name: `lp-${i % 20}` },
        metadata: { principal: "bench" },
      });
      const closure = create(ExecutionClosureSchema, {
        phase: phases[i % phases.length] as WorkflowExecution_Phase,
        createdAt: microsToTimestamp(createdAt),
        startedAt: microsToTimestamp(createdAt),
        updatedAt: microsToTimestamp(createdAt + 5_000_000),
        duration: { seconds: BigInt(5 + (i % 60)), nanos: 0 },
        workflowId: wf,
      });
      rows.push(
        newExecutionColumns(
          {
            key: { project: P, domain: D, name },
            spec,
            closure,
            launchPlanId: (i % 20) + 1,
            workflowId: 1,
            cluster: "",
            inputsUri: `s3://bench/${name}/inputs`,
            userInputsUri: `s3://bench/${name}/user_inputs`,
            principal: "bench",
            launchEntity: "launch_plan",
            createdAt,
          },
          db.codec,
        ),
      );
    }
    await repo.insertMany(rows);
  }
}

/** A workflow of NODES task nodes in 20 parallel lanes, one execution of it, and every node reported SUCCEEDED. */
async function seedBigExecution(s: TestServer): Promise<string> {
  const fx = new ShellProject(s, P);
  const task = await fx.task("t", "true");
  const wf = fx.id(ResourceType.WORKFLOW, "wide");
  const lanes = 20;
  const INT = { type: { case: "simple" as const, value: 1 } };
  const promise = (nodeId: string, v: string) => ({ value: { case: "promise" as const, value: { nodeId, var: v } } });
  await s.admin.createWorkflow({
    id: wf,
    spec: {
      template: {
        id: wf,
        metadata: {},
        interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: {} } },
        nodes: Array.from({ length: NODES }, (_, i) => ({
          id: `n${i}`,
          inputs: [{ var: "x", binding: i < lanes ? promise("start-node", "x") : promise(`n${i - lanes}`, "o0") }],
          upstreamNodeIds: i < lanes ? [] : [`n${i - lanes}`],
          target: { case: "taskNode" as const, value: { reference: { case: "referenceId" as const, value: task } } },
        })),
        outputs: [],
      },
    },
  });
  const lp = fx.id(ResourceType.LAUNCH_PLAN, "wide");
  await s.admin.createLaunchPlan({
    id: lp,
    spec: { workflowId: wf, defaultInputs: { parameters: {} }, fixedInputs: { literals: {} } },
  });
  await fx.launch(lp, "wide500", 1n);
  const executionId = { project: P, domain: D, name: "wide500" };
  await s.admin.createWorkflowEvent({
    requestId: "w1",
    event: { executionId, phase: WorkflowExecution_Phase.RUNNING, occurredAt: tick() },
  });
  for (let i = 0; i < NODES; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, NODES - i) }, async (_, k) => {
        const nodeId = `n${i + k}`;
        const id = { executionId, nodeId };
        await s.admin.createNodeEvent({
          requestId: `r${nodeId}a`,
          event: {
            id,
            phase: NodeExecution_Phase.RUNNING,
            occurredAt: tick(),
            inputValue: { case: "inputUri", value: "" },
          },
        });
        await s.admin.createNodeEvent({
          requestId: `r${nodeId}b`,
          event: { id, phase: NodeExecution_Phase.SUCCEEDED, occurredAt: tick() },
        });
      }),
    );
  }
  return executionId.name;
}

async function timed(page: Page, url: string, ready: (p: Page) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await page.goto(url);
  await ready(page);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  await buildConsole();
  const sizes = bundleSizes();
  printTable("console bundle", sizes);
  if (!chromiumPath()) {
    console.log("chromium not installed: browser timings skipped");
    writeResult("console", { sizes });
    return;
  }
  const s = await startTestServer("sqlite", { registration: { maxWorkflowNodes: NODES + 10 } });
  const browser = await launchChromium();
  try {
    await s.admin.registerProject({ project: { id: P, name: P } });
    let t = performance.now();
    await seedExecutions(s);
    console.log(`seeded ${EXECUTIONS} executions in ${round((performance.now() - t) / 1000, 1)} s`);
    t = performance.now();
    const big = await seedBigExecution(s);
    console.log(`seeded an execution of ${NODES} nodes in ${round((performance.now() - t) / 1000, 1)} s`);
    const base = `${s.httpBase}/console/projects/${P}/domains/${D}`;
    const results: Record<string, number[]> = {
      list_first_rows: [],
      list_second_page: [],
      exec_nodes_table: [],
      exec_graph: [],
    };
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      results.list_first_rows?.push(
        await timed(page, `${base}/executions`, (p) => p.getByRole("row").nth(1).getByRole("link").waitFor()),
      );
      const scrollStart = performance.now();
      await page.locator(".vbody").evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await page.getByText(/^200 loaded|^\d{3,} loaded/).waitFor();
      results.list_second_page?.push(performance.now() - scrollStart);
      results.exec_nodes_table?.push(
        await timed(page, `${base}/executions/${big}`, (p) =>
          p.locator('[role=treegrid] [role=row][aria-rowindex="2"]').waitFor(),
        ),
      );
      results.exec_graph?.push(
        await timed(page, `${base}/executions/${big}?tab=graph`, async (p) => {
          await p.locator(".react-flow__node").first().waitFor();
        }),
      );
      await context.close();
    }
    const rows = Object.entries(results).map(([scenario, xs]) => ({
      scenario,
      runs: xs.length,
      first_ms: Math.round(xs[0] ?? 0),
      median_ms: Math.round(median(xs)),
    }));
    printTable(`console in chromium (${EXECUTIONS} executions, ${NODES}-node execution)`, rows);
    console.log(`wrote ${writeResult("console", { sizes, browser: rows, executions: EXECUTIONS, nodes: NODES })}`);
  } finally {
    await browser.close();
    await s.close();
  }
}

await main();
