/**
 * Go `time.ParseDuration` syntax ("1h30m", "1.5s", "300ms", "-2m"), which
 * FlyteAdmin's config files, query parameters and `duration` filters use.
 */
const UNIT_NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go duration string into nanoseconds; undefined when it is not one. */
export function parseGoDuration(input: string): number | undefined {
  let s = input.trim();
  if (s === "") return undefined;
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return undefined;
  let total = 0;
  while (s.length > 0) {
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_NANOS[m[2] as string] as number);
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Like parseGoDuration but in milliseconds, throwing a readable error for bad input. */
export function goDurationMs(input: string, what: string): number {
  const ns = parseGoDuration(input);
  if (ns === undefined) throw new Error(`${what}: invalid duration "${input}"`);
  return ns / 1e6;
}

/**
 * Go's `time.Duration.String()` for nanoseconds ("1h0m0s", "1.5s", "300ms",
 * "0s"): FlyteAdmin's messages print durations this way.
 */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return "0s";
  const sign = nanos < 0 ? "-" : "";
  const abs = Math.abs(Math.round(nanos));
  if (abs < 1e9) {
    const [unit, scale] = abs < 1e3 ? ["ns", 1] : abs < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return `${sign}${trimFraction(abs / scale)}${unit}`;
  }
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs - hours * 3600e9) / 60e9);
  const seconds = (abs - hours * 3600e9 - minutes * 60e9) / 1e9;
  const s = `${trimFraction(seconds)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${sign}${minutes}m${s}`;
  return `${sign}${s}`;
}

function trimFraction(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, "");
}
