/**
 * `npm run bench [name ...]`: runs the benchmarks one after another (they
 * compete for the same cores, so never at once), each in its own process,
 * printing its figures as it goes. Names filter by substring, e.g.
 * `npm run bench events executions`. A failing benchmark does not stop the
 * others; the exit code says whether any failed.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
/** Long runs (a 20-minute soak, open-ended fuzzing) that run only when named. */
const ON_REQUEST = new Set(["soak", "fuzz"]);
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3))
  .filter((n) => (filters.length === 0 ? !ON_REQUEST.has(n) : filters.some((x) => n.includes(x))))
  .sort();
if (names.length === 0) {
  console.error("no benchmark matches", filters);
  process.exit(1);
}

const failed: string[] = [];
for (const name of names) {
  console.log(`\n=== bench/${name}.ts`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, `${name}.ts`)], { stdio: "inherit" });
  console.log(
    `=== bench/${name}.ts ${r.status === 0 ? "done" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(", ")}`);
  process.exit(1);
}
