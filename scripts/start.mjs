/**
 * `npm start`: builds dist/ only when it is missing or older than its sources (scripts/build.ts is the one build;
 * `npm ci` already ran it through the `prepare` script), then runs the server in this same process, so that a
 * start costs one Node process and no compiler. Plain JavaScript, so that checking costs no TypeScript loader.
 *
 * Usage: `npm start [-- serve options]`, e.g. `npm start -- --config flyteadmin.yaml`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "..");
/** Written by scripts/build.ts when a build completes. */
const stamp = join(root, "dist", ".build-stamp");
/** What scripts/build.ts builds from: a change to any of these makes dist/ stale. */
const inputs = ["src", "console", "scripts/build.ts", "package-lock.json"];
const SKIP = new Set(["node_modules", "dist", ".vite"]);

/** The newest modification time (ms) under `path`, 0 when it does not exist. */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    max = Math.max(max, newest(join(path, e.name)));
  }
  return max;
}

function stale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((p) => newest(join(root, p)) > built);
}

if (stale()) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts/build.ts")], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// `npm start` means `serve` unless a command is named.
const args = process.argv.slice(2);
if (args.length === 0 || args[0]?.startsWith("-")) process.argv.splice(2, 0, "serve");
process.setSourceMapsEnabled(true);
await import(pathToFileURL(join(root, "dist/main.js")).href);
