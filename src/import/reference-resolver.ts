/**
 * Translates FlyteAdmin row ids into ours: the source row's natural key is
 * read by id, and our row with that key gives the id. Ids of registered
 * entities (tasks, workflows, launch plans) are cached; execution rows are
 * too many to keep.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../store/database.js";
import type { Schema } from "../store/schema.js";
import { NATURAL_KEYS } from "./flyteadmin-tables.js";
import type { SourceDatabase } from "./source-database.js";

const CACHED = new Set(["tasks", "workflows", "launch_plans"]);
const CACHE_LIMIT = 100_000;
const LOOKUP_CHUNK = 100;

export class ReferenceResolver {
  readonly #source: SourceDatabase;
  readonly #kysely: Kysely<Schema>;
  readonly #cache = new Map<string, Map<number, number>>();
  readonly #note: (message: string) => void;

  constructor(source: SourceDatabase, target: Database, note: (message: string) => void) {
    this.#source = source;
    this.#kysely = target.kysely;
    this.#note = note;
  }

  /** Our ids of the source ids given (absent ones are left out); undefined entries are ignored. */
  async resolve(table: string, sourceIds: ReadonlyArray<number | undefined>): Promise<Map<number, number>> {
    const key = NATURAL_KEYS[table];
    if (!key) throw new Error(`no natural key for ${table}`);
    const cache = CACHED.has(table) ? (this.#cache.get(table) ?? new Map<number, number>()) : undefined;
    if (cache) this.#cache.set(table, cache);
    const out = new Map<number, number>();
    const wanted = [...new Set(sourceIds.filter((id): id is number => id !== undefined))];
    const missing = wanted.filter((id) => {
      const hit = cache?.get(id);
      if (hit !== undefined) out.set(id, hit);
      return hit === undefined;
    });
    const sourceRows = await this.#source.keysById(table, key, missing);
    if (sourceRows.length < missing.length) {
      for (let i = sourceRows.length; i < missing.length; i++)
        this.#note(`${table}: a referenced id is not in the source`);
    }
    for (let i = 0; i < sourceRows.length; i += LOOKUP_CHUNK) {
      const chunk = sourceRows.slice(i, i + LOOKUP_CHUNK);
      const keyText = (r: Record<string, unknown>) => key.map((k) => String(r[k])).join("\u0000");
      const byKey = new Map(chunk.map((r) => [keyText(r), r.id]));
      const match = sql.join(
        chunk.map(
          (r) =>
            sql`(${sql.join(
              key.map((k) => sql`${sql.ref(k)} = ${r[k] as string | number}`),
              sql` AND `,
            )})`,
        ),
        sql` OR `,
      );
      const { rows } = await sql<Record<string, unknown> & { id: number }>`SELECT id, ${sql.join(
        key.map((k) => sql.ref(k)),
      )} FROM ${sql.table(table)} WHERE ${match}`.execute(this.#kysely);
      for (const row of rows) {
        const sourceId = byKey.get(keyText(row));
        if (sourceId === undefined) continue;
        out.set(sourceId, Number(row.id));
        if (cache) {
          if (cache.size >= CACHE_LIMIT) cache.clear();
          cache.set(sourceId, Number(row.id));
        }
      }
    }
    return out;
  }
}
