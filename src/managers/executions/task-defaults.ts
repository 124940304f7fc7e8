/**
 * Rewrites applied to a workflow's compiled tasks before it is launched
 * (executions.md §1.1 steps 10-11): container resources completed from the
 * platform defaults and capped by its limits (kept for old propellers), and
 * the `child_queue` of a matching execution queue.
 */
import { create } from "@bufbuild/protobuf";
import { compareQuantities, parseQuantity, type Quantity } from "../../compiler/index.js";
import type { TaskResources } from "../../engine/workflow-executor.js";
import type { TaskResourceSpec } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import type { CompiledWorkflowClosure } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { KeyValuePairSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  type Resources_ResourceEntry,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
  ResourcesSchema,
} from "../../proto/gen/flyteidl/core/tasks_pb.js";

/** A quantity with the text it was written as (re-emitted as written, see docs/compatibility.md). */
interface Amount {
  readonly text: string;
  readonly q: Quantity | undefined;
}

const ZERO: Amount = { text: "0", q: undefined };
const amount = (text: string | undefined): Amount => {
  const q = text ? parseQuantity(text) : undefined;
  return q && q.nanos !== 0n ? { text: text as string, q } : ZERO;
};
const isZero = (a: Amount) => a.q === undefined;

/** ensureResourceLimit: a value above a non-zero limit is capped. */
function capped(value: Amount, limit: Amount): Amount {
  if (isZero(value) || isZero(limit)) return value;
  return compareQuantities(value.q as Quantity, limit.q as Quantity) > 0 ? limit : value;
}

/** AdjustOrDefaultResource: request from the task (or its limit, or the platform default), capped by the platform limit. */
function adjustOrDefault(
  request: Amount,
  limit: Amount,
  platformDefault: Amount,
  platformLimit: Amount,
): { request: Amount; limit: Amount } {
  let req = request;
  let lim = limit;
  if (isZero(req)) req = isZero(lim) ? platformDefault : lim;
  if (isZero(lim)) lim = req;
  req = capped(req, platformLimit);
  lim = capped(lim, platformLimit);
  return { request: capped(req, lim), limit: lim };
}

type Named = "cpu" | "memory" | "ephemeralStorage" | "gpu";
const NAMES: readonly [Named, Resources_ResourceName, boolean][] = [
  ["cpu", Resources_ResourceName.CPU, true],
  ["memory", Resources_ResourceName.MEMORY, true],
  ["ephemeralStorage", Resources_ResourceName.EPHEMERAL_STORAGE, false],
  ["gpu", Resources_ResourceName.GPU, false],
];

function entryAmount(entries: readonly Resources_ResourceEntry[], name: Resources_ResourceName): Amount {
  let found: Amount = ZERO;
  for (const e of entries) if (e.name === name) found = amount(e.value);
  return found;
}

const specAmount = (spec: TaskResourceSpec, name: Named): Amount => amount(spec[name]);

/**
 * setCompiledTaskDefaults for every container task: CPU and memory always,
 * ephemeral storage and GPU only when the task or the platform default sets
 * them; every other resource entry (STORAGE included) is dropped.
 */
export function applyTaskResourceDefaults(closure: CompiledWorkflowClosure, platform: TaskResources): void {
  for (const task of closure.tasks) {
    const target = task.template?.target;
    if (target?.case !== "container") continue;
    const container = target.value;
    const requests = container.resources?.requests ?? [];
    const limits = container.resources?.limits ?? [];
    const out = create(ResourcesSchema);
    for (const [field, name, always] of NAMES) {
      const req = entryAmount(requests, name);
      const lim = entryAmount(limits, name);
      const pDefault = specAmount(platform.defaults, field);
      if (!always && isZero(req) && isZero(lim) && isZero(pDefault)) continue;
      const r = adjustOrDefault(req, lim, pDefault, specAmount(platform.limits, field));
      out.requests.push(create(Resources_ResourceEntrySchema, { name, value: r.request.text }));
      out.limits.push(create(Resources_ResourceEntrySchema, { name, value: r.limit.text }));
    }
    container.resources = out;
  }
}

/** The config key propeller reads a task's dynamic queue from. */
export const CHILD_QUEUE_KEY = "child_queue";

/** populateExecutionQueue: every container task gets `child_queue=<queue>` when a queue was found. */
export function applyExecutionQueue(closure: CompiledWorkflowClosure, dynamicQueue: string): void {
  if (dynamicQueue === "") return;
  for (const task of closure.tasks) {
    const target = task.template?.target;
    if (target?.case !== "container") continue;
    target.value.config.push(create(KeyValuePairSchema, { key: CHILD_QUEUE_KEY, value: dynamicQueue }));
  }
}

export interface QueueConfig {
  readonly executionQueues: readonly { readonly dynamic: string; readonly attributes: readonly string[] }[];
  readonly workflowConfigs: readonly { readonly domain: string; readonly tags: readonly string[] }[];
}

/**
 * The dynamic queue for an execution: the first EXECUTION_QUEUE attribute
 * tag that names a configured queue, else the domain's (or the default)
 * workflow config tags; a random queue among those sharing the tag; "" when none.
 */
export function pickExecutionQueue(cfg: QueueConfig, attributeTags: readonly string[] | undefined, domain: string) {
  const byTag = new Map<string, string[]>();
  for (const q of cfg.executionQueues) {
    for (const tag of q.attributes) byTag.set(tag, [...(byTag.get(tag) ?? []), q.dynamic]);
  }
  const pick = (tags: readonly string[]) => {
    for (const tag of tags) {
      const queues = byTag.get(tag);
      if (queues && queues.length > 0) return queues[Math.floor(Math.random() * queues.length)] as string;
    }
    return undefined;
  };
  const fromAttributes = attributeTags ? pick(attributeTags) : undefined;
  if (fromAttributes !== undefined) return fromAttributes;
  let tags: readonly string[] = [];
  let defaults: readonly string[] = [];
  for (const wc of cfg.workflowConfigs) {
    if (wc.domain === domain) tags = wc.tags;
    else if (wc.domain === "") defaults = wc.tags;
  }
  return pick(tags.length > 0 ? tags : defaults) ?? "";
}
