/**
 * Queries built and compiled once. Kysely rebuilds and recompiles a query on
 * every call, which on the event hot path costs several times what SQLite
 * takes to run it. A prepared query runs its builder once with named
 * placeholders, keeps the SQL, and afterwards only binds values.
 */
import { type Compilable, CompiledQuery, type Kysely } from "kysely";
import type { Executor } from "./database.js";
import type { Schema } from "./schema.js";
import { registerStatement } from "./statement-names.js";

/** A placeholder the builder embeds where a value goes; replaced by the named argument at each call. */
class Placeholder {
  constructor(readonly name: string) {}
}

type Arg = <T = unknown>(name: string) => T;
type Builder<R> = (db: Kysely<Schema>, arg: Arg, first: Readonly<Record<string, unknown>>) => Compilable<R>;

/**
 * A query whose shape does not depend on its values: the builder may use
 * `arg(name)` wherever Kysely takes a value (comparisons, inserted or updated
 * columns), never to choose the query's shape. It also gets the first call's
 * arguments, to take a column list from their keys (every call must then
 * pass the same keys).
 *
 * @example
 * const byName = new PreparedQuery((db, arg) =>
 *   db.selectFrom("projects").selectAll().where("identifier", "=", arg<string>("id")),
 * );
 * const rows = await byName.execute(db.kysely, { id: "flytesnacks" });
 */
export class PreparedQuery<R> {
  readonly #build: Builder<R>;
  #sql: string | undefined;
  #slots: readonly unknown[] = [];

  constructor(build: Builder<R>) {
    this.#build = build;
  }

  /** Runs the query with `args` bound to its placeholders; the rows it returns. */
  async execute(ex: Executor, args: Readonly<Record<string, unknown>>): Promise<R[]> {
    if (this.#sql === undefined) {
      const compiled = this.#build(ex, (name) => new Placeholder(name) as never, args).compile();
      this.#slots = compiled.parameters;
      this.#sql = compiled.sql;
      registerStatement(compiled.sql);
    }
    const parameters = this.#slots.map((p) => {
      if (!(p instanceof Placeholder)) return p;
      const value = args[p.name];
      if (value === undefined) throw new Error(`prepared query: no value for ${p.name}`);
      return value;
    });
    const result = await ex.executeQuery<R>(CompiledQuery.raw(this.#sql, parameters));
    return result.rows;
  }

  async first(ex: Executor, args: Readonly<Record<string, unknown>>): Promise<R | undefined> {
    return (await this.execute(ex, args))[0];
  }
}

/** Placeholders for every key of a column record, e.g. for `.values(...)` or `.set(...)`. */
export function placeholders(arg: Arg, record: Readonly<Record<string, unknown>>): Record<string, never> {
  return Object.fromEntries(Object.keys(record).map((k) => [k, arg(k)])) as Record<string, never>;
}
