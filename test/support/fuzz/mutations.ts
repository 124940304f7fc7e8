/**
 * Ways to spoil a request. Each mutation is a pure function of the starting
 * request and the generator, named so a failing case can be told apart:
 * JSON mutations (fields dropped, wrong types, huge strings and lists, deep
 * nesting, hostile text in names and filters, bad numbers and enums) and
 * binary ones (truncated, bit-flipped, random protobuf).
 */

import type { Rng } from "./random.js";
import type { Json, JsonObject } from "./requests.js";

/** Text that has broken parsers, SQL, filters, paths or logs somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "../../../../etc/passwd",
  "..",
  "a/b",
  "a\\b",
  "%2e%2e%2f%2e%2e%2f",
  "/",
  "' OR '1'='1",
  "'; DROP TABLE executions; --",
  '"',
  "%",
  "_",
  "\\",
  "eq(name,x)",
  "eq(project, '",
  "value_in(phase,RUNNING;FAILED)",
  "contains(name,%)",
  "gte(created_at,not-a-time)",
  "eq(name,x)+eq(",
  "\u0000",
  "a\u0000b",
  "\u0001\u0002\u0003\u001b[31m",
  "\r\n\r\nX-Injected: 1",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil",
  "😀🏳️‍🌈",
  "Ωmega-ß-ñ",
  "\uffff\ufffe",
  "$" + "{jndi:ldap://x}",
  "{{ .Values }}",
  "<script>alert(1)</script>",
  "NaN",
  "-1",
  "9223372036854775808",
  "a".repeat(256),
  "x".repeat(4097),
];

/** Filter expressions for `filters` fields: malformed, unknown fields, metacharacters. */
export const HOSTILE_FILTERS: readonly string[] = [
  "eq(",
  "eq(phase)",
  "eq(phase,RUNNING",
  "eq(no_such_field,1)",
  "eq(phase,NOT_A_PHASE)",
  "eq(phase,RUNNING)+",
  "+",
  "gt(created_at,yesterday)",
  "value_in(phase,)",
  "value_in(phase,;;;)",
  "eq(name,'x' OR 1=1)",
  "eq(name,%)",
  "contains(name,_)",
  "eq(execution_created_at,2024-01-01T00:00:00Z)",
  "eq(project,fuzzp)+eq(domain,development)",
  "eq(task.name,x)",
  "eq(node_execution.phase,SUCCEEDED)",
  "eq(launch_plan.state,1)",
  "eq(mode,9999)",
  "eq(duration,1e400)",
  "nope(name,x)",
  `eq(name,${"y".repeat(10000)})`,
  "eq(name,a)".repeat(500),
  "h".repeat(1_000_000),
  "\n".repeat(500_000),
  ",\n".repeat(250_000),
  "(,".repeat(250_000),
];

/** Numbers outside every field's range, fractional ints, and number-like strings. */
export const HOSTILE_NUMBERS: readonly Json[] = [
  -1,
  -2147483649,
  2147483648,
  4294967296,
  "9223372036854775808",
  "-9223372036854775809",
  "18446744073709551616",
  1e308,
  -1e308,
  0.5,
  "1e999",
  "NaN",
  "Infinity",
  "0x10",
  "",
];

interface Slot {
  readonly parent: JsonObject | Json[];
  readonly key: string | number;
  readonly value: Json;
}

/** Every place in a JSON tree (object entries and array elements), depth first. */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const visit = (node: Json, depth: number) => {
    if (depth > 12 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node, key: i, value: v });
        visit(v, depth + 1);
      });
    } else {
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node, key: k, value: v as Json });
        visit(v as Json, depth + 1);
      }
    }
  };
  visit(root, 0);
  return out;
}

function setSlot(s: Slot, value: Json | undefined): void {
  if (Array.isArray(s.parent)) {
    if (value === undefined) s.parent.splice(s.key as number, 1);
    else s.parent[s.key as number] = value;
  } else if (value === undefined) delete s.parent[s.key as string];
  else s.parent[s.key as string] = value;
}

/** A value of another JSON type than `v`. */
function wrongType(v: Json, rng: Rng): Json {
  const options: Json[] = [true, 42, -7.25, "str", [], {}, null, [1, "a", null], { nested: { x: 1 } }];
  const different = options.filter((o) => typeof o !== typeof v || Array.isArray(o) !== Array.isArray(v));
  return rng.pick(different);
}

/**
 * Nesting deeper than JSON.stringify can walk is spliced into the body text
 * by `toJsonText` in place of this marker.
 */
export const DEEP_MARKER = /"__deep_(object|array)_(\d+)__"/g;

/** The JSON text of a mutated request, deep-nesting markers expanded. */
export function toJsonText(v: Json): string {
  return JSON.stringify(v).replace(DEEP_MARKER, (_, kind: string, n: string) => {
    const depth = Number(n);
    return kind === "array"
      ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  });
}

