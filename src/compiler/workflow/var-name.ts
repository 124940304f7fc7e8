/** A promise's output variable reference: `o0`, or `[2].o0` for one element of a list output. */
export interface VarName {
  readonly name: string;
  readonly index: number | undefined;
}

const VAR_PATTERN = /(\[(\d+)\]\.)?(\w+)/g;
const MAX_INT64 = 9223372036854775807n;

/**
 * Parses a promise's `var` as FlytePropeller does: the pattern `([<n>].)?<word>` must occur exactly once in the
 * string (not necessarily spanning it: `x!` reads as `x`, while `a.b`, `a-b` and `""` are refused). Returns
 * `undefined` for a syntax error.
 */
export function parseVarName(text: string): VarName | undefined {
  const matches = [...text.matchAll(VAR_PATTERN)];
  if (matches.length !== 1) return undefined;
  const [, , digits, name] = matches[0];
  if (digits === undefined) return { name, index: undefined };
  // Go's Atoi fails beyond the int64 range, which surfaces as a syntax error.
  if (BigInt(digits) > MAX_INT64) return undefined;
  return { name, index: Number(digits) };
}
