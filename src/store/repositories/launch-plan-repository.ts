/**
 * The `launch_plans` table, and the one-active-version-per-name rule: state
 * changes and the schedules they drive happen in one transaction that holds
 * a per-name lock, so concurrent activations of two versions cannot leave
 * both active.
 */
import { type Insertable, sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import { LaunchPlanState } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Database, Executor } from "../database.js";
import type { LaunchPlansTable } from "../schema.js";
import type { LaunchPlanRow } from "./launch-plan-mapper.js";
import { RowVersionReads } from "./row-versions.js";
import type { SchedulableEntity, SchedulableEntityRepository } from "./schedulable-entity-repository.js";
import {
  insertAllOnce,
  keyCondition,
  type ListPage,
  type NameKey,
  pageOf,
  VersionedEntityRepository,
  type VersionKey,
} from "./versioned-entities.js";

/** The schedule changes an activation makes: schedules to switch off, and the one to switch on. */
export interface ActivationPlan {
  readonly schedulesOff: readonly VersionKey[];
  readonly scheduleOn?: SchedulableEntity | undefined;
}

/**
 * Stores launch plans.
 *
 * @example
 * const repo = new LaunchPlanRepository(db, new SchedulableEntityRepository(db.codec));
 * const row = await repo.get({ project: "p", domain: "d", name: "lp", version: "v1" });
 */
export class LaunchPlanRepository extends VersionedEntityRepository<"launch_plans"> {
  readonly #schedules: SchedulableEntityRepository;

  /** PostgreSQL: a row's version alone, or the row with its version, by key (GetLaunchPlan). */
  readonly versions: RowVersionReads<LaunchPlanRow>;

  constructor(db: Database, schedules: SchedulableEntityRepository) {
    super(db, "launch_plans");
    this.#schedules = schedules;
    this.versions = new RowVersionReads(db, "launch_plans", {
      project: "project",
      domain: "domain",
      name: "name",
      version: "version",
    });
  }

  /** Inserts a launch plan; `false` when the key is taken. */
  async create(row: Insertable<LaunchPlansTable>): Promise<boolean> {
    return insertAllOnce(this.db, [{ table: "launch_plans", row }]);
  }

  /** A page of launch plans joined with their workflows (for filters on `workflow.*`). */
  async listWithWorkflows(page: ListPage): Promise<LaunchPlanRow[]> {
    const query = this.db.kysely
      .selectFrom("launch_plans")
      .innerJoin("workflows", "workflows.id", "launch_plans.workflow_id")
      .selectAll("launch_plans");
    return pageOf(this.db, query, "launch_plans", page).execute();
  }

  /** The active version of a name, if any. */
  async findActive(name: NameKey): Promise<LaunchPlanRow | undefined> {
    return this.#activeOf(this.db.kysely, name).orderBy("id").executeTakeFirst();
  }

  /**
   * Makes `key` the active version of its name. `plan` sees the target row and
   * the formerly active rows and says which schedules change; it may throw to
   * abort. Activation leaves `updated_at` alone, as FlyteAdmin's column update
   * does. `false` when the version does not exist.
   */
  async activate(
    key: VersionKey,
    plan: (target: LaunchPlanRow, formerlyActive: LaunchPlanRow[]) => ActivationPlan,
  ): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      await this.#lockName(trx, key);
      const target = await this.byKey(trx, key);
      if (!target) return false;
      const formerlyActive = await this.#activeOf(trx, key).execute();
      const changes = plan(target, formerlyActive);
      for (const off of changes.schedulesOff) await this.#schedules.deactivate(trx, off);
      if (changes.scheduleOn) await this.#schedules.activate(trx, changes.scheduleOn);
      const former = formerlyActive.map((r) => r.id);
      if (former.length > 0) {
        await trx
          .updateTable("launch_plans")
          .set({ state: LaunchPlanState.INACTIVE })
          .where("id", "in", former)
          .execute();
      }
      await trx
        .updateTable("launch_plans")
        .set({ state: LaunchPlanState.ACTIVE })
        .where("id", "=", target.id)
        .execute();
      return true;
    });
  }

  /**
   * Makes `key` inactive (idempotent), switching off the schedule `scheduleOff`
   * names; bumps `updated_at`. `false` when the version does not exist.
   */
  async deactivate(key: VersionKey, scheduleOff: (row: LaunchPlanRow) => VersionKey | undefined): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      await this.#lockName(trx, key);
      const row = await this.byKey(trx, key);
      if (!row) return false;
      const off = scheduleOff(row);
      if (off) await this.#schedules.deactivate(trx, off);
      await trx
        .updateTable("launch_plans")
        .set({ state: LaunchPlanState.INACTIVE, updated_at: this.db.codec.time(nowMicros()) })
        .where(keyCondition("launch_plans", key))
        .execute();
      return true;
    });
  }

  #activeOf(ex: Executor, name: NameKey) {
    return ex
      .selectFrom("launch_plans")
      .selectAll()
      .where("project", "=", name.project)
      .where("domain", "=", name.domain)
      .where("name", "=", name.name)
      .where("state", "=", LaunchPlanState.ACTIVE);
  }

  /** Serialises state changes of one name. SQLite serialises every writer already. */
  async #lockName(trx: Executor, name: NameKey): Promise<void> {
    if (!this.db.rowLocks) return;
    const key = `launch_plans:${name.project}/${name.domain}/${name.name}`;
    await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
  }

  /** Active versions of a project and domain, paged. */
  async listActive(project: string, domain: string, page: Omit<ListPage, "filters">): Promise<LaunchPlanRow[]> {
    const query = this.db.kysely
      .selectFrom("launch_plans")
      .selectAll()
      .where("project", "=", project)
      .where("domain", "=", domain)
      .where("state", "=", LaunchPlanState.ACTIVE);
    return pageOf(this.db, query, "launch_plans", { ...page, filters: [] }).execute();
  }
}
