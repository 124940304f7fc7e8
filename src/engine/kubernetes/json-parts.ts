/**
 * Small renderings the FlyteWorkflow builder shares: jsonpb, Kubernetes
 * resource requirements and quantities, Go durations and float32 numbers as
 * Go's `encoding/json` writes them.
 */
import { type DescMessage, type JsonValue, type MessageShape, toJson } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { type CompileError, CompileErrorCode, parseQuantity } from "../../compiler/index.js";
import { quantityParseError, quantityText } from "../../managers/validation/quantity-text.js";
import {
  type Resources,
  type Resources_ResourceEntry,
  Resources_ResourceName,
} from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { typeRegistry } from "../../proto/registry.js";
import type { ResourceRequirements } from "./flyteworkflow-types.js";

/** jsonpb as FlytePropeller's `MarshalPbToBytes` writes it: camelCase names, enum names, defaults left out. */
export function jsonpb<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { registry: typeRegistry });
}

/** A `WorkflowBuildError`: FlytePropeller wraps a plain error, with no node id. */
export function workflowBuildError(description: string): CompileError {
  return { code: CompileErrorCode.WorkflowBuildError, nodeId: "", description };
}

/** The object without its undefined-valued keys (Go's `omitempty`), keeping the key order. */
export function omitUndefined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const RESOURCE_KEYS: ReadonlyMap<Resources_ResourceName, string> = new Map([
  [Resources_ResourceName.CPU, "cpu"],
  [Resources_ResourceName.MEMORY, "memory"],
  [Resources_ResourceName.GPU, "nvidia.com/gpu"],
  [Resources_ResourceName.EPHEMERAL_STORAGE, "ephemeral-storage"],
]);

/**
 * A task node's resource overrides as Kubernetes ResourceRequirements: CPU, memory, GPU (`nvidia.com/gpu`) and
 * ephemeral storage, zero quantities dropped, other resource names parsed but ignored. A value Kubernetes would
 * refuse yields FlytePropeller's error text instead.
 */
export function resourceRequirements(resources: Resources | undefined): ResourceRequirements | string {
  if (resources === undefined) return {};
  const requests = resourceList(resources.requests);
  if (typeof requests === "string") return requests;
  const limits = resourceList(resources.limits);
  if (typeof limits === "string") return limits;
  return omitUndefined<ResourceRequirements>({ limits, requests });
}

function resourceList(entries: Resources_ResourceEntry[]): Record<string, string> | string | undefined {
  const list = new Map<string, string>();
  for (const e of entries) {
    const q = parseQuantity(e.value);
    if (q === undefined) return `Failed to parse resource as a valid quantity.: ${quantityParseError(e.value)}`;
    const key = RESOURCE_KEYS.get(e.name);
    if (key !== undefined && q.nanos !== 0n) list.set(key, quantityText(q));
  }
  return list.size === 0 ? undefined : sortedRecord(list);
}

/** A Go map as `encoding/json` writes it: keys sorted. */
export function sortedRecord<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

/** A quantity as Kubernetes' `Quantity` marshals it; empty, zero or unparsable text is `"0"` (FlyteAdmin logs and drops it). */
export function quantityJson(text: string): string {
  if (text === "") return "0";
  const q = parseQuantity(text);
  return q === undefined ? "0" : quantityText(q);
}

const MAX_DURATION_SECONDS = 315_576_000_000n;
const MAX_GO_DURATION_NANOS = (1n << 63n) - 1n;

/**
 * A node timeout as the execution deadline and the active deadline (twice as long), in Go's duration text;
 * `undefined` without a timeout, `"invalid"` where Go's `ptypes.Duration` refuses it (out of range, or seconds
 * and nanos of different signs).
 */
export function goDeadline(d: Duration | undefined): { execution: string; active: string } | "invalid" | undefined {
  if (d === undefined) return undefined;
  const { seconds, nanos } = d;
  const valid =
    seconds >= -MAX_DURATION_SECONDS &&
    seconds <= MAX_DURATION_SECONDS &&
    nanos > -1_000_000_000 &&
    nanos < 1_000_000_000 &&
    !((seconds < 0n && nanos > 0) || (seconds > 0n && nanos < 0));
  if (!valid) return "invalid";
  const total = seconds * 1_000_000_000n + BigInt(nanos);
  if (total > MAX_GO_DURATION_NANOS || total < -MAX_GO_DURATION_NANOS - 1n) return "invalid";
  // 2x may overflow Go's int64 silently; wrap the same way so the text matches.
  const doubled = BigInt.asIntN(64, total * 2n);
  return { execution: goDurationText(total), active: goDurationText(doubled) };
}

/** Go's `time.Duration.String()` on int64 nanoseconds, exact for every value. */
export function goDurationText(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const sign = neg ? "-" : "";
  if (abs < 1_000_000_000n) {
    const [unit, scale] = abs < 1000n ? ["ns", 1n] : abs < 1_000_000n ? ["µs", 1000n] : ["ms", 1_000_000n];
    return `${sign}${fixed(abs, scale)}${unit}`;
  }
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = fixed(abs % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function fixed(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const frac = value % scale;
  if (frac === 0n) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(frac).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** A float32 as Go writes it: the shortest decimal that reads back as the same float32. */
export function float32Json(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}
