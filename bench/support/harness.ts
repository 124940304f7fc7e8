/**
 * Shared benchmark plumbing: a real server in its own process (so the load
 * generator does not share its event loop), PostgreSQL clusters, closed-loop
 * load with N concurrent clients, latency percentiles, tables and JSON.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { stringify } from "yaml";
import { deepMerge } from "../../src/config/load.js";
import { freePort, type PgCluster, startPgCluster } from "../../test/support/postgres.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The value after `--name` on the command line, or undefined when the option is not given. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A numeric `--name N` option (a missing or non-numeric value gives `fallback`). */
export function numberArg(name: string, fallback: number): number {
  return Number(argValue(name)) || fallback;
}

export type Dialect = "sqlite" | "postgres";

export interface ServerProcess {
  /** The server's process id (for its CPU time: see `processCpuSeconds`). */
  readonly pid: number;
  readonly grpcAddress: string;
  readonly httpBase: string;
  stop(): Promise<void>;
}

let built = false;

/** Builds dist/ once per benchmark run. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/build.ts")], { cwd: ROOT, stdio: "ignore" });
  built = true;
}

let cluster: PgCluster | undefined;
let dbCounter = 0;

/**
 * A fresh PostgreSQL database in this run's throw-away cluster; undefined when PostgreSQL is not installed.
 * `socket`: reached through its Unix-domain socket instead of TCP on 127.0.0.1.
 */
export async function freshPostgresDatabase(
  options: { socket?: boolean } = {},
): Promise<{ host: string; port: number; dbname: string } | undefined> {
  try {
    cluster ??= await startPgCluster();
  } catch {
    return undefined;
  }
  const dbname = `bench_${process.pid}_${dbCounter++}`;
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${dbname}`);
  await client.end();
  return { host: options.socket ? cluster.socketDir : "127.0.0.1", port: cluster.port, dbname };
}

/** The postmaster's process id of this run's cluster (its backends are its children), if one was started. */
export function postgresPid(): number | undefined {
  if (!cluster) return undefined;
  try {
    return Number(readFileSync(join(cluster.socketDir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

/** Stops the PostgreSQL cluster, if one was started. */
export function stopPostgres(): void {
  cluster?.stop();
  cluster = undefined;
}

/**
 * Starts `node dist/main.js serve` with a config file on free ports and waits
 * until it answers /healthcheck.
 */
export async function startServerProcess(
  dialect: Dialect,
  overrides: Record<string, unknown> = {},
  options: { readonly nodeArgs?: readonly string[] } = {},
): Promise<ServerProcess | undefined> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "flyteadmin-bench-"));
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  let database: Record<string, unknown> = {};
  if (dialect === "postgres") {
    const db = await freshPostgresDatabase();
    if (!db) return undefined;
    database = {
      postgres: { host: db.host, port: db.port, dbname: db.dbname, username: "postgres" },
      maxOpenConnections: 32,
    };
  }
  const config = deepMerge(
    {
      server: { host: "127.0.0.1", httpPort, grpc: { port: grpcPort } },
      database,
      executor: { type: "external" },
      logger: { level: "warn" },
    },
    overrides,
  );
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // As `npm start` and the cluster's workers run it (src/cluster/primary.ts).
      "--max-semi-space-size=64",
      ...(options.nodeArgs ?? []),
      join(ROOT, "dist/main.js"),
      "serve",
      "--config",
      file,
      "--data-dir",
      join(dir, "data"),
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const httpBase = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${httpBase}/healthcheck`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    pid: child.pid ?? 0,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpBase,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux);
 * undefined where that is not available. On a shared machine, CPU time per
 * request says more about the server than requests per second.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

/**
 * Closed-loop load: `concurrency` workers each call `op(i)` back to back for
 * `durationMs` (after `warmupMs`), timing every call.
 */
export async function runLoad(
  op: (i: number) => Promise<unknown>,
  options: { concurrency: number; durationMs: number; warmupMs?: number },
): Promise<LoadResult> {
  let counter = 0;
  const warmEnd = Date.now() + (options.warmupMs ?? 1000);
  const worker = async (until: number, sink?: number[], errs?: { n: number }) => {
    while (Date.now() < until) {
      const start = process.hrtime.bigint();
      try {
        await op(counter++);
      } catch {
        if (errs) errs.n++;
      }
      sink?.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker(warmEnd)));
  const latencies: number[] = [];
  const errors = { n: 0 };
  const started = Date.now();
  const end = started + options.durationMs;
  await Promise.all(Array.from({ length: options.concurrency }, () => worker(end, latencies, errors)));
  const seconds = (Date.now() - started) / 1000;
  return summarize(latencies, errors.n, seconds);
}

/** HTTP load with autocannon: `concurrency` connections for `seconds`, JSON, optional body per request and headers. */
export async function httpLoad(
  url: string,
  init: {
    concurrency: number;
    seconds: number;
    method?: "GET" | "POST";
    body?: (i: number) => string;
    headers?: Record<string, string>;
  },
): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: init.concurrency,
    duration: init.seconds,
    method: init.method ?? "GET",
    headers: { "content-type": "application/json", accept: "application/json", ...init.headers },
    requests: [
      {
        setupRequest: (req) => (init.body ? { ...req, body: init.body(i++) } : req),
      },
    ],
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    seconds: result.duration,
    rps: result.requests.average,
    p50ms: round(result.latency.p50),
    p99ms: round(result.latency.p99),
  };
}

export function summarize(latenciesMs: number[], errors: number, seconds: number): LoadResult {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return {
    requests: sorted.length,
    errors,
    seconds,
    rps: sorted.length / seconds,
    p50ms: round(pct(50)),
    p99ms: round(pct(99)),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] as object);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i] as number)).join("  ");
  console.log(line(cols));
  console.log(line(width.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

/** Writes `bench/results/<name>.json`. */
export function writeResult(name: string, data: unknown): string {
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), data }, null, 2)}\n`);
  return file;
}
