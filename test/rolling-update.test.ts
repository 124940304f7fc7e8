/**
 * A rolling update: several replicas on one database, started at once (each
 * migrates at start; the migrator's lock lets one apply and the others find
 * the schema up to date), and a release's migration applied while replicas
 * keep serving reads and writes (migrations only add: see
 * src/store/migrations/migration-rules.test.ts). On both databases.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfig } from "../src/config/load.js";
import { Database } from "../src/store/database.js";
import { createTestPgDatabase } from "./support/postgres.js";
import { startTestServer, testDialects } from "./support/server.js";

for (const dialect of testDialects()) {
  describe(`rolling update [${dialect}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-rolling-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test("replicas start together on one database and keep serving while a migration runs", async () => {
      const database =
        dialect === "postgres" ? await createTestPgDatabase("rolling") : { sqlite: { file: join(dir, "shared.db") } };
      const replicas = await Promise.all([0, 1, 2].map(() => startTestServer("sqlite", { database })));
      try {
        const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
        const { config } = loadConfig({ dataDir: dir, overrides: { database } });
        const migrator = Database.open(config, dir);
        let stop = false;
        const served: string[] = [];
        const load = (async () => {
          for (let i = 0; !stop; i++) {
            const id = `p${i}`;
            await a.admin.registerProject({ project: { id, name: id } });
            await b.admin.listTasks({ id: { project: id, domain: "development", name: "t" }, limit: 1 });
            served.push(id);
          }
        })();
        try {
          // The last release step undone and applied again, twice, while the replicas serve.
          for (let round = 0; round < 2; round++) {
            assert.ok(await migrator.rollback(), "a migration was undone");
            assert.equal((await migrator.migrate()).length, 1, "and applied again");
          }
        } finally {
          stop = true;
          await load;
          await migrator.close();
        }
        assert.ok(served.length > 0, "requests were served during the migrations");
        const listed = await b.admin.listProjects({ limit: 10_000 });
        const ids = new Set(listed.projects.map((p) => p.id));
        assert.ok(
          served.every((id) => ids.has(id)),
          "every write is visible to the other replica",
        );
      } finally {
        for (const r of replicas) await r.close();
      }
    });
  });
}
