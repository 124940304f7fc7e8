/**
 * PostgreSQL through a bounded pg pool, sized from FlyteAdmin's
 * `database.maxOpenConnections` / `maxIdleConnections` / `connMaxLifeTime`.
 * Timestamps come back as text (microsecond precision; pg's Date would cut
 * them to milliseconds) and int8 as numbers.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from "kysely";
import pg from "pg";
import { goDurationMs } from "../../common/duration.js";
import { microsToRfc3339, parseRfc3339Micros } from "../../common/time.js";
import type { Config } from "../../config/schema.js";
import type { StoreDialect, ValueCodec } from "../dialect.js";
import type { DbTime, Schema } from "../schema.js";
import { MAX_STATEMENTS_PER_CONNECTION, statementName } from "../statement-names.js";

const INT8 = 20;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const codec: ValueCodec = {
  time: (micros) => microsToRfc3339(micros),
  micros: (value: DbTime) => {
    if (typeof value === "number") return value;
    const m = parseRfc3339Micros(value);
    if (m === undefined) throw new Error(`unreadable timestamp from PostgreSQL: ${value}`);
    return m;
  },
  bytes: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
};

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

export type PostgresSettings = Config["database"];

/** Connection settings from FlyteAdmin's `database` section; `url` (tests) wins when given. */
export function poolConfig(settings: PostgresSettings, url?: string): pg.PoolConfig {
  const p = settings.postgres;
  const password = p.passwordPath ? readFileSync(p.passwordPath, "utf8").trim() : p.password;
  const base: pg.PoolConfig = url
    ? { connectionString: url }
    : { host: p.host, port: p.port, database: p.dbname, user: p.username, password };
  return {
    ...base,
    max: Math.max(1, settings.maxOpenConnections),
    idleTimeoutMillis: 30_000,
    // A call waits at most this long for a connection (a pool exhausted by a
    // stalled server, a host that drops packets) before it fails UNAVAILABLE.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    maxLifetimeSeconds: Math.max(
      0,
      Math.round(goDurationMs(settings.connMaxLifeTime, "database.connMaxLifeTime") / 1000),
    ),
    options: p.schema ? `-c TimeZone=UTC -c search_path=${p.schema}` : "-c TimeZone=UTC",
    types,
    ...parseOptions(p.options),
  };
}

const CONNECT_TIMEOUT_MS = 10_000;

/** FlyteAdmin's `options` string is libpq key=value pairs; `sslmode` and `connect_timeout` (seconds) are read. */
function parseOptions(options: string): Partial<pg.PoolConfig> {
  const out: Partial<pg.PoolConfig> = {};
  for (const pair of options.split(/\s+/).filter(Boolean)) {
    const [k, v] = pair.split("=");
    if (k === "sslmode") out.ssl = v === "disable" ? false : { rejectUnauthorized: v === "verify-full" };
    if (k === "connect_timeout" && Number(v) > 0) out.connectionTimeoutMillis = Number(v) * 1000;
  }
  return out;
}

/**
 * How `database.maxOpenConnections` is shared: reads (single statements)
 * run on a few connections, four per core, and queue here in arrival
 * order; transactions and inserts, which may hold their connection across
 * blob store I/O (CreateExecution's inputs, a workflow's closure) or wait
 * on the WAL, get the rest. With as many connections as requests in
 * flight, PostgreSQL's backends share the cores all at once and every
 * answer comes late; with few, the first ones come first. Measured with 32
 * calls in flight on 2 cores: 8 read connections answered GetExecution,
 * GetLaunchPlan, ListExecutions and ListTasks 10-19% faster than 100; 4 or
 * 16 did less well. Each worker process (`server.workers`) has as many: a
 * gRPC connection stays on one worker, so one busy worker is common (a
 * FlytePropeller has one connection), and idle pools open no connections.
 */
export function poolSizes(maxOpen: number): { statements: number; transactions: number } {
  // transactions: 0 means they share the statements' pool.
  const reads = 4 * availableParallelism();
  // One connection cannot be split: reads and transactions then share it.
  if (maxOpen < 2) return { statements: 1, transactions: 0 };
  const statements = Math.max(1, Math.min(reads, Math.floor(maxOpen / 2)));
  return { statements, transactions: maxOpen - statements };
}

/**
 * Opens a pool against PostgreSQL.
 *
 * @example
 * const store = openPostgres(config.database);
 */
export function openPostgres(settings: PostgresSettings, url?: string): StoreDialect {
  const config = poolConfig(settings, url);
  const sizes = poolSizes(config.max ?? 1);
  const open = (max: number) => {
    const pool = new pg.Pool({ ...config, max });
    // An idle connection cut by the server (restart, failover, idle kill) is
    // reported here after the pool has dropped it; without a listener Node
    // treats the 'error' event as fatal and the whole server exits.
    pool.on("error", () => {});
    return new Kysely<Schema>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
  };
  const kysely = open(sizes.statements);
  const transactions = sizes.transactions > 0 ? open(sizes.transactions) : kysely;
  return {
    name: "postgres",
    kysely,
    transactions,
    types: { id: "bigserial", bigint: "bigint", timestamp: "timestamptz", bytes: "bytea" },
    codec,
    rowLocks: true,
    isUniqueViolation: (err) => (err as { code?: unknown })?.code === "23505",
    close: async () => {
      await kysely.destroy();
      if (transactions !== kysely) await transactions.destroy();
    },
  };
}

/**
 * A pool whose clients run data queries as named (server-side prepared)
 * statements: PostgreSQL parses and plans each once per connection
 * (statement-names.ts), up to a bounded number per connection.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    connect: async () => {
      const client = await pool.connect();
      if (!prepared.has(client)) {
        const names = new Set<string>();
        prepared.set(client, names);
        // A connection cut while checked out but between queries (inside a
        // transaction, awaiting the next statement) emits 'error' on the
        // client: it is unusable (the pool discards it on release) and the
        // next query on it fails, but unhandled the event kills the process.
        client.on("error", () => {});
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
          const name = typeof text === "string" && Array.isArray(values) ? statementName(text) : undefined;
          if (name === undefined) return query(text, values);
          if (!names.has(name)) {
            if (names.size >= MAX_STATEMENTS_PER_CONNECTION) return query(text, values);
            names.add(name);
          }
          return query({ name, text, values });
        };
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