function deepNest(depth: number, asArray: boolean): Json {
  if (depth > 1000) return `__deep_${asArray ? "array" : "object"}_${depth}__`;
  let v: Json = "bottom";
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

export interface JsonMutation {
  readonly name: string;
  apply(request: JsonObject, rng: Rng): Json;
}

const clone = (v: JsonObject): JsonObject => structuredClone(v);

function onRandomSlot(
  request: JsonObject,
  rng: Rng,
  fn: (s: Slot) => Json | undefined,
  filter?: (s: Slot) => boolean,
): JsonObject {
  const copy = clone(request);
  const all = slots(copy).filter((s) => !filter || filter(s));
  if (all.length === 0) return copy;
  const s = rng.pick(all);
  setSlot(s, fn(s));
  return copy;
}

const isString = (s: Slot) => typeof s.value === "string";
const isNumberish = (s: Slot) => typeof s.value === "number" || /^-?\d+$/.test(String(s.value));
const isNameish = (s: Slot) =>
  typeof s.value === "string" &&
  /^(project|domain|name|version|node_id|id|filters|token|signal_id|key|org|principal)$/.test(String(s.key));

/** JSON mutations, all of which leave a parseable JSON value. */
export const JSON_MUTATIONS: readonly JsonMutation[] = [
  { name: "unchanged", apply: (r) => clone(r) },
  { name: "drop-field", apply: (r, rng) => onRandomSlot(r, rng, () => undefined) },
  {
    name: "drop-fields",
    apply: (r, rng) => {
      let out = clone(r);
      for (let i = 0; i < 4; i++) out = onRandomSlot(out, rng, () => undefined);
      return out;
    },
  },
  { name: "wrong-type", apply: (r, rng) => onRandomSlot(r, rng, (s) => wrongType(s.value, rng)) },
  { name: "null-field", apply: (r, rng) => onRandomSlot(r, rng, () => null) },
  { name: "hostile-name", apply: (r, rng) => onRandomSlot(r, rng, () => rng.pick(HOSTILE_STRINGS), isNameish) },
  { name: "hostile-string", apply: (r, rng) => onRandomSlot(r, rng, () => rng.pick(HOSTILE_STRINGS), isString) },
  {
    name: "hostile-filter",
    apply: (r, rng) => {
      const copy = clone(r);
      if ("filters" in copy) copy.filters = rng.pick(HOSTILE_FILTERS);
      else return onRandomSlot(copy, rng, () => rng.pick(HOSTILE_FILTERS), isString);
      return copy;
    },
  },
  {
    name: "huge-string",
    apply: (r, rng) => onRandomSlot(r, rng, () => "h".repeat(rng.pick([70_000, 300_000, 1_500_000])), isString),
  },
  {
    name: "huge-list",
    apply: (r, rng) =>
      onRandomSlot(r, rng, (s) => Array.from({ length: rng.pick([1000, 20_000]) }, () => structuredClone(s.value))),
  },
  {
    name: "deep-object",
    apply: (r, rng) => onRandomSlot(r, rng, () => deepNest(rng.pick([64, 500, 5000, 200_000]), false)),
  },
  {
    name: "deep-array",
    apply: (r, rng) => onRandomSlot(r, rng, () => deepNest(rng.pick([64, 500, 5000, 200_000]), true)),
  },
  { name: "bad-number", apply: (r, rng) => onRandomSlot(r, rng, () => rng.pick(HOSTILE_NUMBERS), isNumberish) },
  { name: "any-number", apply: (r, rng) => onRandomSlot(r, rng, () => rng.pick(HOSTILE_NUMBERS)) },
  {
    name: "unknown-enum",
    apply: (r, rng) =>
      onRandomSlot(
        r,
        rng,
        () => rng.pick<Json>(["NOT_A_VALUE", 9999, -1, "running", ""]),
        (s) => typeof s.value === "string" && /^[A-Z][A-Z_0-9]+$/.test(s.value),
      ),
  },
  {
    name: "unknown-field",
    apply: (r, rng) => {
      const copy = clone(r);
      copy[rng.pick(["zzz_unknown", "__proto__", "constructor", "$typeName", "@type"])] = rng.pick<Json>([
        1,
        "x",
        {},
        null,
      ]);
      return copy;
    },
  },
  { name: "not-an-object", apply: (_r, rng) => rng.pick<Json>([[], "string", 12, null, true]) },
  { name: "empty-object", apply: () => ({}) },
];

/** Binary protobuf mutations of a valid encoding. */
export function mutateBinary(valid: Uint8Array, rng: Rng): { name: string; bytes: Uint8Array } {
  const b = Buffer.from(valid);
  switch (rng.int(6)) {
    case 0:
      return { name: "truncated", bytes: b.subarray(0, rng.int(Math.max(1, b.length))) };
    case 1: {
      const out = Buffer.from(b);
      for (let i = 0; i < 1 + rng.int(8) && out.length > 0; i++) {
        const at = rng.int(out.length);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      return { name: "bit-flip", bytes: out };
    }
    case 2:
      return { name: "random-bytes", bytes: Buffer.from(Array.from({ length: rng.int(512) }, () => rng.int(256))) };
    case 3:
      return { name: "trailing-garbage", bytes: Buffer.concat([b, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]) };
    case 4:
      // A length-delimited field 1 claiming far more bytes than follow.
      return { name: "bad-length", bytes: Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f]), b]) };
    default:
      // Deeply nested group/submessage start tags.
      return {
        name: "deep-binary",
        bytes: Buffer.from(Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 0x0a : 0x7f))),
      };
  }
}
