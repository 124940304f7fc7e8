/** The `resources` table: matchable attributes at project, project-domain, workflow and launch plan level. */
import { sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
import { PreparedQuery } from "../prepared-query.js";
import { inKeyOrder, type Together, together } from "../together.js";
import type { ResourceKey, ResourceRow } from "./resource-mapper.js";

/**
 * Stores matchable attributes.
 *
 * @example
 * const repo = new ResourceRepository(db);
 * await repo.upsert(db.kysely, key, 10, bytes);
 * const row = await repo.mostSpecific({ project: "p", domain: "d", workflow: "", launchPlan: "", resourceType: "TASK_RESOURCE" });
 */
export class ResourceRepository {
  readonly #db: Database;
  /**
   * `field IN ('', value)`: a stored "" matches any value, and a wanted ""
   * only a stored "" (the list is then ('', '')). One statement shape for
   * every key, compiled once.
   */
  readonly #mostSpecific = new PreparedQuery((db, arg) =>
    db
      .selectFrom("resources")
      .selectAll()
      .where("resource_type", "=", arg<string>("resourceType"))
      .where("domain", "in", ["", arg<string>("domain")])
      .where("project", "in", ["", arg<string>("project")])
      .where("workflow", "in", ["", arg<string>("workflow")])
      .where("launch_plan", "in", ["", arg<string>("launchPlan")])
      .orderBy("priority", "desc")
      .limit(1),
  );
  /** The same for many keys at once: each key's row by a lateral subquery, with the key's position. */
  readonly #mostSpecificOfAll = new PreparedQuery((db, arg) => {
    const query = sql<
      ResourceRow & { key_index: string }
    >`select k.i as key_index, r.* from unnest(${arg("resourceType")}::text[], ${arg("domain")}::text[], ${arg("project")}::text[], ${arg("workflow")}::text[], ${arg("launchPlan")}::text[]) with ordinality as k(t, d, p, w, l, i) cross join lateral (select * from resources where resource_type = k.t and domain in ('', k.d) and project in ('', k.p) and workflow in ('', k.w) and launch_plan in ('', k.l) order by priority desc limit 1) r`;
    return { compile: () => query.compile(db) };
  });
  /** PostgreSQL: lookups that arrive together (every CreateTask makes one), as one statement. */
  readonly #together: Together<ResourceKey, ResourceRow>;

  constructor(db: Database) {
    this.#db = db;
    this.#together = together(
      async (keys) => {
        const field = (f: keyof ResourceKey) => keys.map((k) => k[f]);
        const rows = await this.#mostSpecificOfAll.execute(this.#db.kysely, {
          resourceType: field("resourceType"),
          domain: field("domain"),
          project: field("project"),
          workflow: field("workflow"),
          launchPlan: field("launchPlan"),
        });
        return inKeyOrder(keys.length, rows);
      },
      (key) => this.#mostSpecific.first(this.#db.kysely, { ...key }),
    );
  }

  /** Creates the row of `key` or overwrites its priority and attributes. */
  async upsert(ex: Executor, key: ResourceKey, priority: number, attributes: Uint8Array): Promise<void> {
    const now = this.#db.codec.time(nowMicros());
    const bytes = this.#db.codec.bytes(attributes);
    await ex
      .insertInto("resources")
      .values({
        project: key.project,
        domain: key.domain,
        workflow: key.workflow,
        launch_plan: key.launchPlan,
        resource_type: key.resourceType,
        priority,
        attributes: bytes,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(["project", "domain", "workflow", "launch_plan", "resource_type"])
          .doUpdateSet({ priority, attributes: bytes, updated_at: now }),
      )
      .execute();
  }

  /** The row of exactly `key`; `lock` locks it for a read-modify-write where the database can (PostgreSQL). */
  async exact(key: ResourceKey, ex: Executor = this.#db.kysely, lock = false): Promise<ResourceRow | undefined> {
    let q = ex
      .selectFrom("resources")
      .selectAll()
      .where("project", "=", key.project)
      .where("domain", "=", key.domain)
      .where("workflow", "=", key.workflow)
      .where("launch_plan", "=", key.launchPlan)
      .where("resource_type", "=", key.resourceType);
    if (lock && this.#db.rowLocks) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /**
   * The most specific row for `key`: each non-empty field matches its value
   * or "", and the highest priority wins (launch plan > workflow >
   * project-domain > project).
   */
  async mostSpecific(key: ResourceKey): Promise<ResourceRow | undefined> {
    return this.#db.dialect === "postgres"
      ? this.#together.load(key)
      : this.#mostSpecific.first(this.#db.kysely, { ...key });
  }

  /**
   * Every row that can match a lookup in `project` (its own and those with
   * no project), of the given types, most specific first: several lookups
   * answered from one read (see mostSpecificOf).
   */
  async candidates(project: string, resourceTypes: readonly string[]): Promise<ResourceRow[]> {
    return this.#db.kysely
      .selectFrom("resources")
      .selectAll()
      .where("project", "in", ["", project])
      .where("resource_type", "in", [...resourceTypes])
      .orderBy("priority", "desc")
      .orderBy("id", "asc")
      .execute();
  }

  /** Deletes every row matching the non-empty fields of `key` (FlyteAdmin's delete: empty fields are not conditions). */
  async delete(key: ResourceKey): Promise<void> {
    let q = this.#db.kysely.deleteFrom("resources").where("resource_type", "=", key.resourceType);
    if (key.project !== "") q = q.where("project", "=", key.project);
    if (key.domain !== "") q = q.where("domain", "=", key.domain);
    if (key.workflow !== "") q = q.where("workflow", "=", key.workflow);
    if (key.launchPlan !== "") q = q.where("launch_plan", "=", key.launchPlan);
    await q.execute();
  }

  /** Every row of a type, most specific first. */
  async listAll(resourceType: string): Promise<ResourceRow[]> {
    return this.#db.kysely
      .selectFrom("resources")
      .selectAll()
      .where("resource_type", "=", resourceType)
      .orderBy("priority", "desc")
      .orderBy("id", "asc")
      .execute();
  }
}

/**
 * What `mostSpecific` answers, from rows read by `candidates` (ordered most
 * specific first): each non-empty field of `key` matches its value or "".
 */
export function mostSpecificOf(rows: readonly ResourceRow[], key: ResourceKey): ResourceRow | undefined {
  const matches = (stored: string, wanted: string) => stored === "" || stored === wanted;
  return rows.find(
    (r) =>
      r.resource_type === key.resourceType &&
      matches(r.domain, key.domain) &&
      matches(r.project, key.project) &&
      matches(r.workflow, key.workflow) &&
      matches(r.launch_plan, key.launchPlan),
  );
}
