/**
 * How a task event is folded into a stored task attempt (executions.md §3.3):
 * log links, reasons, external resources (map/array subtasks) and plugin
 * metadata. Pure functions over fresh copies; they never change their inputs.
 */
import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { type Reason, ReasonSchema } from "../../proto/gen/flyteidl/admin/task_execution_pb.js";
import { CatalogCacheStatus } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import { TaskExecution_Phase, type TaskLog } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type EventReason,
  type ExternalResourceInfo,
  ExternalResourceInfoSchema,
  ResourcePoolInfoSchema,
  type TaskExecutionMetadata,
  TaskExecutionMetadata_InstanceClass,
  TaskExecutionMetadataSchema,
} from "../../proto/gen/flyteidl/event/event_pb.js";
import { mergeCustomInfo } from "./merge-patch.js";
import { isTaskTerminal } from "./phase-rules.js";

/**
 * The new log links first, then every stored link that no new link replaces:
 * a new link replaces a stored one with the same uri, or the same (non-empty)
 * name, because plugins rename links as a task moves between phases.
 */
export function mergeLogs(stored: readonly TaskLog[], latest: readonly TaskLog[]): TaskLog[] {
  if (latest.length === 0) return [...stored];
  if (stored.length === 0) return [...latest];
  const uris = new Set(latest.map((l) => l.uri));
  const names = new Set(latest.filter((l) => l.name !== "").map((l) => l.name));
  return [...latest, ...stored.filter((l) => !uris.has(l.uri) && !names.has(l.name))];
}

/**
 * The links shown in a phase: a finished attempt hides links marked
 * `hide_once_finished`; a QUEUED or INITIALIZING one shows only links marked
 * `show_while_pending` (plugins such as Ray report INITIALIZING while their
 * pods are still pending).
 */
export function filterLogsByPhase(logs: readonly TaskLog[], phase: TaskExecution_Phase): TaskLog[] {
  const pending = phase === TaskExecution_Phase.QUEUED || phase === TaskExecution_Phase.INITIALIZING;
  const finished = isTaskTerminal(phase);
  return logs.filter((l) => !(finished && l.HideOnceFinished) && !(pending && !l.ShowWhilePending));
}

/** The reasons and current reason of an attempt. */
export interface ReasonState {
  readonly reasons: Reason[];
  readonly reason: string;
}

/**
 * Folds an event's reasons in: all of `reasons[]` are appended (the last one
 * becomes the current reason); otherwise a single `reason` is appended only
 * when it differs from the current one (a plugin repeats its reason on every
 * phase-version bump). `stored` undefined means a new attempt.
 */
export function mergeReasons(
  stored: ReasonState | undefined,
  event: { readonly reasons: readonly EventReason[]; readonly reason: string; readonly occurredAt?: Timestamp },
): ReasonState {
  const base = stored ?? { reasons: [], reason: "" };
  if (event.reasons.length > 0) {
    const added = event.reasons.map((r) => create(ReasonSchema, { occurredAt: r.occurredAt, message: r.reason }));
    return { reasons: [...base.reasons, ...added], reason: event.reasons[event.reasons.length - 1]?.reason ?? "" };
  }
  if (event.reason === "") return { reasons: [...base.reasons], reason: base.reason };
  if (stored !== undefined && event.reason === stored.reason)
    return { reasons: [...base.reasons], reason: base.reason };
  const added = create(ReasonSchema, { occurredAt: event.occurredAt, message: event.reason });
  return { reasons: [...base.reasons, added], reason: event.reason };
}

const byIndexThenAttempt = (a: ExternalResourceInfo, b: ExternalResourceInfo): number =>
  a.index === b.index ? a.retryAttempt - b.retryAttempt : a.index - b.index;

/** A new attempt's metadata: a copy with external resources sorted by (index, retry_attempt). */
export function initialMetadata(latest: TaskExecutionMetadata | undefined): TaskExecutionMetadata | undefined {
  if (latest === undefined) return undefined;
  const copy = clone(TaskExecutionMetadataSchema, latest);
  copy.externalResources.sort(byIndexThenAttempt);
  return copy;
}

/** One subtask updated by a later report of it. */
function mergeExternalResource(stored: ExternalResourceInfo, latest: ExternalResourceInfo): ExternalResourceInfo {
  const out = clone(ExternalResourceInfoSchema, stored);
  if (latest.externalId !== "") out.externalId = latest.externalId;
  out.phase = latest.phase;
  if (latest.cacheStatus !== CatalogCacheStatus.CACHE_DISABLED) out.cacheStatus = latest.cacheStatus;
  out.logs = mergeLogs(stored.logs, latest.logs);
  if (latest.customInfo !== undefined) out.customInfo = structuredClone(latest.customInfo);
  return out;
}

/**
 * Subtasks keyed by (index, retry_attempt): a reported key that is stored is
 * merged into it, a new one is inserted where it sorts. The stored list is
 * kept in key order (creation sorts it).
 */
export function mergeExternalResources(
  stored: readonly ExternalResourceInfo[],
  latest: readonly ExternalResourceInfo[],
): ExternalResourceInfo[] {
  const out = [...stored];
  for (const r of latest) {
    const at = lowerBound(out, r);
    const found = out[at];
    if (found && found.index === r.index && found.retryAttempt === r.retryAttempt) {
      out[at] = mergeExternalResource(found, r);
    } else {
      out.splice(at, 0, clone(ExternalResourceInfoSchema, r));
    }
  }
  return out;
}

/** The first position whose key is not below `r`'s. */
function lowerBound(list: readonly ExternalResourceInfo[], r: ExternalResourceInfo): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byIndexThenAttempt(list[mid] as ExternalResourceInfo, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Plugin metadata updated by an event: generated name, plugin identifier and
 * instance class only when the event sets them, the resource pool info as
 * reported (even empty), external resources merged.
 */
export function mergeMetadata(
  stored: TaskExecutionMetadata | undefined,
  latest: TaskExecutionMetadata | undefined,
): TaskExecutionMetadata | undefined {
  if (stored === undefined) return latest === undefined ? undefined : clone(TaskExecutionMetadataSchema, latest);
  if (latest === undefined) return stored;
  const out = clone(TaskExecutionMetadataSchema, stored);
  if (latest.generatedName !== "") out.generatedName = latest.generatedName;
  out.externalResources = mergeExternalResources(stored.externalResources, latest.externalResources);
  out.resourcePoolInfo = latest.resourcePoolInfo.map((p) => clone(ResourcePoolInfoSchema, p));
  if (latest.pluginIdentifier !== "") out.pluginIdentifier = latest.pluginIdentifier;
  if (latest.instanceClass !== TaskExecutionMetadata_InstanceClass.DEFAULT) out.instanceClass = latest.instanceClass;
  return out;
}

/** On a phase change, every subtask's links are filtered for the new phase too. */
export function filterExternalResourceLogs(
  metadata: TaskExecutionMetadata,
  phase: TaskExecution_Phase,
): TaskExecutionMetadata {
  const out = clone(TaskExecutionMetadataSchema, metadata);
  for (const r of out.externalResources) r.logs = filterLogsByPhase(r.logs, phase);
  return out;
}

export { mergeCustomInfo };
