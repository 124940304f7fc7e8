/**
 * Copies a Go FlyteAdmin database into ours (`flyteadmin import --from URL`).
 *
 * Each table is copied in passes over the source in id order, in batches;
 * each batch is upserted by natural key in one transaction together with the
 * table's checkpoint, so a killed import resumes where it stopped. A row that
 * exists already is overwritten only when the source's is newer
 * (`updated_at`), so running the import again copies what is new or changed
 * since the last pass (the next pass reads rows updated since the last one
 * began, less a margin for transactions still open then), and leaves alone
 * rows our server changed later. References between rows go through natural
 * keys (see flyteadmin-tables.ts). What cannot be mapped is counted and
 * reported, never silently dropped.
 */
import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import { parseRfc3339Micros } from "../common/time.js";
import { scheduleName } from "../scheduler/identity.js";
import { decodeSnapshot, encodeSnapshot } from "../scheduler/snapshot.js";
import type { Database } from "../store/database.js";
import { ScheduleSnapshotRepository } from "../store/repositories/schedule-snapshot-repository.js";
import type { Schema } from "../store/schema.js";
import { CheckpointStore, type PassState } from "./checkpoints.js";
import { type ColumnKind, NATURAL_KEYS, NOT_COPIED, TABLES, type TableSpec } from "./flyteadmin-tables.js";
import { ReferenceResolver } from "./reference-resolver.js";
import { SourceDatabase, type SourceRow } from "./source-database.js";

export interface ImportOptions {
  /** The FlyteAdmin database, `postgres://user:password@host:port/dbname`. */
  readonly from: string;
  readonly target: Database;
  readonly logger: Logger;
  /** Rows per batch (default 500). */
  readonly batchSize?: number;
  /** How far before the previous pass's start the next pass looks (default 10 minutes). */
  readonly marginMs?: number;
}

export interface TableReport {
  /** Rows read from the source in this run. */
  read: number;
  /** Rows inserted or updated in the target. */
  written: number;
}

export interface ImportReport {
  readonly tables: Record<string, TableReport>;
  /** What could not be mapped, one line each (counts aggregated). */
  readonly unmapped: string[];
}

/**
 * Runs the import.
 *
 * @example
 * const report = await importFlyteAdmin({ from: "postgres://flyteadmin@db/flyteadmin", target: db, logger });
 */
export async function importFlyteAdmin(options: ImportOptions): Promise<ImportReport> {
  const source = new SourceDatabase(options.from);
  try {
    return await new Importer(options, source).run();
  } finally {
    await source.close();
  }
}

class Importer {
  readonly #o: ImportOptions;
  readonly #source: SourceDatabase;
  readonly #kysely: Kysely<Schema>;
  readonly #checkpoints: CheckpointStore;
  readonly #refs: ReferenceResolver;
  readonly #unmapped = new Map<string, number>();
  readonly #report: Record<string, TableReport> = {};
  readonly #batch: number;
  /** Schedule names of the active schedules copied in this run. */
  readonly #schedules = new Set<string>();

  constructor(options: ImportOptions, source: SourceDatabase) {
    this.#o = options;
    this.#source = source;
    this.#kysely = options.target.kysely;
    this.#checkpoints = new CheckpointStore(options.target, SourceDatabase.fingerprint(options.from));
    this.#refs = new ReferenceResolver(source, options.target, (m) => this.#note(m));
    this.#batch = options.batchSize ?? 500;
  }

