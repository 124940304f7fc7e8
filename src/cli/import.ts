/**
 * `flyteadmin import --from postgres://...`: copies a Go FlyteAdmin database
 * into the configured one (ours), resumably; run it again to copy what is new.
 * The report (tables read and written, what could not be mapped) is logged and
 * printed as JSON.
 */
import type { Command } from "commander";
import { importFlyteAdmin } from "../import/importer.js";
import { Database } from "../store/database.js";
import { commandLogger, loadFromCommand } from "./options.js";

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("copy a Go FlyteAdmin (v1.16) PostgreSQL database into this one; resumable, run again for what is new")
    .requiredOption("--from <url>", "the FlyteAdmin database: postgres://user:password@host:port/dbname")
    .option("--batch-size <rows>", "rows per batch", (v: string) => Number.parseInt(v, 10), 500)
    .action(async (opts: { from: string; batchSize: number }, cmd: Command) => {
      const loaded = loadFromCommand(cmd);
      const logger = commandLogger(loaded).child({ component: "import" });
      const target = Database.open(loaded.config, loaded.dataDir);
      try {
        await target.migrate();
        const report = await importFlyteAdmin({ from: opts.from, target, logger, batchSize: opts.batchSize });
        process.stdout.write(`${JSON.stringify({ report }, null, 2)}\n`);
      } finally {
        await target.close();
      }
    });
}
