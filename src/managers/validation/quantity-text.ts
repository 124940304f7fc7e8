/**
 * Kubernetes quantities as FlyteAdmin prints them in resource errors:
 * `Quantity.String()` (the canonical form: `1536Mi`, `500m`, `2`) and
 * `ParseQuantity`'s error texts.
 */
import type { Quantity } from "../../compiler/index.js";

const NANO = 1_000_000_000n;
const DECIMAL_SUFFIX: ReadonlyMap<number, string> = new Map([
  [-9, "n"],
  [-6, "u"],
  [-3, "m"],
  [0, ""],
  [3, "k"],
  [6, "M"],
  [9, "G"],
  [12, "T"],
  [15, "P"],
  [18, "E"],
]);
const BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/**
 * The canonical text of a quantity (Kubernetes' `CanonicalizeBytes`): binary
 * amounts of at least 1Ki that are whole numbers in base-1024 units, else
 * decimal with an exponent that is a multiple of three.
 *
 * @example
 * quantityText(parseQuantity("1.5Gi")!); // "1536Mi"
 * quantityText(parseQuantity("0.5")!);   // "500m"
 */
export function quantityText(q: Quantity): string {
  if (q.nanos === 0n) return "0";
  const negative = q.nanos < 0n;
  const magnitude = negative ? -q.nanos : q.nanos;
  const sign = negative ? "-" : "";
  if (q.format === "BinarySI" && magnitude >= 1024n * NANO && magnitude % NANO === 0n) {
    let amount = magnitude / NANO;
    let exp = 0;
    while (amount % 1024n === 0n && exp < BINARY_SUFFIX.length - 1) {
      amount /= 1024n;
      exp++;
    }
    return `${sign}${amount}${BINARY_SUFFIX[exp]}`;
  }
  let amount = magnitude;
  let exp = -9;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exp++;
  }
  // Kubernetes aligns the exponent down to a multiple of three, scaling the digits up.
  const rem = ((exp % 3) + 3) % 3;
  amount *= 10n ** BigInt(rem);
  exp -= rem;
  if (q.format === "DecimalExponent") return `${sign}${amount}${exp === 0 ? "" : `e${exp}`}`;
  return `${sign}${amount}${DECIMAL_SUFFIX.get(exp) ?? `e${exp}`}`;
}

/** The error `resource.ParseQuantity` gives for a value it refuses. */
export function quantityParseError(value: string): string {
  if (!FORMAT.test(value)) {
    return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  }
  return /^[+-]?\.?$/.test((FORMAT.exec(value) as RegExpExecArray)[1] as string)
    ? "unable to parse numeric part of quantity"
    : "unable to parse quantity's suffix";
}
