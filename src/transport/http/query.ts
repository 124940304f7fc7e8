/**
 * Filling a request message from the query string, as grpc-gateway v2's
 * PopulateQueryParameters does: dotted field paths in proto or lowerCamel
 * names, repeated keys for repeated fields, `field[key]=value` for maps,
 * unknown keys ignored, path-bound fields never overridden.
 */
import type { DescField } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { bindMapEntry, bindValues, resolveFieldPath } from "./fields.js";

const MAP_KEY = /^(.+)\[([^\]]*)\]$/;

/**
 * Binds every query parameter onto `msg`.
 *
 * @param boundByPath field chains already bound from the path; the query cannot touch them.
 */
export function bindQuery(msg: ReflectMessage, params: URLSearchParams, boundByPath: readonly DescField[][]): void {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    const list = grouped.get(key);
    if (list) list.push(value);
    else grouped.set(key, [value]);
  }
  for (const [key, values] of grouped) {
    const mapMatch = MAP_KEY.exec(key);
    if (mapMatch) {
      const path = resolveFieldPath(msg.desc, mapMatch[1] as string);
      if (!path || isBound(path, boundByPath)) continue;
      for (const v of values) bindMapEntry(msg, path, mapMatch[2] as string, v, key);
      continue;
    }
    const path = resolveFieldPath(msg.desc, key);
    if (!path || isBound(path, boundByPath)) continue;
    bindValues(msg, path, values, key);
  }
}

function isBound(path: readonly DescField[], bound: readonly DescField[][]): boolean {
  return bound.some((b) => b.length <= path.length && b.every((f, i) => path[i] === f));
}
