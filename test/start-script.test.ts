/**
 * `npm start` (scripts/start.mjs) builds dist/ only when it is out of date and
 * runs the server from it in the same process.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "..");
const stamp = join(root, "dist", ".build-stamp");

function start(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [join(root, "scripts/start.mjs"), ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout };
}

test("npm start builds when dist/ is missing or stale, and not again while it is up to date", () => {
  // The first run builds if needed (a fresh checkout, or sources changed since the last build).
  const first = start(["--help"]);
  assert.equal(first.status, 0);
  const built = statSync(stamp).mtimeMs;
  const second = start(["--help"]);
  assert.equal(second.status, 0);
  assert.doesNotMatch(second.stdout, /built \d+ files/);
  assert.equal(statSync(stamp).mtimeMs, built, "an up-to-date dist/ is not rebuilt");
  // Options alone mean `serve`, as `npm start -- --config x.yaml` always did.
  assert.match(second.stdout, /Usage: flyteadmin serve/);
});
