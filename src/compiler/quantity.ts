/** How a Kubernetes quantity was written: `1.5Gi` (BinarySI), `1500M` / `500m` (DecimalSI), `1e3` (DecimalExponent). */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

/** A parsed Kubernetes resource quantity. */
export interface Quantity {
  /** The amount in base units (cores, bytes...), as a float: convenient, but inexact beyond 2^53. */
  readonly value: number;
  /** The exact amount in billionths of a base unit, rounded away from zero as Kubernetes does. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const MAX_INT64 = 2n ** 63n - 1n;
const NANO = 1_000_000_000n;
// Kubernetes gives up exact int64 arithmetic beyond 18 digits; beyond that it uses arbitrary precision. We always
// do, but must know which path Go takes because only the slow path rejects a number without digits.
const MAX_INT64_DIGITS = 18;

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["Ki", 10],
  ["Mi", 20],
  ["Gi", 30],
  ["Ti", 40],
  ["Pi", 50],
  ["Ei", 60],
]);

interface Parts {
  readonly negative: boolean;
  readonly value: string; // sign and digits, as Kubernetes hands them to its decimal parser
  readonly num: string;
  readonly denom: string;
  readonly suffix: string;
}

/**
 * Splits `<sign><digits>.<digits><suffix>` as Kubernetes' parser does, leniencies included: leading zeros are
 * dropped, a missing integer part reads as 0 (`"."`, `"-"` and `"G"` all parse), and the suffix is letters from a
 * fixed set optionally followed by a signed run of digits (whether it means anything is decided afterwards).
 */
function splitQuantity(s: string): Parts | undefined {
  const m = /^([+-]?)0*(\d*)(\.\d*)?(.*)$/s.exec(s);
  if (m === null) return undefined;
  const [, sign, digits, fraction = "", rest] = m;
  if (!/^[eEinumkKMGTP]*[+-]?\d*$/.test(rest)) return undefined;
  const negative = sign === "-";
  const num = digits === "" ? "0" : digits;
  // A string of zeros alone (or a bare sign) is handed on as "0"; otherwise the number is everything before the suffix.
  const value = fraction === "" && rest === "" && digits === "" ? "0" : s.slice(0, s.length - rest.length);
  return { negative, value, num, denom: fraction.slice(1), suffix: rest };
}

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIXES.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: "DecimalSI" };
  const bin = BINARY_SUFFIXES.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E") && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    if (parsed > MAX_INT64 || parsed < -MAX_INT64 - 1n) return undefined;
    // Kubernetes stores the exponent as an int32, wrapping larger values.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: "DecimalExponent" };
  }
  return undefined;
}

/** Whether Kubernetes takes its exact int64 fast path, which (unlike its slow path) accepts a number without digits. */
function takesFastPath(parts: Parts, suffix: Suffix): boolean {
  const digits = parts.num.length + parts.denom.length;
  if (suffix.base === 10) return MAX_INT64_DIGITS - digits >= 0 && suffix.exponent - parts.denom.length >= -9;
  if (parts.denom.length > 0) return false;
  const precision = 15 - parts.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
  return precision >= 0 && BigInt(parts.num) << BigInt(suffix.exponent) <= MAX_INT64;
}

/** The exact amount in nanos: the magnitude rounded up to a whole nano, binary amounts capped at int64 units. */
function toNanos(parts: Parts, suffix: Suffix): bigint {
  let magnitude = BigInt(parts.num + parts.denom);
  let scale = -parts.denom.length + 9; // power of ten to apply to reach nanos
  if (suffix.base === 2) magnitude <<= BigInt(suffix.exponent);
  else scale += suffix.exponent;
  let nanos: bigint;
  if (scale >= 0) {
    // Values far beyond any real resource only need to compare as huge; cap the power to keep BigInt small.
    nanos = magnitude * 10n ** BigInt(Math.min(scale, 400));
  } else if (-scale > magnitude.toString().length + 1) {
    nanos = magnitude === 0n ? 0n : 1n;
  } else {
    const div = 10n ** BigInt(-scale);
    nanos = (magnitude + div - 1n) / div;
  }
  if (suffix.format === "BinarySI" && nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
  return parts.negative ? -nanos : nanos;
}

/**
 * Parses a Kubernetes resource quantity (`500m`, `2`, `1.5Gi`, `1e3`) with the same acceptance rules as
 * `resource.ParseQuantity`; `undefined` when Kubernetes would refuse it.
 *
 * @example
 * parseQuantity("1.5Gi")?.value; // 1610612736
 * quantityValue(parseQuantity("100m")!); // 1n (rounded up)
 */
export function parseQuantity(s: string): Quantity | undefined {
  if (s === "") return undefined;
  if (s === "0") return { value: 0, nanos: 0n, format: "DecimalSI" };
  const parts = splitQuantity(s);
  if (parts === undefined) return undefined;
  const suffix = interpretSuffix(parts.suffix);
  if (suffix === undefined) return undefined;
  if (!takesFastPath(parts, suffix) && !/\d/.test(parts.value)) return undefined;
  const nanos = toNanos(parts, suffix);
  const magnitude = nanos < 0n ? -nanos : nanos;
  // A binary amount below one unit is printed in decimal by Kubernetes.
  const format = suffix.format === "BinarySI" && magnitude > 0n && magnitude < NANO ? "DecimalSI" : suffix.format;
  return { value: Number(nanos) / 1e9, nanos, format };
}

function ceilDiv(nanos: bigint, unit: bigint): bigint {
  const magnitude = nanos < 0n ? -nanos : nanos;
  const q = (magnitude + unit - 1n) / unit;
  const capped = q > MAX_INT64 ? MAX_INT64 : q;
  return nanos < 0n ? -capped : capped;
}

/** Kubernetes' `Quantity.Value()`: the amount in base units rounded up (away from zero) to an integer. */
export function quantityValue(q: Quantity): bigint {
  return ceilDiv(q.nanos, NANO);
}

/** Kubernetes' `Quantity.MilliValue()`: the amount in thousandths, rounded up (away from zero). */
export function quantityMilliValue(q: Quantity): bigint {
  return ceilDiv(q.nanos, 1_000_000n);
}

/** Orders two quantities exactly (-1, 0 or 1), as Kubernetes' `Quantity.Cmp`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}
