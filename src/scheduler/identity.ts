/**
 * The names the native scheduler derives (executions.md §6.1): a schedule's
 * identity, and the execution name of one fire. Both are FNV-1 (not 1a)
 * 64-bit hashes, so a fire delivered twice asks for the same execution name
 * and the second CreateExecution is a harmless ALREADY_EXISTS.
 */

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** 64-bit FNV-1 of the UTF-8 bytes: multiply, then xor. */
export function fnv1_64(text: string): bigint {
  let h = FNV64_OFFSET;
  for (const b of Buffer.from(text, "utf8")) h = ((h * FNV64_PRIME) & MASK64) ^ BigInt(b);
  return h;
}

/** The launch plan version a schedule belongs to. */
export interface ScheduleKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
}

/** FlyteAdmin's schedule identity: the decimal FNV-1 64 of `project:domain:name:version`. */
export function scheduleName(k: ScheduleKey): string {
  return fnv1_64(`${k.project}:${k.domain}:${k.name}:${k.version}`).toString(10);
}

/**
 * The execution name of a fire: `f` + the first 19 characters of the dash-less UUID whose 16 bytes are the
 * little-endian FNV-1 64 of `project:domain:name:version:<unix seconds>` followed by zeros — that is `f`, 16 hex
 * digits of the hash's bytes from the lowest, and `000`.
 *
 * @example
 * executionName({ project: "p", domain: "d", name: "lp", version: "v1" }, Date.parse("2026-01-01T00:00:00Z"));
 */
export function executionName(k: ScheduleKey, scheduledMs: number): string {
  const seconds = Math.floor(scheduledMs / 1000);
  let h = fnv1_64(`${k.project}:${k.domain}:${k.name}:${k.version}:${seconds}`);
  let hex = "";
  for (let i = 0; i < 8; i++) {
    hex += (h & 0xffn).toString(16).padStart(2, "0");
    h >>= 8n;
  }
  return `f${hex}000`;
}
