/** The `projects` table. */
import { type SqlBool, sql, type Updateable } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Project } from "../../proto/gen/flyteidl/admin/project_pb.js";
import type { Database } from "../database.js";
import { allFiltersSql, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import { insertRows } from "../postgres/array-writes.js";
import { PreparedQuery, placeholders } from "../prepared-query.js";
import type { ProjectsTable } from "../schema.js";
import { type Together, together } from "../together.js";
import { type ProjectRow, projectColumns } from "./project-mapper.js";
import { pageVersions, type RowPage, type Versioned, versionedRowsByIds } from "./row-versions.js";

/** A project row to insert. */
type ProjectInsert = ReturnType<typeof projectColumns> & { created_at: unknown; updated_at: unknown };

export interface ProjectChanges {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly labelsFrom?: Project | undefined;
  readonly state: number;
}

export interface ProjectListQuery {
  readonly filters: readonly Filter[];
  readonly sort: SortOrder;
  /** 0 means no limit (ListProjects' own rule). */
  readonly limit: number;
  readonly offset: number;
}

/**
 * Stores projects.
 *
 * @example
 * const repo = new ProjectRepository(db);
 * await repo.create(project);
 * const row = await repo.get("flytesnacks");
 */
export class ProjectRepository {
  readonly #db: Database;
  /** The insert, compiled once (every call passes the same columns). */
  readonly #insert = new PreparedQuery((db, arg, first) =>
    db.insertInto("projects").values(placeholders(arg, first) as never),
  );
  /** The read by id, compiled once: every registration and launch checks its project. */
  readonly #byId = new PreparedQuery((db, arg) =>
    db.selectFrom("projects").selectAll().where("identifier", "=", arg<string>("identifier")),
  );

  /** PostgreSQL: reads by id that arrive together, as one statement (every registration and launch checks its project). */
  readonly #together: Together<string, ProjectRow>;
  readonly #byIds = new PreparedQuery((db, arg) =>
    db
      .selectFrom("projects")
      .selectAll()
      .where(sql<SqlBool>`identifier = any(${arg("identifiers")}::text[])`),
  );

  /**
   * PostgreSQL: registrations that arrive together, as one INSERT of all
   * their rows that skips taken identifiers; `true` for a row it wrote.
   */
  readonly #insertsTogether: Together<ProjectInsert, boolean>;
  constructor(db: Database) {
    this.#db = db;
    this.#insertsTogether = together(
      (rows) => this.#insertRows(rows),
      // Alone: the caller's own INSERT, which reports a taken identifier in PostgreSQL's words.
      async () => false,
    );
    this.#together = together(
      async (identifiers) => {
        const rows = await this.#byIds.execute(this.#db.kysely, { identifiers });
        const byId = new Map(rows.map((r) => [r.identifier, r]));
        return identifiers.map((id) => byId.get(id));
      },
      (identifier) => this.#byId.first(this.#db.kysely, { identifier }),
    );
  }

  /** Inserts a project; ALREADY_EXISTS when the id is taken. */
  async create(p: Project): Promise<void> {
    const now = this.#db.codec.time(nowMicros());
    const row: ProjectInsert = { ...projectColumns(p, this.#db.codec), created_at: now, updated_at: now };
    if (this.#db.dialect === "postgres" && (await this.#insertsTogether.load(row))) return;
    await this.#db.insertUnique(() => this.#insert.execute(this.#db.writer, row));
  }

  /**
   * Which of `rows` one INSERT wrote. A row it skipped (its identifier
   * taken), a row whose identifier an earlier row of the batch has (left out
   * of the INSERT), or a batch that failed as a whole (any row's error)
   * answers false: that caller runs its own INSERT, and gets its own answer.
   */
  async #insertRows(rows: readonly ProjectInsert[]): Promise<boolean[]> {
    const byIdentifier = new Map<string, ProjectInsert>();
    for (const r of rows) if (!byIdentifier.has(r.identifier)) byIdentifier.set(r.identifier, r);
    const firsts = [...byIdentifier.values()];
    let written: unknown[];
    try {
      written = await insertRows(this.#db.writer, this.#db.kysely, "projects", firsts, {
        skipTaken: true,
        returning: "identifier",
      });
    } catch {
      return rows.map(() => false);
    }
    const inserted = new Set(written);
    return rows.map((r) => byIdentifier.get(r.identifier) === r && inserted.has(r.identifier));
  }

  async get(identifier: string): Promise<ProjectRow | undefined> {
    return this.#db.dialect === "postgres"
      ? this.#together.load(identifier)
      : this.#byId.first(this.#db.kysely, { identifier });
  }

  /** Writes the given fields of an existing project; `labelsFrom` re-serializes the whole message, as FlyteAdmin does. */
  async update(identifier: string, changes: ProjectChanges): Promise<void> {
    const set: Updateable<ProjectsTable> = { state: changes.state, updated_at: this.#db.codec.time(nowMicros()) };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.labelsFrom) set.labels = projectColumns(changes.labelsFrom, this.#db.codec).labels;
    await this.#db.kysely.updateTable("projects").set(set).where("identifier", "=", identifier).execute();
  }

  async list(q: ProjectListQuery): Promise<ProjectRow[]> {
    return this.#page(q).selectAll().execute();
  }

  /** The page's ids and row versions (PostgreSQL, see row-versions.ts); undefined on SQLite. */
  listVersions(q: ProjectListQuery): Promise<RowPage | undefined> {
    return pageVersions(this.#db, "projects", this.#page(q) as never);
  }

  /** Whole rows by id with their versions. */
  getVersionedByIds(ids: readonly number[]): Promise<Versioned<ProjectRow>[]> {
    return versionedRowsByIds(this.#db, "projects", ids);
  }

  /** The filtered, ordered page, columns not yet chosen. */
  #page(q: ProjectListQuery) {
    let query = this.#db.kysely.selectFrom("projects");
    const where = allFiltersSql(q.filters, tableColumn, this.#db.codec);
    if (where) query = query.where(where);
    query = query.orderBy(`projects.${q.sort.column}` as "projects.identifier", q.sort.direction);
    if (q.limit > 0) query = query.limit(q.limit);
    if (q.offset > 0)
      query = q.limit > 0 ? query.offset(q.offset) : query.limit(Number.MAX_SAFE_INTEGER).offset(q.offset);
    return query;
  }
}
