/**
 * JSON merge patch (RFC 7386), the way task events' `custom_info` is folded
 * into what is stored: keys of the patch replace those of the target, a null
 * deletes, objects merge recursively, anything else (arrays included) is
 * replaced whole.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Applies `patch` to `target` and returns the result; neither input is changed.
 *
 * @example
 * mergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }) // { a: 1, b: { d: 3 } }
 */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * A task attempt's new `custom_info`: the event's merged over the stored one.
 * When only one side exists it is taken as it is (FlyteAdmin does not prune
 * nulls then either).
 */
export function mergeCustomInfo(
  stored: JsonObject | undefined,
  latest: JsonObject | undefined,
): JsonObject | undefined {
  if (stored === undefined) return latest;
  if (latest === undefined) return stored;
  return mergePatch(stored, latest) as JsonObject;
}
