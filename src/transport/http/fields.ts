/**
 * Binding text values (path segments, query parameters) to nested request
 * fields by dotted path, as grpc-gateway v2 binds them: path segments use
 * proto or lowerCamel names, enums take names or numbers, bools Go's
 * ParseBool forms, well-known types their canonical text forms.
 */
import { type DescEnum, type DescField, type DescMessage, fromJsonString, ScalarType } from "@bufbuild/protobuf";
import { type ReflectMessage, reflect, type ScalarValue } from "@bufbuild/protobuf/reflect";
import { parseGoDuration } from "../../common/duration.js";

/** A text value could not be bound; the gateway answers 400 with this message. */
export class BindError extends Error {
  override name = "BindError";
}

/** Resolves `a.b.c` (proto or json names per segment) to the chain of fields, or undefined. */
export function resolveFieldPath(desc: DescMessage, path: string): DescField[] | undefined {
  const out: DescField[] = [];
  let current: DescMessage | undefined = desc;
  for (const segment of path.split(".")) {
    if (!current) return undefined;
    const field: DescField | undefined =
      current.fields.find((f) => f.name === segment) ?? current.fields.find((f) => f.jsonName === segment);
    if (!field) return undefined;
    out.push(field);
    current = field.fieldKind === "message" && !isLeafMessage(field.message) ? field.message : undefined;
  }
  return out;
}

const LEAF_TYPES = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

function isLeafMessage(desc: DescMessage): boolean {
  return LEAF_TYPES.has(desc.typeName);
}

/**
 * Sets the field at `path` (already resolved) from text values. Repeated
 * fields take every value; a singular field given several values is refused
 * as grpc-gateway refuses it.
 */
export function bindValues(root: ReflectMessage, path: DescField[], values: readonly string[], name: string): void {
  let msg = root;
  for (let i = 0; i < path.length - 1; i++) {
    const f = path[i] as DescField;
    if (f.fieldKind !== "message") throw new BindError(`invalid path: "${name}" is not a message`);
    const child = msg.isSet(f) ? (msg.get(f) as ReflectMessage) : reflect(f.message);
    msg.set(f, child);
    msg = child;
  }
  const leaf = path[path.length - 1] as DescField;
  if (leaf.fieldKind === "list") {
    const list = msg.get(leaf);
    for (const v of values) {
      if (leaf.listKind === "scalar") list.add(parseScalar(leaf.scalar, v, name, leaf.longAsString));
      else if (leaf.listKind === "enum") list.add(parseEnum(leaf.enum, v, name));
      else list.add(parseLeafMessage(leaf.message, v, name));
    }
    return;
  }
  if (leaf.fieldKind === "map") throw new BindError(`map field "${name}" needs a key: ${name}[key]=value`);
  if (values.length > 1) throw new BindError(`too many values for field "${name}": ${values.join(", ")}`);
  const text = values[0] ?? "";
  if (leaf.fieldKind === "scalar") msg.set(leaf, parseScalar(leaf.scalar, text, name, leaf.longAsString));
  else if (leaf.fieldKind === "enum") msg.set(leaf, parseEnum(leaf.enum, text, name));
  else msg.set(leaf, parseLeafMessage(leaf.message, text, name));
}

/** Sets one entry of a map field from `field[key]=value`. */
export function bindMapEntry(root: ReflectMessage, path: DescField[], key: string, value: string, name: string): void {
  let msg = root;
  for (let i = 0; i < path.length - 1; i++) {
    const f = path[i] as DescField;
    if (f.fieldKind !== "message") throw new BindError(`invalid path: "${name}" is not a message`);
    const child = msg.isSet(f) ? (msg.get(f) as ReflectMessage) : reflect(f.message);
    msg.set(f, child);
    msg = child;
  }
  const leaf = path[path.length - 1] as DescField;
  if (leaf.fieldKind !== "map") throw new BindError(`field "${name}" is not a map`);
  const k = parseScalar(leaf.mapKey, key, name, false);
  const map = msg.get(leaf);
  if (leaf.mapKind === "scalar") map.set(k, parseScalar(leaf.scalar, value, name, false));
  else if (leaf.mapKind === "enum") map.set(k, parseEnum(leaf.enum, value, name));
  else map.set(k, parseLeafMessage(leaf.message, value, name));
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };

/** Parses text as a scalar of the given type, as Go's strconv would. */
export function parseScalar(type: ScalarType, text: string, name: string, longAsString: boolean): ScalarValue {
  const fail = (): never => {
    throw new BindError(`type mismatch, parameter: ${name}, error: cannot parse "${text}" as ${ScalarType[type]}`);
  };
  switch (type) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BOOL:
      if (GO_TRUE.has(text)) return true;
      if (GO_FALSE.has(text)) return false;
      return fail();
    case ScalarType.BYTES: {
      const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return fail();
      return new Uint8Array(Buffer.from(b64, "base64"));
    }
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      const n = parseGoFloat(text);
      return n === undefined ? fail() : n;
    }
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return parseInteger(text, INT32) ?? fail();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return parseInteger(text, UINT32) ?? fail();
    default: {
      const unsigned = type === ScalarType.UINT64 || type === ScalarType.FIXED64;
      const v = parseBigInteger(text, unsigned);
      if (v === undefined) return fail();
      return longAsString ? v.toString() : v;
    }
  }
}

function parseInteger(text: string, range: { min: number; max: number }): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= range.min && n <= range.max ? n : undefined;
}

function parseBigInteger(text: string, unsigned: boolean): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const v = BigInt(text);
  const min = unsigned ? 0n : -(2n ** 63n);
  const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  return v >= min && v <= max ? v : undefined;
}

function parseGoFloat(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === "nan") return Number.NaN;
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Enum values bind by name or by number. */
export function parseEnum(desc: DescEnum, text: string, name: string): number {
  const byName = desc.values.find((v) => v.name === text);
  if (byName) return byName.number;
  if (/^[+-]?\d+$/.test(text)) {
    const n = Number(text);
    if (n >= INT32.min && n <= INT32.max) return n;
  }
  throw new BindError(`type mismatch, parameter: ${name}, error: "${text}" is not a valid value of ${desc.typeName}`);
}

function parseLeafMessage(desc: DescMessage, text: string, name: string): ReflectMessage {
  const fail = (why: string): never => {
    throw new BindError(`type mismatch, parameter: ${name}, error: ${why}`);
  };
  switch (desc.typeName) {
    case "google.protobuf.Duration": {
      const ns = parseGoDuration(text);
      if (ns === undefined) return fail(`invalid duration "${text}"`);
      return reflectJson(desc, `"${(ns / 1e9).toFixed(9)}s"`, name);
    }
    case "google.protobuf.Timestamp":
    case "google.protobuf.FieldMask":
      return reflectJson(desc, JSON.stringify(text), name);
    case "google.protobuf.Struct":
    case "google.protobuf.Value":
    case "google.protobuf.ListValue":
      return reflectJson(desc, text, name);
    default: {
      if (!LEAF_TYPES.has(desc.typeName)) return fail(`unsupported message type ${desc.typeName}`);
      const inner = desc.fields[0] as DescField;
      const msg = reflect(desc);
      if (inner.fieldKind === "scalar") msg.set(inner, parseScalar(inner.scalar, text, name, inner.longAsString));
      return msg;
    }
  }
}

function reflectJson(desc: DescMessage, json: string, name: string): ReflectMessage {
  try {
    return reflect(desc, fromJsonString(desc, json));
  } catch (e) {
    throw new BindError(`type mismatch, parameter: ${name}, error: ${(e as Error).message}`);
  }
}
