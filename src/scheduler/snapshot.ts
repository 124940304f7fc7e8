/**
 * The scheduler's snapshot: the last fire time of each schedule, by schedule
 * identity, so that a restarted (or newly elected) scheduler knows what it
 * missed. FlyteAdmin stores a Go gob (version 1); we store JSON
 * `{"version": 1, "lastExecutionTimes": {"<schedule>": "<RFC 3339>"}}`. A
 * blob that is not ours (say, FlyteAdmin's gob) reads as empty, so catch-up
 * then starts from each schedule's activation time.
 */

const VERSION = 1;

/** Encodes last fire times (epoch milliseconds) by schedule identity. */
export function encodeSnapshot(lastTimes: ReadonlyMap<string, number>): Uint8Array {
  const lastExecutionTimes: Record<string, string> = {};
  for (const [name, ms] of [...lastTimes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lastExecutionTimes[name] = new Date(ms).toISOString();
  }
  return Buffer.from(JSON.stringify({ version: VERSION, lastExecutionTimes }), "utf8");
}

/** Decodes a snapshot; `undefined` when the blob is not a snapshot this version understands. */
export function decodeSnapshot(bytes: Uint8Array): Map<string, number> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return undefined;
  }
  const d = doc as { version?: unknown; lastExecutionTimes?: unknown };
  if (d?.version !== VERSION || typeof d.lastExecutionTimes !== "object" || d.lastExecutionTimes === null) {
    return undefined;
  }
  const out = new Map<string, number>();
  for (const [name, text] of Object.entries(d.lastExecutionTimes as Record<string, unknown>)) {
    const ms = typeof text === "string" ? Date.parse(text) : Number.NaN;
    if (Number.isFinite(ms)) out.set(name, ms);
  }
  return out;
}
