/**
 * Auth test set-up: a server with `useAuth: true` and the built-in
 * authorization server, signing users in through a real OIDC provider; and
 * the client-side pieces tests need (token requests as flytekit and
 * golang/oauth2 send them, PKCE pairs, raw health checks, tokens signed with
 * arbitrary keys).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { hashSync } from "bcryptjs";
import type { Configuration } from "oidc-provider";
import { deepMerge } from "../../src/config/load.js";
import { freePort, startIdp, type TestIdp } from "./oidc-idp.js";
import { type DialectName, startTestServer, type TestServer } from "./server.js";

/** The OIDC client flyteadmin-ts is registered as at the test provider. */
export const IDP_CLIENT = { id: "flyteadmin", secret: "idp-secret" };

/** Confidential clients the suites configure (secrets with characters that need URL-encoding in Basic auth). */
export const ROBOT = { id: "robot", secret: "r0b0t s3cret/+&%" };
export const READER = { id: "reader", secret: "reader-secret" };
export const PROPELLER = { id: "flytepropeller", secret: "propeller-secret" };

export interface AuthTestServer {
  readonly srv: TestServer;
  readonly idp: TestIdp | undefined;
  /** `http://127.0.0.1:<httpPort>` */
  readonly base: string;
  close(): Promise<void>;
}

/** A server with auth on (Self), a test OIDC provider (unless `withIdp` is false) and the test clients. */
export async function startAuthServer(
  dialect: DialectName,
  options: {
    withIdp?: boolean;
    overrides?: Record<string, unknown>;
    /** Extra provider configuration (TTLs, features). */
    idpConfig?: Configuration;
    /** The scopes we ask the provider for (default openid, profile, email). */
    scopes?: string[];
    /** More files for the secrets directory (name -> content). */
    secrets?: Record<string, string>;
  } = {},
): Promise<AuthTestServer> {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const idp =
    options.withIdp === false
      ? undefined
      : await startIdp(
          [
            {
              client_id: IDP_CLIENT.id,
              client_secret: IDP_CLIENT.secret,
              redirect_uris: [`${base}/callback`],
              grant_types: ["authorization_code", "refresh_token"],
              response_types: ["code"],
            },
          ],
          options.idpConfig,
        );
  const secretsDir = mkdtempSync(join(tmpdir(), "flyteadmin-secrets-"));
  writeFileSync(join(secretsDir, "oidc_client_secret"), `${IDP_CLIENT.secret}\n`);
  for (const [name, content] of Object.entries(options.secrets ?? {})) writeFileSync(join(secretsDir, name), content);
  const confidential = (c: { id: string; secret: string }, scopes: string[]) => ({
    id: c.id,
    client_secret: hashSync(c.secret, 4),
    grant_types: ["client_credentials", "refresh_token"],
    response_types: ["token"],
    scopes,
  });
  const authOverrides = {
    server: { httpPort, security: { useAuth: true } },
    secrets: { "secrets-prefix": secretsDir },
    auth: {
      userAuth: {
        openId: idp
          ? { baseUrl: idp.issuer, clientId: IDP_CLIENT.id, scopes: options.scopes ?? ["openid", "profile", "email"] }
          : {},
      },
      appAuth: {
        selfAuthServer: {
          staticClients: {
            [ROBOT.id]: confidential(ROBOT, ["all", "offline"]),
            [READER.id]: confidential(READER, ["read"]),
            // As deployments do: the flytepropeller client with the operator's own secret hash (base64, as FlyteAdmin's docs show it).
            [PROPELLER.id]: {
              ...confidential(PROPELLER, ["all", "offline", "access_token"]),
              client_secret: Buffer.from(hashSync(PROPELLER.secret, 4)).toString("base64"),
            },
          },
        },
      },
    },
  };
  const srv = await startTestServer(dialect, deepMerge(authOverrides, options.overrides ?? {}));
  return {
    srv,
    idp,
    base,
    async close() {
      await srv.close();
      await idp?.close();
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}

/** The server's generated token signing key (PEM), for forging tokens in security tests. */
export function serverSigningKeyPem(srv: TestServer): string {
  return readFileSync(join(srv.dataDir, "auth-secrets", "token_rsa_key.pem"), "utf8");
}

/** `Authorization: Basic` as golang/oauth2 and flytekit build it: id and secret form-URL-encoded first. */
export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replaceAll("%20", "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

/** POST /oauth2/token with a form; returns status, JSON body and headers. */
export async function tokenRequest(
  base: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** A client_credentials token for a configured client (Basic auth). */
export async function clientToken(
  base: string,
  client: { id: string; secret: string },
  scope = "all",
): Promise<string> {
  const r = await tokenRequest(
    base,
    { grant_type: "client_credentials", scope },
    { authorization: basicAuth(client.id, client.secret) },
  );
  if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** grpc.health.v1.Health/Check with optional metadata; resolves the serving status or rejects with the gRPC error. */
export function healthCheck(address: string, service = "", metadata: Record<string, string> = {}): Promise<number> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  const body = Buffer.from(
    new BinaryWriter()
      .uint32((1 << 3) | 2)
      .string(service)
      .finish(),
  );
  const id = (b: Buffer) => b;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest("/grpc.health.v1.Health/Check", id, id, body, md, (err, res) => {
      client.close();
      if (err) return reject(err);
      const r = new BinaryReader(res as Buffer);
      let status = 0;
      while (r.pos < r.len) {
        const [field, wire] = r.tag();
        if (field === 1) status = r.int32();
        else r.skip(wire);
      }
      resolve(status);
    });
  });
}
