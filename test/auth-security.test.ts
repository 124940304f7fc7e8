/**
 * Hostile input against the authentication stack: forged, expired, foreign,
 * unsigned and malformed tokens; tampered session cookies; CSRF and open
 * redirect attempts; malformed authorization requests. Every refusal is
 * UNAUTHENTICATED / 401 for RPCs and 401/403 or an OAuth2 error for the
 * pages, and nothing takes the server down.
 */
import assert from "node:assert/strict";
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { decodeProtectedHeader, SignJWT } from "jose";
import { Code } from "../src/errors/codes.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { type AuthTestServer, IDP_CLIENT, pkcePair, serverSigningKeyPem, startAuthServer } from "./support/auth.js";
import { Browser } from "./support/browser.js";
import { ALICE, signInAtIdp } from "./support/oidc-idp.js";
import { testDialects } from "./support/server.js";

const JSON_HEADERS = { accept: "application/json" };

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

for (const dialect of testDialects()) {
  describe(`auth security [${dialect}]`, () => {
    let a: AuthTestServer;
    let serverKey: KeyObject;
    let kid: string;
    let session: Browser;
    const host = () => new URL(a.base).host;

    /** A token shaped like ours, signed with `key` (the server's own by default). */
    const forge = async (claims: Record<string, unknown> = {}, key: KeyObject = serverKey, alg = "RS256") => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ scp: ["all"], client_id: "robot", ...claims })
        .setProtectedHeader({ alg, kid, key_id: kid })
        .setSubject("forger")
        .setAudience((claims.aud as string) ?? a.base)
        .setIssuer(a.base)
        .setIssuedAt((claims.iat as number) ?? now)
        .setExpirationTime((claims.exp as number) ?? now + 600)
        .sign(key);
    };

    /** Asserts a Bearer credential is refused on both transports. */
    const refused = async (credential: string, message?: RegExp) => {
      await rejectsWith(a.srv.admin.getVersion({}, { authorization: credential }), Code.UNAUTHENTICATED, message);
      await rejectsWith(
        a.srv.admin.getVersion({}, { "flyte-authorization": credential }),
        Code.UNAUTHENTICATED,
        message,
      );
      const res = await a.srv.http("/api/v1/version", { headers: { ...JSON_HEADERS, authorization: credential } });
      assert.ok(res.headers.get("www-authenticate"), "401 names the reason in WWW-Authenticate");
      await httpError(res, 401, Code.UNAUTHENTICATED, message);
    };

    before(async () => {
      a = await startAuthServer(dialect);
      serverKey = createPrivateKey(serverSigningKeyPem(a.srv));
      const jwks = (await (await fetch(`${a.base}/oauth2/jwks`)).json()) as { keys: { kid: string }[] };
      kid = jwks.keys[0]?.kid ?? "";
      session = new Browser();
      const start = await session.get(`${a.base}/login`);
      const callback = await signInAtIdp(session, start.headers.get("location") ?? "", a.idp?.issuer ?? "", ALICE.sub);
      assert.equal((await session.get(callback)).status, 307);
    });
    after(async () => {
      await a?.close();
    });

    test("a token forged with the server's own key and right claims is accepted (the checks below can fail)", async () => {
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${await forge()}` });
      assert.equal(decodeProtectedHeader(await forge()).kid, kid);
    });

    test("expired, not-yet-valid and issued-in-the-future tokens are refused", async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(`Bearer ${await forge({ exp: now - 60, iat: now - 3600 })}`, /"exp" claim timestamp check failed/);
      await refused(`Bearer ${await forge({ nbf: now + 3600 })}`, /"nbf" claim timestamp check failed/);
      await refused(`Bearer ${await forge({ iat: now + 3600, exp: now + 7200 })}`, /token used before issued/);
    });

    test("a wrong audience is refused; the issuer is not checked (signature and audience bind the token)", async () => {
      await refused(
        `Bearer ${await forge({ aud: "https://other-service.example" })}`,
        /invalid audience \[https:\/\/other-service.example\]/,
      );
      const otherIssuer = await new SignJWT({ scp: ["all"], client_id: "robot" })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer("https://somewhere-else.example")
        .setAudience(a.base)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(serverKey);
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${otherIssuer}` });
    });

    test("tokens signed with a foreign key (even naming our key id) are refused", async () => {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      await refused(`Bearer ${await forge({}, privateKey)}`, /signature verification failed/);
    });

    test("unsigned (alg none) and HS256-signed-with-our-public-key tokens are refused", async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: "forger", aud: [a.base], scp: ["all"], client_id: "robot", iat: now, exp: now + 600 };
      await refused(`Bearer ${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`, /alg/);
      const publicPem = (await (await fetch(`${a.base}/oauth2/jwks`)).json()) as unknown;
      assert.ok(publicPem);
      const pem = createPrivateKey(serverSigningKeyPem(a.srv)).export({ format: "pem", type: "pkcs1" }).toString();
      const publicKeyPem = (await import("node:crypto"))
        .createPublicKey(pem)
        .export({ format: "pem", type: "spki" })
        .toString();
      const signingInput = `${b64url({ alg: "HS256", typ: "JWT", kid })}.${b64url(claims)}`;
      const mac = createHmac("sha256", publicKeyPem).update(signingInput).digest("base64url");
      await refused(`Bearer ${signingInput}.${mac}`, /alg/);
    });

    test("garbage, empty, oversized and wrongly-typed tokens are refused, never UNKNOWN or INTERNAL", async () => {
      await refused("Bearer not-a-jwt");
      await refused("Bearer a.b.c");
      await refused("Bearer");
      await refused("Basic dXNlcjpwYXNz");
      // Over gRPC our own limit answers; over HTTP Node's 16 KiB header limit refuses first (431).
      const huge = `Bearer ${"A".repeat(20_000)}`;
      await rejectsWith(a.srv.admin.getVersion({}, { authorization: huge }), Code.UNAUTHENTICATED, /token larger than/);
      const hugeHttp = await a.srv.http("/api/v1/version", { headers: { authorization: huge } });
      assert.equal(hugeHttp.status, 431);
      await refused(`Bearer ${"A".repeat(12_000)}`);
      await refused(`Bearer ${await forge({ scp: 42 })}`, /unknown type number/);
      await refused(`Bearer ${await forge({ client_id: 7 })}`, /claim client_id is not a string/);
      await refused(`Bearer ${await forge({ user_info: "me" })}`, /user info/);
      await refused(`IDToken ${await forge()}`, /id token err/);
    });

    test("an OIDC ID token is accepted with the IDToken scheme over gRPC, and refused as a Bearer token", async () => {
      const browser = new Browser();
      const { challenge, verifier } = pkcePair();
      const authorize = new URL(`${a.idp?.issuer}/auth`);
      for (const [k, v] of Object.entries({
        client_id: IDP_CLIENT.id,
        redirect_uri: `${a.base}/callback`,
        response_type: "code",
        scope: "openid profile",
        state: "direct-state-123",
        code_challenge: challenge,
        code_challenge_method: "S256",
      })) {
        authorize.searchParams.set(k, v);
      }
      const callback = new URL(await signInAtIdp(browser, authorize.toString(), a.idp?.issuer ?? "", ALICE.sub));
      const res = await fetch(`${a.idp?.issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${IDP_CLIENT.id}:${IDP_CLIENT.secret}`).toString("base64")}`,
        },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: callback.searchParams.get("code") ?? "",
          redirect_uri: `${a.base}/callback`,
          code_verifier: verifier,
        }).toString(),
      });
      const idToken = ((await res.json()) as { id_token: string }).id_token;
      assert.ok(idToken);
      await a.srv.admin.getVersion({}, { authorization: `IDToken ${idToken}` });
      await refused(`Bearer ${idToken}`, /signature verification failed|invalid audience/);
      const [h, p, s] = idToken.split(".");
      const tampered = `${h}.${b64url({ ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()), sub: "mallory" })}.${s}`;
      await refused(`IDToken ${tampered}`, /signature verification failed/);
    });

    test("tampered session cookies are refused and /login starts over", async () => {
      const me = await session.get(`${a.base}/me`, JSON_HEADERS);
      assert.equal(me.status, 200, "the session is valid before tampering");
      const original = session.cookie(host(), "flyte_idt") ?? "";
      const flipped = `${original.slice(0, 20)}${original[20] === "A" ? "B" : "A"}${original.slice(21)}`;
      session.setCookie(host(), "flyte_idt", flipped);
      await httpError(await session.get(`${a.base}/me`, JSON_HEADERS), 401, Code.UNAUTHENTICATED);
      session.setCookie(host(), "flyte_idt", session.cookie(host(), "flyte_at_1") ?? "");
      await httpError(
        await session.get(`${a.base}/me`, JSON_HEADERS),
        401,
        Code.UNAUTHENTICATED,
        /Request unauthenticated/,
      );
      const login = await session.get(`${a.base}/login`);
      assert.equal(login.status, 307);
      assert.equal(
        new URL(login.headers.get("location") ?? "").origin,
        a.idp?.issuer,
        "a broken session goes back to the IdP",
      );
      session.setCookie(host(), "flyte_idt", original);
      assert.equal((await session.get(`${a.base}/me`, JSON_HEADERS)).status, 200);
    });

    test("open redirects are refused on /login (with and without a session), /callback and /logout", async () => {
      const evil = [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        `http://evil.example@${host()}/`,
        "/%0d%0aSet-Cookie:x=y",
      ];
      for (const target of evil) {
        const q = encodeURIComponent(target);
        for (const browser of [new Browser(), session]) {
          const res = await browser.get(`${a.base}/login?redirect_url=${q}`);
          if (target.startsWith("/%0d")) {
            assert.equal(res.status, 307, "an encoded CR/LF stays a harmless same-origin path");
            assert.ok(!(res.headers.get("location") ?? "").includes("\n"));
            continue;
          }
          assert.equal(res.status, 403, `/login ${target}`);
        }
        assert.equal(
          (await new Browser().get(`${a.base}/logout?redirect_url=${q}`)).status,
          target.startsWith("/%0d") ? 307 : 403,
        );
        assert.equal(
          (await fetch(`${a.base}/callback?redirect_url=${q}&state=x&code=y`, { redirect: "manual" })).status,
          target.startsWith("/%0d") ? 401 : 403,
        );
      }
      const own = await session.get(`${a.base}/login?redirect_url=${encodeURIComponent(`${a.base}/console/x`)}`);
      assert.equal(own.status, 307);
      assert.equal(own.headers.get("location"), `${a.base}/console/x`, "our own origin is fine");
      const out = await session.get(`${a.base}/logout?redirect_url=/console`);
      assert.equal(out.status, 307);
      assert.equal(out.headers.get("location"), "/console");
    });

    test("a forged redirect cookie is ignored at the end of the login", async () => {
      const browser = new Browser();
      const start = await browser.get(`${a.base}/login?redirect_url=/console/ok`);
      browser.setCookie(host(), "flyte_redirect_location", encodeURIComponent("https://evil.example/"));
      const callback = await signInAtIdp(browser, start.headers.get("location") ?? "", a.idp?.issuer ?? "", ALICE.sub);
      const done = await browser.get(callback);
      assert.equal(done.status, 307);
      assert.equal(done.headers.get("location"), "/console");
    });

    test("the callback refuses a missing or wrong state (401) and a bad code (403)", async () => {
      const browser = new Browser();
      const start = await browser.get(`${a.base}/login`);
      const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
      assert.equal((await browser.get(`${a.base}/callback?code=abc`)).status, 401);
      assert.equal((await browser.get(`${a.base}/callback?code=abc&state=${"0".repeat(64)}`)).status, 401);
      assert.equal(
        (await new Browser().get(`${a.base}/callback?code=abc&state=${state}`)).status,
        401,
        "no CSRF cookie",
      );
      assert.equal((await browser.get(`${a.base}/callback?code=abc&state=${state}`)).status, 403);
      assert.equal((await browser.get(`${a.base}/callback?error=access_denied&state=${state}`)).status, 403);
    });

    test("malformed authorization requests get OAuth2 errors", async () => {
      const { challenge } = pkcePair();
      const base = {
        client_id: "flytectl",
        redirect_uri: "http://localhost:53593/callback",
        response_type: "code",
        scope: "all",
        state: "state-12345",
        code_challenge: challenge,
        code_challenge_method: "S256",
      };
      const call = (over: Record<string, string | undefined>) => {
        const u = new URL(`${a.base}/oauth2/authorize`);
        for (const [k, v] of Object.entries({ ...base, ...over })) if (v !== undefined) u.searchParams.set(k, v);
        return fetch(u, { redirect: "manual" });
      };
      const unknown = await call({ client_id: "ghost" });
      assert.equal(unknown.status, 401);
      assert.equal(((await unknown.json()) as { error: string }).error, "invalid_client");
      const badRedirect = await call({ redirect_uri: "https://evil.example/callback" });
      assert.equal(badRedirect.status, 400);
      assert.equal(((await badRedirect.json()) as { error: string }).error, "invalid_request");
      const expectError = async (over: Record<string, string | undefined>, error: string) => {
        const res = await call(over);
        assert.equal(res.status, 303, JSON.stringify(over));
        const loc = new URL(res.headers.get("location") ?? "");
        assert.equal(`${loc.origin}${loc.pathname}`, "http://localhost:53593/callback");
        assert.equal(loc.searchParams.get("error"), error, JSON.stringify(over));
      };
      await expectError({ code_challenge: undefined, code_challenge_method: undefined }, "invalid_request");
      await expectError({ code_challenge_method: "plain" }, "invalid_request");
      await expectError({ code_challenge: "short" }, "invalid_request");
      await expectError({ state: "short" }, "invalid_request");
      await expectError({ response_type: "token" }, "unsupported_response_type");
      await expectError({ scope: "all admin" }, "invalid_scope");
      const loopback = await call({ redirect_uri: "http://127.0.0.1:4444/callback", client_id: "flytectl" });
      assert.equal(loopback.status, 400, "localhost is registered, 127.0.0.1 is another host");
      const noSession = await fetch(`${a.base}/oauth2/authorize_callback`, { redirect: "manual" });
      assert.equal(noSession.status, 400);
      assert.equal(((await noSession.json()) as { error: string }).error, "login_required");
    });

    test("after all of it the server still serves", async () => {
      assert.equal((await a.srv.http("/healthcheck")).status, 200);
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${await forge()}` });
    });
  });
}
