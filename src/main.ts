#!/usr/bin/env node
import { create } from "@bufbuild/protobuf";
/**
 * The command line: `serve` (the default), `migrate` and `migrate seed-projects`,
 * as FlyteAdmin's `flyteadmin serve` / `flyteadmin migrate run|seed-projects`.
 */
import { Command } from "commander";
import { serveProcess } from "./cluster/index.js";
import { ConfigError, type LoadedConfig, loadConfig } from "./config/load.js";
import { createLogger } from "./observability/logger.js";
import { ProjectSchema } from "./proto/gen/flyteidl/admin/project_pb.js";
import { Database } from "./store/database.js";
import { ProjectRepository } from "./store/repositories/project-repository.js";

interface CommonOptions {
  config?: string[];
  dataDir?: string;
}

function load(opts: CommonOptions): LoadedConfig {
  return loadConfig({ files: opts.config ?? [], dataDir: opts.dataDir });
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file...>", "YAML configuration file(s), merged in order")
    .option("-d, --data-dir <dir>", "data directory of the embedded profile (SQLite file, local blobs)");
}

async function serve(opts: CommonOptions): Promise<void> {
  // One process, or `server.workers` processes on the same ports (src/cluster).
  await serveProcess(load(opts));
}

async function migrate(opts: CommonOptions): Promise<void> {
  const { config, dataDir } = load(opts);
  const logger = createLogger(config.logger);
  const db = Database.open(config, dataDir);
  try {
    const applied = await db.migrate();
    logger.info({ applied, dialect: db.dialect }, applied.length ? "migrations applied" : "database is up to date");
  } finally {
    await db.close();
  }
}

/** Inserts each project that is missing, named after its id, as FlyteAdmin's seed-projects does. */
async function seedProjects(ids: string[], opts: CommonOptions): Promise<void> {
  const { config, dataDir } = load(opts);
  const db = Database.open(config, dataDir);
  try {
    await db.migrate();
    const repo = new ProjectRepository(db);
    for (const id of ids) {
      if (await repo.get(id)) continue;
      await repo.create(create(ProjectSchema, { id, name: id, description: `${id} description` }));
    }
  } finally {
    await db.close();
  }
}

const program = new Command("flyteadmin-ts").description("FlyteAdmin, the Flyte control plane, in TypeScript");
withCommon(program.command("serve", { isDefault: true }).description("run the server")).action(serve);
const migrateCmd = withCommon(program.command("migrate").description("database migrations")).action(migrate);
withCommon(migrateCmd.command("run").description("apply pending migrations")).action(migrate);
withCommon(
  migrateCmd.command("seed-projects").description("create the named projects if missing").argument("<ids...>"),
).action(seedProjects);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
