/**
 * Foundation benchmark (issue 2): GetVersion, RegisterProject and
 * ListProjects over gRPC (a grpc-js closed loop) and HTTP (autocannon), 32
 * concurrent clients, on SQLite and PostgreSQL. The server runs in its own
 * process. Run: `npx tsx bench/foundation.ts [--seconds 5]`.
 */
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  type Dialect,
  httpLoad,
  type LoadResult,
  numberArg,
  printTable,
  runLoad,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const CONCURRENCY = 32;
const seconds = numberArg("seconds", 5);

interface Row extends Record<string, string | number> {
  dialect: string;
  transport: string;
  rpc: string;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

function row(dialect: Dialect, transport: string, rpc: string, r: LoadResult): Row {
  return { dialect, transport, rpc, "req/s": Math.round(r.rps), p50_ms: r.p50ms, p99_ms: r.p99ms, errors: r.errors };
}

async function benchDialect(dialect: Dialect): Promise<Row[]> {
  const server = await startServerProcess(dialect);
  if (!server) {
    console.log(`${dialect}: skipped (PostgreSQL is not installed)`);
    return [];
  }
  const rows: Row[] = [];
  const admin = grpcClient(AdminService, server.grpcAddress);
  try {
    // Seed projects so ListProjects returns a realistic page.
    for (let i = 0; i < 50; i++) await admin.registerProject({ project: { id: `seed-${i}`, name: `seed ${i}` } });
    const opts = { concurrency: CONCURRENCY, durationMs: seconds * 1000 };
    rows.push(row(dialect, "grpc", "GetVersion", await runLoad(() => admin.getVersion({}), opts)));
    rows.push(
      row(
        dialect,
        "grpc",
        "RegisterProject",
        await runLoad((i) => admin.registerProject({ project: { id: `g-${dialect}-${i}`, name: `p${i}` } }), opts),
      ),
    );
    rows.push(row(dialect, "grpc", "ListProjects", await runLoad(() => admin.listProjects({ limit: 20 }), opts)));
    rows.push(
      row(
        dialect,
        "http",
        "GetVersion",
        await httpLoad(`${server.httpBase}/api/v1/version`, { concurrency: CONCURRENCY, seconds }),
      ),
    );
    rows.push(
      row(
        dialect,
        "http",
        "RegisterProject",
        await httpLoad(`${server.httpBase}/api/v1/projects`, {
          concurrency: CONCURRENCY,
          seconds,
          method: "POST",
          body: (i) => JSON.stringify({ project: { id: `h-${dialect}-${i}`, name: `p${i}` } }),
        }),
      ),
    );
    rows.push(
      row(
        dialect,
        "http",
        "ListProjects",
        await httpLoad(`${server.httpBase}/api/v1/projects?limit=20`, { concurrency: CONCURRENCY, seconds }),
      ),
    );
  } finally {
    admin.close();
    await server.stop();
  }
  return rows;
}

const rows = [...(await benchDialect("sqlite")), ...(await benchDialect("postgres"))];
stopPostgres();
printTable(`foundation: ${CONCURRENCY} concurrent clients, ${seconds}s per scenario`, rows);
console.log(`\nwritten to ${writeResult("foundation", { concurrency: CONCURRENCY, seconds, rows })}`);
