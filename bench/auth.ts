/**
 * Authentication cost (issue 6): GetVersion requests/s over gRPC (grpc-js
 * closed loop) and HTTP (autocannon), 32 concurrent clients, on a server with
 * auth off and on one with auth on (built-in authorization server, a
 * client_credentials Bearer token on every call); plus the token endpoint
 * itself (client_credentials with a bcrypt cost-10 secret). The servers run in
 * their own processes, on SQLite (GetVersion does not touch the database).
 * Because a loaded machine blurs requests/s, it also measures in-process the
 * CPU time of one authentication (with and without the verified-token cache)
 * and of one GetVersion through the call pipeline with auth off and on.
 * Run: `npx tsx bench/auth.ts [--seconds 5]`. Writes bench/results/auth.json.
 */
import { create } from "@bufbuild/protobuf";
import { hashSync } from "bcryptjs";
import { pino } from "pino";
import { type AccessTokenVerifier, LocalKeyVerifier, VerifiedTokenCache } from "../src/auth/access-tokens.js";
import { RequestAuthenticator } from "../src/auth/authenticator.js";
import { CookieCodec, SessionCookies } from "../src/auth/cookies.js";
import { randomRsaKeyPem } from "../src/auth/secrets.js";
import { SigningKeys } from "../src/auth/signing-keys.js";
import { TokenIssuer } from "../src/auth/token-issuer.js";
import { versionResponse } from "../src/managers/version.js";
import { Metrics } from "../src/observability/metrics.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { type Authenticator, CallPipeline, newCallContext } from "../src/transport/pipeline.js";
import { basicAuth } from "../test/support/auth.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  httpLoad,
  type LoadResult,
  numberArg,
  printTable,
  runLoad,
  type ServerProcess,
  startServerProcess,
  writeResult,
} from "./support/harness.js";

const CONCURRENCY = 32;
const seconds = numberArg("seconds", 5);
const ROBOT = { id: "bench-robot", secret: "bench-robot-secret" };