  async run(): Promise<ImportReport> {
    await this.#checkpoints.ensure();
    const sourceTables = await this.#source.tables();
    const known = new Set(TABLES.map((t) => t.table));
    for (const name of sourceTables.keys()) {
      if (known.has(name)) continue;
      this.#note(`table ${name} not copied: ${NOT_COPIED[name] ?? "not a FlyteAdmin v1.16 table"}`);
    }
    for (const spec of TABLES) {
      const columns = sourceTables.get(spec.table);
      if (!columns) {
        this.#note(`table ${spec.table} is missing in the source: nothing copied`);
        continue;
      }
      for (const c of columns) {
        const mapped = c === "id" || c in spec.columns || spec.references?.some((r) => r.column === c);
        if (!mapped) this.#note(`column ${spec.table}.${c} not copied (not in FlyteAdmin v1.16's schema)`);
      }
      for (const c of Object.keys(spec.columns)) {
        if (!columns.has(c)) this.#note(`column ${spec.table}.${c} is missing in the source: default used`);
      }
      await this.#copyTable(spec, columns);
    }
    for (const spec of TABLES) {
      const columns = sourceTables.get(spec.table);
      for (const ref of spec.references ?? []) {
        if (ref.deferred && columns?.has(ref.column)) await this.#fixUp(spec, ref.column, ref.table);
      }
    }
    await this.#anchorSchedules();
    const unmapped = [...this.#unmapped].map(([m, n]) => (n > 1 ? `${m} (${n} times)` : m));
    this.#o.logger.info({ tables: this.#report, unmapped }, "import finished");
    return { tables: this.#report, unmapped };
  }

  /**
   * FlyteAdmin's scheduler snapshot (Go gob) is not copied, and our scheduler would make up every fire since a
   * schedule's activation. So the schedules copied now count as fired now: they continue from the switch.
   */
  async #anchorSchedules(): Promise<void> {
    if (this.#schedules.size === 0) return;
    const repo = new ScheduleSnapshotRepository(this.#o.target);
    const stored = await repo.read();
    const last = (stored && decodeSnapshot(stored)) || new Map<string, number>();
    const now = Date.now();
    for (const name of this.#schedules) if (!last.has(name)) last.set(name, now);
    await repo.write(encodeSnapshot(last));
  }

  #note(message: string): void {
    this.#unmapped.set(message, (this.#unmapped.get(message) ?? 0) + 1);
  }

  /** One pass over a table (resuming an unfinished one). */
  async #copyTable(spec: TableSpec, sourceColumns: Set<string>): Promise<void> {
    const report: TableReport = { read: 0, written: 0 };
    this.#report[spec.table] = report;
    const readColumns = [
      ...Object.keys(spec.columns),
      ...(spec.references ?? []).filter((r) => !r.deferred).map((r) => r.column),
    ].filter((c) => sourceColumns.has(c));
    await this.#pass(spec.table, async (state, save) => {
      const estimate = await this.#source.estimate(spec.table);
      for (;;) {
        const rows = await this.#source.batch(spec.table, readColumns, state.lastId, state.since, this.#batch);
        if (rows.length === 0) return;
        const values = await this.#rowsFor(spec, rows);
        if (spec.table === "schedulable_entities") {
          for (const r of rows) if (r.active === true) this.#schedules.add(scheduleName(r as unknown as ScheduleRow));
        }
        const lastId = (rows[rows.length - 1] as SourceRow).id;
        await this.#kysely.transaction().execute(async (trx) => {
          report.written += await this.#upsert(trx, spec, values);
          await save(trx, { ...state, lastId });
        });
        state.lastId = lastId;
        report.read += rows.length;
        this.#o.logger.info({ table: spec.table, read: report.read, of: estimate, lastId }, "importing");
      }
    });
  }

  /**
   * Runs `body` as a pass of checkpoint `name`: a new pass reads rows updated since the previous one began (less
   * the margin); an unfinished pass continues from its last id. `body` saves progress with each batch.
   */
  async #pass(
    name: string,
    body: (state: PassState, save: (trx: Kysely<Schema>, s: PassState) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    let state = await this.#checkpoints.load(name);
    if (!state.started) {
      state = { ...state, started: await this.#source.now(), lastId: 0, since: this.#sinceFor(state.completed) };
      await this.#checkpoints.save(this.#kysely, name, state);
    }
    await body(state, (trx, s) => this.#checkpoints.save(trx, name, s));
    await this.#checkpoints.save(this.#kysely, name, {
      lastId: 0,
      since: undefined,
      started: undefined,
      completed: state.started,
    });
  }

  #sinceFor(completed: string | undefined): string | undefined {
    if (!completed) return undefined;
    const m = micros(completed);
    if (m === undefined) return undefined;
    return new Date(Math.floor(m / 1000) - (this.#o.marginMs ?? 600_000)).toISOString();
  }

  /** Target column values of source rows, non-deferred references translated. */
  async #rowsFor(spec: TableSpec, rows: SourceRow[]): Promise<Array<Record<string, unknown>>> {
    const codec = this.#o.target.codec;
    const out = rows.map((row) => {
      const v: Record<string, unknown> = {};
      for (const [column, kind] of Object.entries(spec.columns)) {
        v[column] = convert(kind, row[column], () => fallbackTime(row, spec.timeFallbacks?.[column]), codec);
      }
      return v;
    });
    for (const ref of spec.references ?? []) {
      if (ref.deferred) continue;
      const ids = await this.#refs.resolve(
        ref.table,
        rows.map((r) => idOf(r[ref.column])),
      );
      rows.forEach((row, i) => {
        const old = idOf(row[ref.column]);
        const found = old === undefined ? undefined : ids.get(old);
        if (old !== undefined && found === undefined)
          this.#note(`${spec.table}.${ref.column}: referenced ${ref.table} row not found`);
        // Our launch_plans.workflow_id is NOT NULL; 0 stands for "not found" there, as for "none" in FlyteAdmin.
        (out[i] as Record<string, unknown>)[ref.column] = found ?? (spec.table === "launch_plans" ? 0 : null);
      });
    }
    return out;
  }

  /** Inserts or (when the source row is newer) updates by natural key; returns the rows written. */
  async #upsert(trx: Kysely<Schema>, spec: TableSpec, rows: Array<Record<string, unknown>>): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = Object.keys(rows[0] as object);
    const updates = columns.filter((c) => !spec.key.includes(c) && c !== "created_at");
    const table = sql.table(spec.table);
    const result = await sql<{ id: number }>`INSERT INTO ${table} (${sql.join(columns.map((c) => sql.ref(c)))})
      VALUES ${sql.join(rows.map((r) => sql`(${sql.join(columns.map((c) => r[c]))})`))}
      ON CONFLICT (${sql.join(spec.key.map((c) => sql.ref(c)))}) DO UPDATE SET
      ${sql.join(updates.map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`))}
      WHERE ${sql.ref(`${spec.table}.updated_at`)} < ${sql.ref("excluded.updated_at")}
      RETURNING id`.execute(trx);
    return result.rows.length;
  }

  /** Sets a deferred reference column on the rows whose source row has one. */
  async #fixUp(spec: TableSpec, column: string, refTable: string): Promise<void> {
    const key = NATURAL_KEYS[spec.table] ?? spec.key;
    await this.#pass(`${spec.table}.${column}`, async (state, save) => {
      for (;;) {
        const rows = await this.#source.batch(
          spec.table,
          [...key, column],
          state.lastId,
          state.since,
          this.#batch,
          `"${column}" > 0`,
        );
        if (rows.length === 0) return;
        const ids = await this.#refs.resolve(
          refTable,
          rows.map((r) => idOf(r[column])),
        );
        const lastId = (rows[rows.length - 1] as SourceRow).id;
        await this.#kysely.transaction().execute(async (trx) => {
          for (const row of rows) {
            const found = ids.get(idOf(row[column]) ?? 0);
            if (found === undefined) {
              this.#note(`${spec.table}.${column}: referenced ${refTable} row not found`);
              continue;
            }
            const where = sql.join(
              key.map((k) => sql`${sql.ref(k)} = ${row[k] as string | number}`),
              sql` AND `,
            );
            await sql`UPDATE ${sql.table(spec.table)} SET ${sql.ref(column)} = ${found} WHERE ${where}`.execute(trx);
          }
          await save(trx, { ...state, lastId });
        });
        state.lastId = lastId;
        this.#o.logger.info({ table: spec.table, column, lastId }, "importing references");
      }
    });
  }
}

type ScheduleRow = { project: string; domain: string; name: string; version: string };

/** FlyteAdmin's 0 (or NULL) means no reference. */
function idOf(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : v == null ? 0 : Number(v);
  return n > 0 ? n : undefined;
}

function micros(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  return parseRfc3339Micros(text.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00"));
}

function fallbackTime(row: SourceRow, fallback: string | undefined): number {
  return (
    (fallback ? micros(row[fallback]) : undefined) ??
    micros(row.created_at) ??
    micros(row.updated_at) ??
    Date.now() * 1000
  );
}

function convert(kind: ColumnKind, value: unknown, fallback: () => number, codec: Database["codec"]): unknown {
  switch (kind) {
    case "text":
      return value == null ? "" : String(value);
    case "textNull":
      return value == null ? null : String(value);
    case "int":
      return value == null ? 0 : Number(value);
    case "intNull":
      return value == null ? null : Number(value);
    case "bool":
      return value === true || value === 1 ? 1 : 0;
    case "time":
      return codec.time(micros(value) ?? fallback());
    case "timeNull": {
      const m = micros(value);
      return m === undefined ? null : codec.time(m);
    }
    case "bytes":
      return codec.bytes(value instanceof Uint8Array ? value : new Uint8Array());
    case "bytesNull":
      return value instanceof Uint8Array ? codec.bytes(value) : null;
  }
}
