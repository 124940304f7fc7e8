/**
 * The example Flyte project in conformance/flytekit/example: what it
 * registers, and copies of it the clients can run from (pyflyte writes the
 * fast-register archive from the directory it runs in).
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { ResourceType } from "../../src/proto/gen/flyteidl/core/identifier_pb.js";
import { flytekitDir } from "./clients.js";

export const PROJECT = "flytesnacks";
export const DOMAIN = "development";

/** Plain tasks; the map task adds `example.tasks.map_double_<hash>-arraynode`. */
export const TASKS = ["example.tasks.double", "example.tasks.greet", "example.tasks.total", "example.tasks.halve"];
export const MAP_TASK_PREFIX = "example.tasks.map_double_";
export const WORKFLOWS = ["example.workflows.double_sub", "example.workflows.pipeline", "example.workflows.mapped"];
/** Each workflow's default launch plan (named like it) plus the two declared ones. */
export const LAUNCH_PLANS = [...WORKFLOWS, "pipeline_defaults", "pipeline_nightly"];
/** 5 tasks + 3 workflows + 5 launch plans. */
export const ENTITY_COUNT = TASKS.length + 1 + WORKFLOWS.length + LAUNCH_PLANS.length;

/** The gRPC identifier of one registered entity. */
export function entityId(resourceType: ResourceType, name: string, version: string) {
  return { resourceType, project: PROJECT, domain: DOMAIN, name, version };
}

/** Copies the example package to `<dir>/example` and returns `dir` (run pyflyte there). */
export function copyExample(dir: string): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(flytekitDir, "example"), join(dir, "example"), { recursive: true });
  return dir;
}

/** Changes a task body in a copy (same interface, different code, so a different archive). */
export function changeTaskBody(dir: string): void {
  const file = join(dir, "example", "tasks.py");
  const before = readFileSync(file, "utf8");
  const after = before.replace("return x // 2", "return x // 3");
  assert.notEqual(after, before, "the example's halve task body was not found");
  writeFileSync(file, after);
}

/** The version pyflyte printed ("Computed version is <v>"). */
export function computedVersion(output: string): string {
  const m = /Computed version is (\S+)/.exec(output);
  assert.ok(m, `no "Computed version is" in pyflyte's output:\n${output}`);
  return m[1];
}

/** The fast-register archive location flytekit put in a task's container args. */
export function distributionLocation(args: readonly string[]): string {
  const i = args.indexOf("--additional-distribution");
  assert.ok(i >= 0 && i + 1 < args.length, `no --additional-distribution in ${JSON.stringify(args)}`);
  return args[i + 1];
}

/**
 * Checks the uploaded archive when the server stores blobs on local disk
 * (file:// native URLs): a tar (gzipped from flytekit, plain from flytectl,
 * clients.md surprise 6) that holds the example's sources.
 * Returns false when the location is not a local file (nothing checked).
 */
export function checkLocalArchive(nativeUrl: string): boolean {
  if (!nativeUrl.startsWith("file://")) return false;
  const path = fileURLToPath(nativeUrl);
  assert.ok(existsSync(path), `the uploaded archive ${nativeUrl} does not exist`);
  const raw = readFileSync(path);
  const tar = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  assert.ok(tar.includes("example/tasks.py"), `${nativeUrl} does not contain example/tasks.py`);
  return true;
}

export { ResourceType };
