import { type DescField, type DescMessage, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { type ReflectList, type ReflectMap, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { compareStrings } from "./order.js";

/**
 * Renders a message in Go's compact protobuf text form (what `String()` returns in Go and what FlytePropeller
 * prints in error messages and uses as map keys): fields in declaration order, unset fields omitted, map entries
 * sorted by key, single spaces, e.g. `collection_type:{simple:INTEGER}`. An absent message renders as `<nil>`.
 */
export function protoText<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc> | undefined): string {
  return message === undefined ? "<nil>" : messageText(reflect(schema, message));
}

function messageText(m: ReflectMessage): string {
  const parts: string[] = [];
  for (const field of m.fields) {
    if (m.isSet(field)) appendField(parts, field, m);
  }
  return parts.join(" ");
}

function appendField(parts: string[], field: DescField, m: ReflectMessage): void {
  const name = field.name;
  switch (field.fieldKind) {
    case "scalar":
      parts.push(`${name}:${scalarText(field.scalar, m.get(field))}`);
      return;
    case "enum":
      parts.push(`${name}:${enumText(field, m.get(field) as number)}`);
      return;
    case "message":
      parts.push(`${name}:{${messageText(m.get(field) as ReflectMessage)}}`);
      return;
    case "list":
      for (const item of m.get(field) as ReflectList) parts.push(`${name}:${valueText(field, item)}`);
      return;
    case "map":
      appendMap(parts, field, m.get(field) as ReflectMap);
      return;
  }
}

function appendMap(parts: string[], field: DescField & { fieldKind: "map" }, map: ReflectMap): void {
  const entries = [...map.entries()].sort(([a], [b]) => compareMapKeys(a, b));
  for (const [key, value] of entries) {
    parts.push(`${field.name}:{key:${scalarText(field.mapKey, key)} value:${valueText(field, value)}}`);
  }
}

function compareMapKeys(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  const x = BigInt(a as number | bigint | boolean);
  const y = BigInt(b as number | bigint | boolean);
  return x < y ? -1 : x > y ? 1 : 0;
}

function valueText(field: DescField & { fieldKind: "list" | "map" }, value: unknown): string {
  if (field.message !== undefined) return `{${messageText(value as ReflectMessage)}}`;
  if (field.enum !== undefined) return enumText(field, value as number);
  return scalarText(field.scalar as ScalarType, value);
}

function enumText(field: DescField, value: number): string {
  const v = field.enum?.values.find((e) => e.number === value);
  return v === undefined ? String(value) : v.name;
}

function scalarText(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return goQuote(new TextEncoder().encode(value as string));
    case ScalarType.BYTES:
      return goQuote(value as Uint8Array);
    case ScalarType.DOUBLE:
      return goFloat(value as number, 64);
    case ScalarType.FLOAT:
      return goFloat(value as number, 32);
    default:
      return String(value);
  }
}

/**
 * Quotes bytes as Go's text encoder does: valid UTF-8 passes through, `"` and `\` are escaped, control characters
 * become `\n`, `\r`, `\t` or `\xHH`, and C1 controls and invalid bytes become `\u00HH` / `\xHH`.
 */
export function goQuote(bytes: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const [rune, size] = decodeRune(bytes, i);
    out += escapeRune(rune, size === 1 && rune >= 0x80 ? bytes.subarray(i, i + 1) : undefined);
    i += size;
  }
  return `${out}"`;
}

function escapeRune(rune: number, invalid: Uint8Array | undefined): string {
  if (invalid !== undefined) return `\\x${hex(invalid[0], 2)}`;
  switch (rune) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
  }
  if (rune < 0x20 || rune === 0x7f) return `\\x${hex(rune, 2)}`;
  if (rune >= 0x80 && rune <= 0x9f) return `\\u${hex(rune, 4)}`;
  return String.fromCodePoint(rune);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Decodes one UTF-8 sequence; an invalid one yields its first byte with size 1. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c = b[i];
  if (c < 0x80) return [c, 1];
  const size = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (size === 0 || i + size > b.length) return [c, 1];
  let rune = c & (0xff >> (size + 1));
  for (let k = 1; k < size; k++) {
    const cc = b[i + k];
    if ((cc & 0xc0) !== 0x80) return [c, 1];
    rune = (rune << 6) | (cc & 0x3f);
  }
  const min = size === 2 ? 0x80 : size === 3 ? 0x800 : 0x10000;
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return [c, 1];
  return [rune, size];
}

/** Formats a float as Go's `strconv.FormatFloat(v, 'g', -1, bits)`, with `nan`/`inf` as the text encoder does. */
export function goFloat(v: number, bits: 32 | 64): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, exponentText] = shortestDigits(v, bits).split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  // Go switches to exponent form below 1e-4 and from 1e6 on when printing the shortest representation.
  if (exponent < -4 || exponent >= 6) {
    return goExponentForm(sign, digits, exponent);
  }
  return sign + positionalForm(digits, exponent);
}

/** Shortest round-tripping digits in exponent form, e.g. `1.5e+0`. */
function shortestDigits(v: number, bits: 32 | 64): string {
  if (bits === 64) return v.toExponential();
  const target = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = target.toExponential(p - 1);
    if (Math.fround(Number(s)) === target) return s;
  }
  return target.toExponential(8);
}

function goExponentForm(sign: string, digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exponent).toString().padStart(2, "0");
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${e}`;
}

function positionalForm(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return digits + "0".repeat(exponent + 1 - digits.length);
  return `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
