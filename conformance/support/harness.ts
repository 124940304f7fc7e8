/**
 * Conformance suites: one real server (SQLite) per suite, a client workspace
 * for it, and a readiness check each test makes first. A test whose client is
 * not installed, or whose RPCs the server still answers UNIMPLEMENTED, is
 * skipped with the reason printed — so scenarios written ahead of the server
 * start running by themselves once the RPCs land.
 */

import { after, before, describe, type TestContext } from "node:test";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../../src/errors/codes.js";
import { AdminService } from "../../src/proto/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../../src/proto/gen/flyteidl/service/dataproxy_pb.js";
import { SignalService } from "../../src/proto/gen/flyteidl/service/signal_pb.js";
import { startTestServer, type TestServer } from "../../test/support/server.js";
import { type ClientName, clientAvailability } from "./clients.js";
import { ClientWorkspace } from "./workspace.js";

/** What a test needs: installed clients and served RPCs ("AdminService.CreateTask"). */
export interface Requirements {
  readonly clients?: readonly ClientName[];
  readonly rpcs?: readonly string[];
}

export interface ConformanceSuite {
  server(): TestServer;
  ws(): ClientWorkspace;
  /** True when the test may run; otherwise skips `t` with the reason and returns false. */
  ready(t: TestContext, needs?: Requirements): Promise<boolean>;
}

const SERVICES: Record<string, { desc: DescService; client: (s: TestServer) => unknown }> = {
  AdminService: { desc: AdminService, client: (s) => s.admin },
  DataProxyService: { desc: DataProxyService, client: (s) => s.dataProxy },
  SignalService: { desc: SignalService, client: (s) => s.signals },
};

type AnyCall = (request?: object) => Promise<unknown>;

/**
 * Calls `rpc` with an empty request: an implemented RPC rejects it as invalid
 * (or answers), an absent handler answers UNIMPLEMENTED.
 */
async function isUnimplemented(server: TestServer, rpc: string): Promise<boolean> {
  const [serviceName, methodName] = rpc.split(".");
  const service = SERVICES[serviceName];
  const method = service?.desc.methods.find((m) => m.name === methodName);
  if (!service || !method) throw new Error(`unknown RPC ${rpc}`);
  const call = (service.client(server) as Record<string, AnyCall>)[method.localName];
  try {
    await call({});
    return false;
  } catch (e) {
    return (e as ServiceError).code === Code.UNIMPLEMENTED;
  }
}

/**
 * Declares a suite against one fresh server. `seedProjects` are registered
 * over gRPC first (most scenarios assume the sandbox's `flytesnacks`).
 */
export function describeConformance(
  title: string,
  body: (suite: ConformanceSuite) => void,
  opts: {
    seedProjects?: readonly string[];
    needs?: Requirements;
    /** Config overrides of the suite's server (e.g. `executor.type: local`). */
    serverOverrides?: () => Record<string, unknown>;
    /** The OAuth2 client the clients authenticate as (a server with `useAuth: true`). */
    clientSecret?: { id: string; secret: string };
  } = {},
): void {
  describe(title, () => {
    let server: TestServer | undefined;
    let ws: ClientWorkspace | undefined;
    const probed = new Map<string, boolean>();
    before(async () => {
      server = await startTestServer("sqlite", opts.serverOverrides?.() ?? {});
      ws = await ClientWorkspace.create(server, opts.clientSecret ? { clientSecret: opts.clientSecret } : {});
      for (const id of opts.seedProjects ?? []) await server.admin.registerProject({ project: { id, name: id } });
    });
    after(async () => {
      ws?.close();
      await server?.close();
    });
    const suite: ConformanceSuite = {
      server: () => must(server),
      ws: () => must(ws),
      async ready(t, needs = {}) {
        const reason = await unmetReason(must(server), probed, [opts.needs ?? {}, needs]);
        if (reason) {
          t.skip(reason);
          return false;
        }
        return true;
      },
    };
    body(suite);
  });
}

async function unmetReason(
  server: TestServer,
  probed: Map<string, boolean>,
  needs: readonly Requirements[],
): Promise<string | undefined> {
  const clients = [...new Set(needs.flatMap((n) => n.clients ?? []))];
  for (const c of clients) {
    const a = clientAvailability(c);
    if (!a.ok) return a.reason;
  }
  const missing: string[] = [];
  for (const rpc of new Set(needs.flatMap((n) => n.rpcs ?? []))) {
    if (!probed.has(rpc)) probed.set(rpc, await isUnimplemented(server, rpc));
    if (probed.get(rpc)) missing.push(rpc);
  }
  if (missing.length > 0) return `server answers UNIMPLEMENTED for ${missing.join(", ")} (not on this branch yet)`;
  return undefined;
}

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("suite not started");
  return v;
}
