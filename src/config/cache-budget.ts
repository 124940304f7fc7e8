/**
 * How the memory for immutable data (`storage.cache.max_size_mbs`) is shared
 * between the caches that hold it. Closures are the largest and are read by
 * every CreateExecution, so they get half (less a sixty-fourth); rows of
 * tasks and workflows get a quarter; decoded answers of tasks, workflows,
 * launch plans and executions share the last quarter; ListProjects' items
 * (a few hundred small answers) get the sixty-fourth. Whole list answers
 * (managers/row-answers.ts, PageAnswers) get caches of their own, a quarter
 * (a half for projects) of their manager's share: a list holds references
 * to the items kept above, and its own encodings.
 */
import type { Config } from "./schema.js";

/** Megabytes when `storage.cache.max_size_mbs` is absent or 0 (FlyteAdmin's charts set 0: no blob cache). */
export const DEFAULT_IMMUTABLE_CACHE_MB = 128;

export interface CacheBudget {
  /** Workflow closures read from the blob store. */
  readonly blobs: number;
  /** Task and workflow rows, per table. */
  readonly rows: number;
  /** Decoded GetTask / GetWorkflow / GetLaunchPlan / GetExecution answers, per manager. */
  readonly responses: number;
  /** Decoded projects (ListProjects items). */
  readonly projects: number;
}

/** Bytes per cache. */
export function cacheBudget(config: Pick<Config, "storage">): CacheBudget {
  const mb = config.storage.cache.max_size_mbs || DEFAULT_IMMUTABLE_CACHE_MB;
  const total = mb * 1024 * 1024;
  const projects = Math.floor(total / 64);
  return {
    blobs: Math.floor(total / 2) - projects,
    rows: Math.floor(total / 8),
    responses: Math.floor(total / 16),
    projects,
  };
}
