/**
 * Workflow compiler benchmark: compiles a chain and a fan-out of 100, 1,000 and 5,000 task nodes and prints the
 * median time per compile (after warm-up) and how it grows with size. Run: `npx tsx bench/compiler.ts`.
 * Writes bench/results/compiler.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { compileWorkflow } from "../src/compiler/index.js";
import { iface, t, task, taskNode, wire, workflow } from "../src/compiler/test-support.js";
import type { WorkflowTemplate } from "../src/proto/gen/flyteidl/core/workflow_pb.js";

const SIZES = [100, 1_000, 5_000];
const TASKS = [task("sq", iface({ x: t.int() }, { o0: t.int() }))];

/** n0 ← input, n1 ← n0, ..., output ← last: every node waits for the one before. */
function chain(n: number): WorkflowTemplate {
  const nodes = Array.from({ length: n }, (_, i) =>
    taskNode(`n${i}`, "sq", [i === 0 ? wire("x", "", "x") : wire("x", `n${i - 1}`)]),
  );
  return workflow("chain", iface({ x: t.int() }, { y: t.int() }), nodes, [wire("y", `n${n - 1}`)]);
}

/** Every node reads the workflow input and runs in parallel; the end node waits for all of them. */
function fanOut(n: number): WorkflowTemplate {
  const nodes = Array.from({ length: n }, (_, i) => taskNode(`n${i}`, "sq", [wire("x", "", "x")]));
  return workflow("fanout", iface({ x: t.int() }, { y: t.int() }), nodes, [wire("y", "n0")]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall-clock and CPU milliseconds per compile; CPU time is what a busy machine distorts least. */
function timeCompile(template: WorkflowTemplate, runs: number): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = compileWorkflow(template, [], TASKS, []);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    if (!("closure" in result)) throw new Error("benchmark workflow failed to compile");
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const shapes = { chain, fanOut } as const;
const results: Array<{ shape: string; nodes: number; medianMs: number; medianCpuMs: number }> = [];
for (const [shape, build] of Object.entries(shapes)) {
  for (const nodes of SIZES) {
    const template = build(nodes);
    // Warm-up until the JIT has settled: at least 10 compiles and half a second.
    const warmUntil = performance.now() + 500;
    for (let i = 0; i < 10 || performance.now() < warmUntil; i++) timeCompile(template, 1);
    const runs = nodes >= 5_000 ? 7 : 15;
    const { wall, cpu } = timeCompile(template, runs);
    results.push({ shape, nodes, medianMs: wall, medianCpuMs: cpu });
  }
}

const rows = results.map((r, i) => {
  const prev = i > 0 && results[i - 1].shape === r.shape ? results[i - 1] : undefined;
  // Time ratio divided by size ratio (1.00 means linear growth), for wall-clock and for CPU time.
  const ratio = (a: number, b: number) => (prev === undefined ? "" : (a / b / (r.nodes / prev.nodes)).toFixed(2));
  return {
    ...r,
    growth: ratio(r.medianMs, prev?.medianMs ?? 0),
    cpuGrowth: ratio(r.medianCpuMs, prev?.medianCpuMs ?? 0),
  };
});
console.log("shape    nodes   median ms   cpu ms   growth (wall / cpu, 1.00 = linear)");
for (const r of rows) {
  const growth = r.growth === "" ? "" : `${r.growth} / ${r.cpuGrowth}`;
  const cells = [r.medianMs.toFixed(2).padStart(11), r.medianCpuMs.toFixed(2).padStart(8), growth.padStart(14)];
  console.log(`${r.shape.padEnd(8)} ${String(r.nodes).padStart(5)} ${cells.join(" ")}`);
}

const out = join(import.meta.dirname, "results", "compiler.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results: rows }, null, 2)}\n`,
);
console.log(`wrote ${out}`);
