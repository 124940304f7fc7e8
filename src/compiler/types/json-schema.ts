import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** Deep equality of two JSON values (object key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

// Keywords that describe rather than constrain; they never make one schema narrower than another.
const ANNOTATIONS = new Set([
  "title",
  "description",
  "default",
  "examples",
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "$defs",
  "definitions",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

// Keywords the comparison below understands structurally; any other constraint must be identical on both sides.
const STRUCTURAL = new Set([
  "type",
  "properties",
  "required",
  "items",
  "additionalProperties",
  "anyOf",
  "enum",
  "const",
]);

interface Ctx {
  readonly upRoot: JsonValue;
  readonly downRoot: JsonValue;
  readonly inProgress: Map<object, Set<object>>;
  depth: number;
}

/**
 * Whether every value valid under `upstream` is also valid under `downstream` (downstream is a supertype), for
 * the JSON schemas (draft 2020-12) flytekit/mashumaro attach to dataclass and Pydantic STRUCT types.
 *
 * The check is sound for the keywords it understands (type, properties, required, items, additionalProperties
 * schemas, anyOf, enum/const, local `$ref`s) and conservative elsewhere: any other constraint keyword of the
 * downstream schema must appear unchanged upstream. Like FlytePropeller's comparison it ignores boolean
 * `additionalProperties`, so a child dataclass (more fields) passes where its parent is expected, while a parent
 * passed to a child is refused because the child requires fields the parent lacks. Recursive `$ref`s are
 * compared co-inductively.
 */
export function isJsonSchemaSupertype(downstream: JsonObject, upstream: JsonObject): boolean {
  const ctx: Ctx = { upRoot: upstream, downRoot: downstream, inProgress: new Map(), depth: 0 };
  return includes(downstream, upstream, ctx);
}

const MAX_DEPTH = 256;

function includes(d: JsonValue | undefined, u: JsonValue | undefined, ctx: Ctx): boolean {
  if (d === undefined || u === undefined) return false;
  if (d === true || (isObject(d) && isUnconstrained(d))) return true;
  if (u === false) return true;
  if (!isObject(d) || !isObject(u) || ctx.depth > MAX_DEPTH) return false;
  const seen = ctx.inProgress.get(d);
  if (seen?.has(u)) return true;
  ctx.inProgress.set(d, (seen ?? new Set<object>()).add(u));
  ctx.depth++;
  try {
    return objectIncludes(d, u, ctx);
  } finally {
    ctx.depth--;
    ctx.inProgress.get(d)?.delete(u);
  }
}

function objectIncludes(d: JsonObject, u: JsonObject, ctx: Ctx): boolean {
  if (typeof d.$ref === "string") {
    return includes(deref(d.$ref, ctx.downRoot), u, ctx) && includes(withoutKey(d, "$ref"), u, ctx);
  }
  // Dropping the siblings of an upstream `$ref`/`anyOf` only widens the upstream, so the answer stays sound.
  if (typeof u.$ref === "string") return includes(d, deref(u.$ref, ctx.upRoot), ctx);
  if (Array.isArray(u.anyOf)) return u.anyOf.every((branch) => includes(d, branch, ctx));
  if (Array.isArray(d.anyOf)) {
    return includes(withoutKey(d, "anyOf"), u, ctx) && d.anyOf.some((branch) => includes(branch, u, ctx));
  }
  return (
    typesInclude(d, u) &&
    valuesInclude(d, u) &&
    requiredInclude(d, u) &&
    propertiesInclude(d, u, ctx) &&
    additionalInclude(d, u, ctx) &&
    itemsInclude(d, u, ctx) &&
    otherConstraintsEqual(d, u)
  );
}

function typesInclude(d: JsonObject, u: JsonObject): boolean {
  const down = typeSet(d.type);
  if (down === undefined) return true;
  const up = typeSet(u.type) ?? valueTypes(u);
  if (down === null || up === null || up === undefined) return false;
  return [...up].every((t) => down.has(t) || (t === "integer" && down.has("number")));
}

/** The declared types: `undefined` when unconstrained, `null` when malformed. */
function typeSet(t: JsonValue | undefined): Set<string> | undefined | null {
  if (t === undefined) return undefined;
  if (typeof t === "string") return new Set([t]);
  if (Array.isArray(t) && t.every((x) => typeof x === "string")) return new Set(t as string[]);
  return null;
}

function valueTypes(u: JsonObject): Set<string> | undefined {
  const values = allowedValues(u);
  return values === undefined ? undefined : new Set(values.map(jsonType));
}

function jsonType(v: JsonValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function allowedValues(s: JsonObject): JsonValue[] | undefined {
  if (s.const !== undefined) return [s.const];
  return Array.isArray(s.enum) ? s.enum : undefined;
}

function valuesInclude(d: JsonObject, u: JsonObject): boolean {
  const down = allowedValues(d);
  if (down === undefined) return true;
  const up = allowedValues(u);
  return up?.every((x) => down.some((y) => jsonEqual(x, y))) ?? false;
}

function requiredInclude(d: JsonObject, u: JsonObject): boolean {
  if (d.required === undefined) return true;
  if (!Array.isArray(d.required)) return false;
  const up = Array.isArray(u.required) ? u.required : [];
  return d.required.every((name) => up.some((x) => x === name));
}

function propertiesInclude(d: JsonObject, u: JsonObject, ctx: Ctx): boolean {
  if (d.properties === undefined) return true;
  if (!isObject(d.properties)) return false;
  const upProps = isObject(u.properties) ? u.properties : {};
  for (const [name, schema] of Object.entries(d.properties)) {
    const up = Object.hasOwn(upProps, name) ? upProps[name] : undefined;
    // A field the upstream does not declare: dataclass schemas are closed, so it can only come from a schema-typed
    // `additionalProperties`.
    const source = up ?? (isObject(u.additionalProperties) ? u.additionalProperties : undefined);
    if (source !== undefined && !includes(schema, source, ctx)) return false;
  }
  return true;
}

function additionalInclude(d: JsonObject, u: JsonObject, ctx: Ctx): boolean {
  const down = d.additionalProperties;
  if (!isObject(down)) return true;
  const up = u.additionalProperties;
  if (up !== false && !includes(down, isObject(up) ? up : true, ctx)) return false;
  const downProps = isObject(d.properties) ? d.properties : {};
  const upProps = isObject(u.properties) ? u.properties : {};
  return Object.entries(upProps).every(([name, s]) => Object.hasOwn(downProps, name) || includes(down, s, ctx));
}

function itemsInclude(d: JsonObject, u: JsonObject, ctx: Ctx): boolean {
  if (d.items === undefined) return true;
  if (Array.isArray(d.items)) return jsonEqual(d.items, u.items);
  return includes(d.items, u.items === undefined ? true : u.items, ctx);
}

function otherConstraintsEqual(d: JsonObject, u: JsonObject): boolean {
  return Object.keys(d).every((k) => ANNOTATIONS.has(k) || STRUCTURAL.has(k) || jsonEqual(d[k], u[k]));
}

function isUnconstrained(s: JsonObject): boolean {
  return Object.keys(s).every((k) => ANNOTATIONS.has(k));
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withoutKey(s: JsonObject, key: string): JsonObject {
  const { [key]: _, ...rest } = s;
  return rest;
}

/** Resolves a local JSON pointer reference (`#/$defs/Inner`); anything else is unresolvable. */
function deref(ref: string, root: JsonValue): JsonValue | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: JsonValue | undefined = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = pointerToken(raw);
    if (key === undefined) return undefined;
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

function pointerToken(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
  } catch {
    return undefined; // malformed percent-encoding
  }
}
