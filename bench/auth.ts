/**
 * Authentication cost (issue 6): GetVersion requests/s over gRPC (grpc-js
 * closed loop) and HTTP (autocannon), 32 concurrent clients, on a server with
 * auth off and on one with auth on (built-in authorization server, a
 * client_credentials Bearer token on every call); plus the token endpoint
 * itself (client_credentials with a bcrypt cost-10 secret). The servers run in
 * their own processes, on SQLite (GetVersion does not touch the database).
 * Because a loaded machine blurs requests/s, it also measures in-process the
 * CPU time one authentication takes (median of batches), with and without the
 * verified-token cache.
 * Run: `npx tsx bench/auth.ts [--seconds 5]`. Writes bench/results/auth.json.
 */
import { hashSync } from "bcryptjs";
import { type AccessTokenVerifier, LocalKeyVerifier, VerifiedTokenCache } from "../src/auth/access-tokens.js";
import { RequestAuthenticator } from "../src/auth/authenticator.js";
import { CookieCodec, SessionCookies } from "../src/auth/cookies.js";
import { randomRsaKeyPem } from "../src/auth/secrets.js";
import { SigningKeys } from "../src/auth/signing-keys.js";
import { TokenIssuer } from "../src/auth/token-issuer.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { basicAuth } from "../test/support/auth.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  httpLoad,
  type LoadResult,
  printTable,
  runLoad,
  type ServerProcess,
  startServerProcess,
  writeResult,
} from "./support/harness.js";

const CONCURRENCY = 32;
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 5;
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

/** Median CPU microseconds per `identify` of a Bearer token, over batches of 1,000 calls. */
async function cpuPerAuthentication(cached: boolean): Promise<number> {
  const keys = await SigningKeys.fromPem(randomRsaKeyPem());
  const audience = "http://127.0.0.1:8088";
  const { token } = await new TokenIssuer(keys, 1800).accessToken({
    issuer: audience,
    subject: "robot",
    clientId: "robot",
    scopes: ["all"],
    audience: [audience],
  });
  const verifier: AccessTokenVerifier = cached
    ? new VerifiedTokenCache(new LocalKeyVerifier(keys))
    : new LocalKeyVerifier(keys);
  const authenticator = new RequestAuthenticator({
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
  const batches: number[] = [];
  for (let b = 0; b < 12; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < 1000; i++) await authenticator.identify(metadata, "grpc");
    const used = process.cpuUsage(start);
    if (b >= 2) batches.push((used.user + used.system) / 1000);
  }
  batches.sort((x, y) => x - y);
  return Math.round((batches[Math.floor(batches.length / 2)] ?? 0) * 10) / 10;
}

const cpu = { uncachedMicros: await cpuPerAuthentication(false), cachedMicros: await cpuPerAuthentication(true) };

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
  `CPU per authentication (in-process, median): ${cpu.uncachedMicros} µs verifying the signature, ${cpu.cachedMicros} µs for a token seen before`,
);
console.log(
  `\nwritten to ${writeResult("auth", { concurrency: CONCURRENCY, seconds, rows, cpuPerAuthentication: cpu })}`,
);
