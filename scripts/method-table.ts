/**
 * Prints (or, with --write, updates in README.md) the table of every RPC of
 * the served services with its HTTP route and whether this build serves it,
 * derived from the descriptors and the handler table.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { authOffMetadata } from "../src/auth/auth-stack.js";
import { openDataStore } from "../src/blob/open-store.js";
import { loadConfig } from "../src/config/load.js";
import { createManagers } from "../src/managers/index.js";
import { servedServices } from "../src/proto/registry.js";
import { handlerTable } from "../src/services/index.js";
import { Database } from "../src/store/database.js";
import { gatewayRoutes } from "../src/transport/http/routes.js";

const BEGIN = "<!-- methods:begin -->";
const END = "<!-- methods:end -->";

/** Which open issue will serve a method this build does not serve yet. */
const PLANNED: Readonly<Record<string, string>> = {
  AdminService: "issue 4 (registration) or 5 (executions)",
  DataProxyService: "issue 4/5",
  SignalService: "issue 5",
  AuthMetadataService: "issue 6",
  IdentityService: "issue 6",
};

/** The markdown table for the current build. */
export async function methodTable(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "flyteadmin-methods-"));
  const loaded = loadConfig({ dataDir });
  const database = Database.open(loaded.config, dataDir);
  try {
    await database.migrate();
    const managers = createManagers({
      config: loaded.config,
      database,
      blobs: await openDataStore(loaded.config, dataDir),
      logger: pino({ level: "silent" }),
    });
    const table = handlerTable(managers, authOffMetadata(loaded.config));
    const routes = gatewayRoutes(servedServices);
    const lines = ["| service | method | HTTP | state |", "|---|---|---|---|"];
    let served = 0;
    let total = 0;
    for (const s of servedServices) {
      for (const m of s.methods) {
        total++;
        const http = routes
          .filter((r) => r.method === m)
          .map((r) => `\`${r.verb} ${r.template}\``)
          .join("<br>");
        const has = table.get(s.typeName)?.[m.localName] !== undefined;
        if (has) served++;
        lines.push(
          `| ${s.name} | ${m.name} | ${http || "gRPC only"} | ${has ? "served" : `not yet: ${PLANNED[s.name]}`} |`,
        );
      }
    }
    lines.push("", `${served} of ${total} methods served.`);
    return lines.join("\n");
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** README.md with its method table replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} ... ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const table = await methodTable();
  if (process.argv.includes("--write")) {
    const file = resolve(import.meta.dirname, "../README.md");
    writeFileSync(file, withTable(readFileSync(file, "utf8"), table));
    console.log("README.md method table updated");
  } else {
    console.log(table);
  }
}
