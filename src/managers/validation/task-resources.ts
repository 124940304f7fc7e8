/**
 * Task resource requests and limits against each other and against the
 * platform limits (entities.md §2 step 2.9-2.10): Kubernetes quantities
 * compared by their integer `Value()`, which rounds up, so `500m` CPU counts
 * as 1.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import {
  identifierText,
  parseQuantity,
  type Quantity,
  quantityMilliValue,
  quantityValue,
} from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type Resources_ResourceEntry, Resources_ResourceName } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { quantityParseError, quantityText } from "./quantity-text.js";

/** Quantities by resource name. */
export type ResourceQuantities = ReadonlyMap<Resources_ResourceName, Quantity>;

/** A set of resource values as config and TASK_RESOURCE attributes spell them (`cpu: "2"`, `memory: "1Gi"`). */
export interface ResourceValues {
  readonly cpu?: string | undefined;
  readonly gpu?: string | undefined;
  readonly memory?: string | undefined;
  readonly ephemeralStorage?: string | undefined;
}

const CHECKED = new Set([
  Resources_ResourceName.CPU,
  Resources_ResourceName.MEMORY,
  Resources_ResourceName.GPU,
  Resources_ResourceName.EPHEMERAL_STORAGE,
]);

/**
 * The platform limits that take part in the checks: only values that parse
 * and are not zero (FlyteAdmin ignores unparsable values with a log line).
 */
export function platformLimits(values: ResourceValues): ResourceQuantities {
  const out = new Map<Resources_ResourceName, Quantity>();
  const add = (name: Resources_ResourceName, text: string | undefined) => {
    const q = text ? parseQuantity(text) : undefined;
    if (q && q.nanos !== 0n) out.set(name, q);
  };
  add(Resources_ResourceName.CPU, values.cpu);
  add(Resources_ResourceName.MEMORY, values.memory);
  add(Resources_ResourceName.GPU, values.gpu);
  add(Resources_ResourceName.EPHEMERAL_STORAGE, values.ephemeralStorage);
  return out;
}

/** A container's requests and limits (CPU, MEMORY, GPU, EPHEMERAL_STORAGE; others are skipped). */
export function validateContainerResources(
  id: Identifier,
  requests: readonly Resources_ResourceEntry[],
  limits: readonly Resources_ResourceEntry[],
  platform: ResourceQuantities,
): void {
  const requested = requestedQuantities(id, requests);
  const limited = requestedQuantities(id, limits);
  validateResource(id, requested, limited, platform);
}

/**
 * Each container of a pod spec. Only call with a spec that decodes as a
 * PodSpec (quantities parse); the compiler reports the others.
 */
export function validatePodResources(id: Identifier, podSpec: JsonObject, platform: ResourceQuantities): void {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  for (const c of containers) {
    if (!isObject(c)) continue;
    const resources = isObject(c.resources) ? c.resources : {};
    validateResource(id, podQuantities(resources.requests), podQuantities(resources.limits), platform);
  }
}

function requestedQuantities(id: Identifier, entries: readonly Resources_ResourceEntry[]): ResourceQuantities {
  const out = new Map<Resources_ResourceName, Quantity>();
  for (const entry of entries) {
    if (!CHECKED.has(entry.name)) continue;
    const name = Resources_ResourceName[entry.name];
    if (out.has(entry.name)) {
      throw AdminError.invalidArgument(`can't specify ${name} limit for task [${identifierText(id)}] multiple times`);
    }
    const q = parseQuantity(entry.value);
    if (!q) {
      throw AdminError.invalidArgument(
        `Parsing of ${name} request failed for value ${entry.value} - reason  ${quantityParseError(entry.value)}. Please follow K8s conventions for resources https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/`,
      );
    }
    out.set(entry.name, q);
    if (entry.name === Resources_ResourceName.GPU && quantityMilliValue(q) % 1000n !== 0n) {
      throw AdminError.invalidArgument(
        `gpu for [${identifierText(id)}] must be a whole number, got: ${entry.value} instead`,
      );
    }
  }
  return out;
}

/** A pod container's resource list; Kubernetes' `ephemeral-storage` is Flyte's EPHEMERAL_STORAGE. */
function podQuantities(list: JsonValue | undefined): ResourceQuantities {
  const out = new Map<Resources_ResourceName, Quantity>();
  if (!isObject(list)) return out;
  for (const [key, value] of Object.entries(list)) {
    const upper = (key === "ephemeral-storage" ? "EPHEMERAL_STORAGE" : key).toUpperCase();
    const name = Resources_ResourceName[upper as keyof typeof Resources_ResourceName];
    const q = typeof value === "string" ? parseQuantity(value) : undefined;
    if (name !== undefined && q) out.set(name, q);
  }
  return out;
}

function validateResource(
  id: Identifier,
  requested: ResourceQuantities,
  limited: ResourceQuantities,
  platform: ResourceQuantities,
): void {
  for (const [name, dflt] of requested) {
    const label = Resources_ResourceName[name];
    const limit = limited.get(name);
    const platformLimit = platform.get(name);
    if (name === Resources_ResourceName.GPU) {
      if (limit && quantityValue(dflt) !== quantityValue(limit)) {
        throw AdminError.invalidArgument(
          `For extended resource 'gpu' the default value must equal the limit value for task [${identifierText(id)}]`,
        );
      }
    } else if (name !== Resources_ResourceName.UNKNOWN && name !== Resources_ResourceName.STORAGE) {
      if (limit && quantityValue(limit) < quantityValue(dflt)) {
        throw AdminError.invalidArgument(
          `Requested ${label} default [${quantityText(dflt)}] is greater than the limit [${quantityText(limit)}]. Please fix your configuration`,
        );
      }
      if (limit && platformLimit && quantityValue(limit) > quantityValue(platformLimit)) {
        throw AdminError.invalidArgument(
          `Requested ${label} limit [${quantityText(limit)}] is greater than current limit set in the platform configuration [${quantityText(platformLimit)}]. Please contact Flyte Admins to change these limits or consult the configuration`,
        );
      }
    } else {
      continue;
    }
    if (platformLimit && quantityValue(dflt) > quantityValue(platformLimit)) {
      throw AdminError.invalidArgument(
        `Requested ${label} default [${quantityText(dflt)}] is greater than current limit set in the platform configuration [${quantityText(platformLimit)}]. Please contact Flyte Admins to change these limits or consult the configuration`,
      );
    }
  }
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
