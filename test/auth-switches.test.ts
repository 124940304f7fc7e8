/**
 * Enforcement switches (transport-auth.md §3.1–3.2): `disableForHttp` and
 * `disableForGrpc` let failed callers through anonymously on one transport;
 * a caller that did authenticate still needs scope `all`. Also the built-in
 * authorization server without an OIDC provider: no browser login, robots
 * still get tokens.
 */
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";
import { randomKeyText, randomRsaKeyPem } from "../src/auth/secrets.js";
import { Code } from "../src/errors/codes.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { type AuthTestServer, clientToken, READER, ROBOT, startAuthServer } from "./support/auth.js";
import { testDialects } from "./support/server.js";

const JSON_HEADERS = { accept: "application/json" };
const SIGNING_KEY_PEM = randomRsaKeyPem();

for (const dialect of testDialects()) {
  describe(`auth switches: disableForHttp, no OIDC provider [${dialect}]`, () => {
    let a: AuthTestServer;
    before(async () => {
      a = await startAuthServer(dialect, {
        withIdp: false,
        overrides: { auth: { disableForHttp: true } },
        secrets: { "token_rsa_key.pem": SIGNING_KEY_PEM, claim_symmetric_key: randomKeyText(32) },
      });
    });
    after(async () => {
      await a?.close();
    });

    test("HTTP lets unauthenticated callers through anonymously; gRPC still refuses them", async () => {
      assert.equal((await a.srv.http("/api/v1/version", { headers: JSON_HEADERS })).status, 200);
      const garbage = await a.srv.http("/api/v1/version", {
        headers: { ...JSON_HEADERS, authorization: "Bearer garbage" },
      });
      assert.equal(garbage.status, 200);
      const me = (await (await a.srv.http("/me", { headers: JSON_HEADERS })).json()) as { subject: string };
      assert.equal(me.subject, "", "the anonymous identity");
      await rejectsWith(a.srv.admin.getVersion({}), Code.UNAUTHENTICATED);
      await rejectsWith(a.srv.admin.getVersion({}, { from_http: "true" }), Code.UNAUTHENTICATED, /token parse error/);
    });

    test("an authenticated caller without scope all is still refused on HTTP", async () => {
      const token = await clientToken(a.base, READER, "read");
      const res = await a.srv.http("/api/v1/version", {
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
      });
      await httpError(res, 401, Code.UNAUTHENTICATED, "authenticated user doesn't have required scope");
    });

    test("a signing key from the secrets directory is used, and only missing secrets are generated", async () => {
      const jwks = (await (await fetch(`${a.base}/oauth2/jwks`)).json()) as { keys: JWK[] };
      const expected = await calculateJwkThumbprint(await exportJWK(createPublicKey(SIGNING_KEY_PEM)));
      assert.deepEqual(
        jwks.keys.map((k) => k.kid),
        [expected],
      );
      const generated = readdirSync(join(a.srv.dataDir, "auth-secrets")).sort();
      assert.deepEqual(generated, ["cookie_block_key", "cookie_hash_key"]);
    });

    test("without an OIDC provider: no login pages, IDToken fails, client credentials work", async () => {
      for (const path of ["/login", "/callback", "/logout", "/.well-known/openid-configuration"]) {
        await httpError(await a.srv.http(path, { headers: JSON_HEADERS }), 404, Code.NOT_FOUND);
      }
      await rejectsWith(
        a.srv.admin.getVersion({}, { authorization: "IDToken abc" }),
        Code.UNAUTHENTICATED,
        /no OIDC provider is configured/,
      );
      const token = await clientToken(a.base, ROBOT);
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${token}` });
    });
  });

  describe(`auth switches: disableForGrpc [${dialect}]`, () => {
    let a: AuthTestServer;
    before(async () => {
      a = await startAuthServer(dialect, { withIdp: false, overrides: { auth: { disableForGrpc: true } } });
    });
    after(async () => {
      await a?.close();
    });

    test("gRPC lets unauthenticated callers through; HTTP refuses them", async () => {
      await a.srv.admin.getVersion({});
      await a.srv.admin.getVersion({}, { authorization: "Bearer garbage" });
      await httpError(await a.srv.http("/api/v1/version", { headers: JSON_HEADERS }), 401, Code.UNAUTHENTICATED);
    });
  });
}

describe("private non-RPC routes (engine task logs) need a token when auth is on", () => {
  let a: AuthTestServer | undefined;
  before(async () => {
    a = await startAuthServer("sqlite", { withIdp: false, overrides: { executor: { type: "local" } } });
  });
  after(async () => {
    await a?.close();
  });

  test("no credential is 401; a token with scope all reaches the route", async () => {
    const url = `${a!.base}/engine/logs/p/d/exec/n0/0/stdout`;
    await httpError(await fetch(url, { headers: { accept: "application/json" } }), 401, Code.UNAUTHENTICATED);
    const token = await clientToken(a!.base, ROBOT);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 404, "authenticated: the route itself answers (no such log)");
  });
});
