/**
 * A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` into a
 * temp dir, `pg_ctl start` on a free port, removed again on stop. PostgreSQL
 * refuses to run as root, so as root the binaries run as the `postgres` user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgCluster {
  /** Connection URL of the cluster's `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** The directory of its Unix-domain socket (a `host` for clients on this machine). */
  readonly socketDir: string;
  /** Stops the server process (by default fast: open connections are cut; `immediate`: as a crash) and keeps its data. */
  halt(mode?: "fast" | "immediate"): void;
  /** Starts the server again after `halt`, on the same port and data. */
  resume(): void;
  stop(): void;
}

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPgBinDir(): string | undefined {
  const candidates: string[] = [];
  const fromConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  if (existsSync("/usr/lib/postgresql")) {
    for (const v of readdirSync("/usr/lib/postgresql").sort().reverse()) {
      candidates.push(join("/usr/lib/postgresql", v, "bin"));
    }
  }
  return candidates.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/**
 * `durable`: commits are flushed before they are acknowledged
 * (synchronous_commit on), so an immediate stop loses no acknowledged write;
 * the default trades that for speed.
 */
export async function startPgCluster(options: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = findPgBinDir();
  if (!bin) throw new Error("PostgreSQL binaries (initdb, pg_ctl) not found");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "flyteadmin-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  let uid = 0;
  let gid = 0;
  if (asRoot) {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chmodSync(dir, 0o755);
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const speed = options.durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${speed} -c max_connections=300`;
  run("pg_ctl", ["-D", data, "-o", opts, "-w", "-l", join(dir, "log"), "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    socketDir: dir,
    halt(mode = "fast") {
      run("pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
    },
    resume() {
      run("pg_ctl", ["-D", data, "-o", opts, "-w", "-l", join(dir, "log"), "start"]);
    },
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      void uid;
      void gid;
    },
  };
}

let dbCounter = 0;

/**
 * Creates a fresh database in the run's cluster (FLYTEADMIN_TEST_PG_URL) and
 * returns the `database.postgres` config section that reaches it.
 */
export async function createTestPgDatabase(prefix: string): Promise<{ postgres: Record<string, unknown> }> {
  const url = new URL(process.env.FLYTEADMIN_TEST_PG_URL as string);
  const dbname = `${prefix}_${process.pid}_${Date.now()}_${dbCounter++}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${dbname}`);
  } finally {
    await client.end();
  }
  return { postgres: { host: url.hostname, port: Number(url.port), dbname, username: url.username || "postgres" } };
}