interface Row extends Record<string, string | number> {
  auth: string;
  transport: string;
  call: string;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

function row(auth: string, transport: string, call: string, r: LoadResult): Row {
  return { auth, transport, call, "req/s": Math.round(r.rps), p50_ms: r.p50ms, p99_ms: r.p99ms, errors: r.errors };
}

async function getVersionRows(server: ServerProcess, auth: string, headers: Record<string, string>): Promise<Row[]> {
  const admin = grpcClient(AdminService, server.grpcAddress);
  try {
    await admin.getVersion({}, headers);
    const opts = { concurrency: CONCURRENCY, durationMs: seconds * 1000 };
    return [
      row(auth, "grpc", "GetVersion", await runLoad(() => admin.getVersion({}, headers), opts)),
      row(
        auth,
        "http",
        "GetVersion",
        await httpLoad(`${server.httpBase}/api/v1/version`, { concurrency: CONCURRENCY, seconds, headers }),
      ),
    ];
  } finally {
    admin.close();
  }
}

async function clientCredentialsToken(httpBase: string): Promise<string> {
  const res = await fetch(`${httpBase}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(ROBOT.id, ROBOT.secret) },
    body: "grant_type=client_credentials&scope=all",
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Median CPU microseconds per `op()`, over batches of 1,000 calls after two warm-up batches. */
async function medianCpuMicros(op: () => Promise<unknown>): Promise<number> {
  const batches: number[] = [];
  for (let b = 0; b < 12; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < 1000; i++) await op();
    const used = process.cpuUsage(start);
    if (b >= 2) batches.push((used.user + used.system) / 1000);
  }
  batches.sort((x, y) => x - y);
  return Math.round((batches[Math.floor(batches.length / 2)] ?? 0) * 10) / 10;
}

/**
 * In-process CPU figures: one authentication (with and without the
 * verified-token cache) and one whole GetVersion through the call pipeline
 * with auth off and on.
 */
async function inProcessCpu(): Promise<Record<string, number>> {
  const keys = await SigningKeys.fromPem(randomRsaKeyPem());
  const audience = "http://127.0.0.1:8088";
  const grant = { issuer: audience, subject: "robot", clientId: "robot", scopes: ["all"], audience: [audience] };
  const { token } = await new TokenIssuer(keys, 1800).accessToken(grant);
  const authenticator = (verifier: AccessTokenVerifier) =>
    new RequestAuthenticator({
      accessTokens: verifier,
      idp: undefined,
      session: new SessionCookies(new CookieCodec(Buffer.alloc(64, 1), Buffer.alloc(32, 2)), {
        secure: true,
        sameSite: "DefaultMode",
        domain: "",
      }),
      audiences: () => new Set([audience]),
      httpHeader: "flyte-authorization",
      grpcHeader: "flyte-authorization",
      disableForHttp: false,
      disableForGrpc: false,
    });
  const metadata = new Map([
    ["authorization", [`Bearer ${token}`]],
    [":authority", ["127.0.0.1:8089"]],
  ]);
  const uncached = authenticator(new LocalKeyVerifier(keys));
  const cached = authenticator(new VerifiedTokenCache(new LocalKeyVerifier(keys)));
  const pipeline = (authenticate?: Authenticator) =>
    new CallPipeline({
      services: [AdminService],
      handlers: new Map([[AdminService.typeName, { getVersion: () => versionResponse() } as never]]),
      logger: pino({ level: "silent" }),
      metrics: new Metrics(),
      authenticate,
    });
  const method = AdminService.method.getVersion;
  const request = create(method.input, {});
  const call = (p: CallPipeline) => () => p.call(method, request, newCallContext("grpc", metadata));
  return {
    authenticateUncachedMicros: await medianCpuMicros(() => uncached.identify(metadata, "grpc")),
    authenticateCachedMicros: await medianCpuMicros(() => cached.identify(metadata, "grpc")),
    getVersionAuthOffMicros: await medianCpuMicros(call(pipeline())),
    getVersionAuthOnMicros: await medianCpuMicros(call(pipeline(cached.authenticate))),
  };
}

const cpu = await inProcessCpu();

const rows: Row[] = [];
const off = await startServerProcess("sqlite");
if (!off) throw new Error("cannot start the server");
try {
  rows.push(...(await getVersionRows(off, "off", {})));
} finally {
  await off.stop();
}

const on = await startServerProcess("sqlite", {
  server: { security: { useAuth: true } },
  auth: {
    appAuth: {
      selfAuthServer: {
        staticClients: {
          [ROBOT.id]: {
            id: ROBOT.id,
            client_secret: hashSync(ROBOT.secret, 10),
            grant_types: ["client_credentials"],
            scopes: ["all"],
          },
        },
      },
    },
  },
});
if (!on) throw new Error("cannot start the server");
try {
  const token = await clientCredentialsToken(on.httpBase);
  rows.push(...(await getVersionRows(on, "on (Bearer)", { authorization: `Bearer ${token}` })));
  rows.push(
    row(
      "on",
      "http",
      "POST /oauth2/token",
      await httpLoad(`${on.httpBase}/oauth2/token`, {
        concurrency: CONCURRENCY,
        seconds,
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: basicAuth(ROBOT.id, ROBOT.secret),
        },
        body: () => "grant_type=client_credentials&scope=all",
      }),
    ),
  );
} finally {
  await on.stop();
}

printTable(`auth: ${CONCURRENCY} concurrent clients, ${seconds}s per scenario`, rows);
const rate = (auth: string, transport: string) =>
  rows.find((r) => r.auth.startsWith(auth) && r.transport === transport && r.call === "GetVersion")?.["req/s"] ?? 0;
for (const transport of ["grpc", "http"]) {
  const cost = 1 - rate("on", transport) / rate("off", transport);
  console.log(
    `${transport}: authenticated GetVersion runs at ${Math.round((1 - cost) * 100)}% of the unauthenticated rate`,
  );
}
console.log(
  `\nin-process CPU, median µs per call: authenticate ${cpu.authenticateUncachedMicros} (signature checked) / ${cpu.authenticateCachedMicros} (token seen before); GetVersion through the pipeline ${cpu.getVersionAuthOffMicros} (auth off) / ${cpu.getVersionAuthOnMicros} (auth on)`,
);
console.log(
  `\nwritten to ${writeResult("auth", { concurrency: CONCURRENCY, seconds, rows, inProcessCpuMicros: cpu })}`,
);
