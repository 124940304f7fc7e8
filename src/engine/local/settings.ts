/**
 * The local engine's settings, from `executor.local` (and the data
 * directory for defaults), frozen once at start.
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { goDurationMs } from "../../common/duration.js";
import type { Config } from "../../config/schema.js";

export interface EngineSettings {
  readonly runtime: "process" | "docker";
  /** `executor.local.env`: the base environment of task processes. */
  readonly env: Readonly<Record<string, string>>;
  readonly maxParallelTasks: number;
  /** Attempt working directories and logs live under it. */
  readonly workDir: string;
  readonly maxSystemRetries: number;
  readonly pollIntervalMs: number;
  readonly dockerCommand: string;
  readonly dockerRunArgs: readonly string[];
  /** SIGTERM to SIGKILL, ms. */
  readonly killGraceMs: number;
  /** Fork flytekit tasks from warm Python workers (`executor.local.warmPython`). */
  readonly warmPython: boolean;
}

/**
 * @example
 * const settings = engineSettings(config, "/var/lib/flyteadmin");
 */
export function engineSettings(config: Config, dataDir: string): EngineSettings {
  const local = config.executor.local;
  return Object.freeze({
    runtime: local.runtime,
    env: Object.freeze({ ...local.env }),
    maxParallelTasks: local.maxParallelTasks > 0 ? local.maxParallelTasks : availableParallelism(),
    workDir: resolve(local.workDir || join(dataDir, "engine")),
    maxSystemRetries: local.maxSystemRetries,
    pollIntervalMs: goDurationMs(local.pollInterval, "executor.local.pollInterval"),
    dockerCommand: local.docker.command,
    dockerRunArgs: Object.freeze([...local.docker.runArgs]),
    killGraceMs: 5000,
    warmPython: local.warmPython && local.runtime === "process",
  });
}
