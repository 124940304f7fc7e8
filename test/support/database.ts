/**
 * A bare, migrated database of either dialect for repository tests: a SQLite
 * file in a temp dir, or a fresh database in the run's PostgreSQL cluster.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { Database } from "../../src/store/database.js";
import { createTestPgDatabase } from "./postgres.js";
import { type DialectName, testDialects } from "./server.js";

/** Opens and migrates a new database; `close` drops the SQLite file (PostgreSQL databases go with the cluster). */
export async function openTestDatabase(dialect: DialectName): Promise<{ db: Database; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "flyteadmin-db-"));
  let overrides: Record<string, unknown> = { database: { sqlite: { file: join(dataDir, "test.db") } } };
  if (dialect === "postgres") {
    overrides = { database: { ...(await createTestPgDatabase("r")), maxOpenConnections: 30 } };
  }
  const { config } = loadConfig({ dataDir, overrides });
  const db = Database.open(config, dataDir);
  await db.migrate();
  return {
    db,
    async close() {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Declares a suite once per database with a bare migrated Database. */
export function describeEachDatabaseStore(title: string, body: (db: () => Database) => void): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
      before(async () => {
        opened = await openTestDatabase(dialect);
      });
      after(async () => {
        await opened?.close();
      });
      body(() => {
        if (!opened) throw new Error("database not opened");
        return opened.db;
      });
    });
  }
}
