/**
 * Time in this code base is an integer number of microseconds since the Unix
 * epoch (it fits a JS number until the year 2255), converted to and from
 * protobuf Timestamps and RFC 3339 strings here and nowhere else.
 */
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";

let last = 0;

/** The current time in microseconds, strictly increasing within this process (rows created in a burst keep their order). */
export function nowMicros(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  last = now > last ? now : last + 1;
  return last;
}

export function microsToTimestamp(micros: number): Timestamp {
  const seconds = Math.floor(micros / 1e6);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: (micros - seconds * 1e6) * 1000 });
}

/** Microseconds of a Timestamp (sub-microsecond digits are dropped). */
export function timestampToMicros(ts: Timestamp): number {
  return Number(ts.seconds) * 1e6 + Math.floor(ts.nanos / 1000);
}

export function nanosToDuration(nanos: number): Duration {
  const seconds = Math.trunc(nanos / 1e9);
  return create(DurationSchema, { seconds: BigInt(seconds), nanos: Math.round(nanos - seconds * 1e9) });
}

export function durationToNanos(d: Duration): number {
  return Number(d.seconds) * 1e9 + d.nanos;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses RFC 3339 (and the `YYYY-MM-DD` date form) to microseconds; undefined when it is not a timestamp. */
export function parseRfc3339Micros(text: string): number | undefined {
  const t = text.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (dateOnly) {
    const ms = utcMillis(Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3]), 0, 0, 0);
    return ms === undefined ? undefined : ms * 1000;
  }
  const m = RFC3339.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  const ms = utcMillis(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (ms === undefined) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const z = zone.replace(":", "");
    offsetMinutes = (z[0] === "-" ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5) || "0"));
  }
  const micros = Number(frac.padEnd(6, "0").slice(0, 6));
  return (ms - offsetMinutes * 60000) * 1000 + micros;
}

/** Date.UTC that refuses out-of-range fields instead of rolling them over. */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

/** RFC 3339 with microseconds, UTC: `2024-01-02T03:04:05.123456Z`. */
export function microsToRfc3339(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // ...T03:04:05.123Z
  const sub = String(micros - ms * 1000).padStart(3, "0");
  return `${iso.slice(0, -1)}${sub}Z`;
}
