/**
 * `flyteadmin migrate run|rollback|seed-projects`, as the charts' init
 * containers call them. `migrate` alone runs the migrations (our older form).
 */
import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { ProjectSchema } from "../proto/gen/flyteidl/admin/project_pb.js";
import { Database } from "../store/database.js";
import { ProjectRepository } from "../store/repositories/project-repository.js";
import { commandLogger, loadFromCommand } from "./options.js";

async function run(_opts: unknown, cmd: Command): Promise<void> {
  const loaded = loadFromCommand(cmd);
  const logger = commandLogger(loaded);
  const db = Database.open(loaded.config, loaded.dataDir);
  try {
    const applied = await db.migrate();
    logger.info({ applied, dialect: db.dialect }, applied.length ? "migrations applied" : "database is up to date");
  } finally {
    await db.close();
  }
}

async function rollback(_opts: unknown, cmd: Command): Promise<void> {
  const loaded = loadFromCommand(cmd);
  const logger = commandLogger(loaded);
  const db = Database.open(loaded.config, loaded.dataDir);
  try {
    const undone = await db.rollback();
    logger.info({ undone, dialect: db.dialect }, undone ? "migration rolled back" : "no migration to roll back");
  } finally {
    await db.close();
  }
}

/** Inserts each named project that is missing (name = id, "<id> description"), as FlyteAdmin's seed-projects. */
async function seedProjects(names: string[], _opts: unknown, cmd: Command): Promise<void> {
  const loaded = loadFromCommand(cmd);
  const logger = commandLogger(loaded);
  const db = Database.open(loaded.config, loaded.dataDir);
  try {
    await db.migrate();
    const repo = new ProjectRepository(db);
    const created: string[] = [];
    for (const id of new Set(names)) {
      if (await repo.get(id)) continue;
      await repo.create(create(ProjectSchema, { id, name: id, description: `${id} description` }));
      created.push(id);
    }
    logger.info({ created }, "projects seeded");
  } finally {
    await db.close();
  }
}

export function registerMigrate(program: Command): void {
  const migrate = program
    .command("migrate")
    .description("database migrations; alone, the same as `migrate run`")
    .action(run);
  migrate.command("run").description("apply every pending migration").action(run);
  migrate.command("rollback").description("undo the last applied migration").action(rollback);
  migrate
    .command("seed-projects")
    .description("create the named projects if they are missing")
    .argument("<names...>", "project ids")
    .action(seedProjects);
}
