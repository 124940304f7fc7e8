/**
 * Starts a real server for API tests: free ports, a temp data dir, a fresh
 * database (a SQLite file, or a new database in the run's PostgreSQL
 * cluster), and real gRPC and HTTP clients.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { pino } from "pino";
import { deepMerge, loadConfig } from "../../src/config/load.js";
import { AdminService } from "../../src/proto/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../../src/proto/gen/flyteidl/service/dataproxy_pb.js";
import { SignalService } from "../../src/proto/gen/flyteidl/service/signal_pb.js";
import { type RunningServer, type StartOptions, startServer } from "../../src/server.js";
import { grpcClient, type ServiceClient } from "./grpc-client.js";
import { createTestPgDatabase } from "./postgres.js";

export type DialectName = "sqlite" | "postgres";

export interface TestServer {
  readonly dialect: DialectName;
  readonly server: RunningServer;
  readonly dataDir: string;
  readonly grpcAddress: string;
  readonly httpBase: string;
  readonly admin: ServiceClient<typeof AdminService>;
  readonly dataProxy: ServiceClient<typeof DataProxyService>;
  readonly signals: ServiceClient<typeof SignalService>;
  /** fetch against the HTTP gateway; `path` starts with `/`. */
  http(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Dialects the suites run on: SQLite always, PostgreSQL when the test runner started a cluster. */
export function testDialects(): DialectName[] {
  return process.env.FLYTEADMIN_TEST_PG_URL ? ["sqlite", "postgres"] : ["sqlite"];
}

async function postgresOverrides(): Promise<Record<string, unknown>> {
  return { database: { ...(await createTestPgDatabase("t")), maxOpenConnections: 20 } };
}

/** Starts a server on free ports with the given config overrides. */
export async function startTestServer(
  dialect: DialectName = "sqlite",
  overrides: Record<string, unknown> = {},
  options: Omit<StartOptions, "logger"> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "flyteadmin-test-"));
  const base = {
    server: { host: "127.0.0.1", httpPort: 0, grpc: { port: 0 }, gracefulShutdownTimeoutSeconds: 1 },
    executor: { type: "external" },
  };
  const dbOverrides = dialect === "postgres" ? await postgresOverrides() : {};
  const loaded = loadConfig({ dataDir, overrides: deepMerge(deepMerge(base, dbOverrides), overrides) });
  const logger = pino({ level: process.env.FLYTEADMIN_TEST_LOG ?? "silent" });
  let server: RunningServer;
  try {
    server = await startServer(loaded, { ...options, logger });
  } catch (err) {
    // Tests that expect a start to fail leave nothing behind either.
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const grpcAddress = `127.0.0.1:${server.grpcPort}`;
  const httpBase = `http://127.0.0.1:${server.httpPort}`;
  const admin = grpcClient(AdminService, grpcAddress);
  const dataProxy = grpcClient(DataProxyService, grpcAddress);
  const signals = grpcClient(SignalService, grpcAddress);
  return {
    dialect,
    server,
    dataDir,
    grpcAddress,
    httpBase,
    admin,
    dataProxy,
    signals,
    http: (path, init) => fetch(`${httpBase}${path}`, init),
    async close() {
      admin.close();
      dataProxy.close();
      signals.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Declares a suite once per database: `body` gets a getter for the suite's
 * server, started before its tests and stopped after them.
 */
export function describeEachDatabase(
  title: string,
  body: (t: () => TestServer) => void,
  overrides: Record<string, unknown> = {},
  options: Omit<StartOptions, "logger"> = {},
): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startTestServer(dialect, overrides, options);
      });
      after(async () => {
        await server?.close();
      });
      body(() => {
        if (!server) throw new Error("server not started");
        return server;
      });
    });
  }
}
