/**
 * Authentication with the built-in authorization server, end to end
 * (transport-auth.md §3, §4.1–4.3): the anonymous metadata service, the
 * client_credentials grant as flytekit and golang/oauth2 send it, browser
 * login through a real OIDC provider with cookies, the PKCE flow flytekit and
 * flytectl run, refresh, and tokens on both transports and both headers.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { decodeProtectedHeader } from "jose";
import { Code } from "../src/errors/codes.js";
import { AuthMetadataService } from "../src/proto/gen/flyteidl/service/auth_pb.js";
import { IdentityService } from "../src/proto/gen/flyteidl/service/identity_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import {
  type AuthTestServer,
  basicAuth,
  clientToken,
  healthCheck,
  PROPELLER,
  pkcePair,
  READER,
  ROBOT,
  startAuthServer,
  tokenRequest,
} from "./support/auth.js";
import { Browser } from "./support/browser.js";
import { grpcClient } from "./support/grpc-client.js";
import { ALICE, signInAtIdp } from "./support/oidc-idp.js";
import { testDialects } from "./support/server.js";

const JSON_HEADERS = { accept: "application/json" };

for (const dialect of testDialects()) {
  describe(`auth flows, built-in authorization server [${dialect}]`, () => {
    let a: AuthTestServer;
    before(async () => {
      a = await startAuthServer(dialect);
    });
    after(async () => {
      await a?.close();
    });

    test("AuthMetadataService answers anonymously over gRPC, with the HTTP port in its endpoints", async () => {
      const client = grpcClient(AuthMetadataService, a.srv.grpcAddress);
      try {
        const meta = await client.getOAuth2Metadata({});
        assert.equal(meta.issuer, a.base);
        assert.equal(meta.authorizationEndpoint, `${a.base}/oauth2/authorize`);
        assert.equal(meta.tokenEndpoint, `${a.base}/oauth2/token`);
        assert.equal(meta.jwksUri, `${a.base}/oauth2/jwks`);
        assert.deepEqual(meta.grantTypesSupported, ["client_credentials", "refresh_token", "authorization_code"]);
        assert.deepEqual(meta.codeChallengeMethodsSupported, ["S256"]);
        assert.deepEqual(meta.scopesSupported, ["all"]);
        assert.deepEqual(meta.tokenEndpointAuthMethodsSupported, ["client_secret_basic"]);
        assert.deepEqual(meta.responseTypesSupported, ["code", "token", "code token"]);
        assert.equal(meta.deviceAuthorizationEndpoint, "");
        const pub = await client.getPublicClientConfig({});
        assert.equal(pub.clientId, "flytectl");
        assert.equal(pub.redirectUri, "http://localhost:53593/callback");
        assert.deepEqual(pub.scopes, ["all", "offline"]);
        assert.equal(pub.authorizationMetadataKey, "flyte-authorization");
      } finally {
        client.close();
      }
    });

    test("AuthMetadataService answers anonymously over HTTP, as FlyteAdmin's JSON", async () => {
      const res = await a.srv.http("/.well-known/oauth-authorization-server", { headers: JSON_HEADERS });
      assert.equal(res.status, 200);
      const meta = (await res.json()) as Record<string, unknown>;
      assert.equal(meta.token_endpoint, `${a.base}/oauth2/token`);
      assert.equal(meta.issuer, a.base);
      const pub = await a.srv.http("/config/v1/flyte_client", { headers: JSON_HEADERS });
      assert.equal(pub.status, 200);
      assert.deepEqual(await pub.json(), {
        client_id: "flytectl",
        redirect_uri: "http://localhost:53593/callback",
        scopes: ["all", "offline"],
        authorization_metadata_key: "flyte-authorization",
        service_http_endpoint: "",
        audience: "",
      });
    });

    test("an RPC without a token is UNAUTHENTICATED on both transports; health probes stay anonymous", async () => {
      await rejectsWith(
        a.srv.admin.getVersion({}),
        Code.UNAUTHENTICATED,
        /^token parse error id token err: .*Request unauthenticated with IDToken.*access token err: Request unauthenticated with Bearer$/,
      );
      const res = await a.srv.http("/api/v1/version", { headers: JSON_HEADERS });
      assert.ok(res.headers.get("www-authenticate")?.startsWith("token parse error"));
      await httpError(res, 401, Code.UNAUTHENTICATED, /^token parse error/);
      const identity = grpcClient(IdentityService, a.srv.grpcAddress);
      try {
        await rejectsWith(identity.userInfo({}), Code.UNAUTHENTICATED);
      } finally {
        identity.close();
      }
      // Deliberate: FlyteAdmin requires a token for Health/Check; probes need it anonymous.
      assert.equal(await healthCheck(a.srv.grpcAddress), 1);
      assert.equal(await healthCheck(a.srv.grpcAddress, "flyteadmin"), 1);
      assert.equal((await a.srv.http("/healthcheck")).status, 200);
    });

    test("client_credentials with client_secret_basic (golang/oauth2, flytekit ClientSecret), space- or comma-joined scopes", async () => {
      const spaced = await tokenRequest(
        a.base,
        { grant_type: "client_credentials", scope: "all offline" },
        { authorization: basicAuth(ROBOT.id, ROBOT.secret) },
      );
      assert.equal(spaced.status, 200, JSON.stringify(spaced.body));
      assert.equal(spaced.body.token_type, "bearer");
      assert.equal(spaced.body.expires_in, 1800);
      assert.equal(spaced.body.scope, "all offline");
      assert.equal(spaced.body.refresh_token, undefined, "client_credentials never gets a refresh token");
      assert.equal(spaced.headers.get("cache-control"), "no-store");
      const comma = await tokenRequest(
        a.base,
        { grant_type: "client_credentials", scope: "all,offline" },
        { authorization: basicAuth(ROBOT.id, ROBOT.secret) },
      );
      assert.equal(comma.status, 200);
      assert.equal(comma.body.scope, "all offline");
      const header = decodeProtectedHeader(spaced.body.access_token as string) as Record<string, unknown>;
      assert.equal(header.alg, "RS256");
      assert.equal(header.key_id, header.kid, "FlyteAdmin's key_id and the standard kid name the same key");
      const jwks = (await (await fetch(`${a.base}/oauth2/jwks`)).json()) as { keys: { kid: string; kty: string }[] };
      assert.ok(jwks.keys.some((k) => k.kid === header.kid && k.kty === "RSA"));
    });

    test("client_credentials with client_secret_post, and flytepropeller with its configured (base64) hash", async () => {
      const post = await tokenRequest(a.base, {
        grant_type: "client_credentials",
        scope: "all",
        client_id: ROBOT.id,
        client_secret: ROBOT.secret,
      });
      assert.equal(post.status, 200, JSON.stringify(post.body));
      const token = await clientToken(a.base, PROPELLER, "all offline");
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${token}` });
    });

    test("a Bearer token works over gRPC in authorization and flyte-authorization, and over HTTP in both headers", async () => {
      const token = await clientToken(a.base, ROBOT);
      const v = await a.srv.admin.getVersion({}, { authorization: `Bearer ${token}` });
      assert.ok(v.controlPlaneVersion);
      await a.srv.admin.getVersion({}, { "flyte-authorization": `Bearer ${token}` });
      await a.srv.admin.getVersion({}, { authorization: `bearer ${token}` });
      // The first value wins: a valid authorization beats a broken flyte-authorization, and the other way round fails.
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${token}`, "flyte-authorization": "Bearer broken" });
      await rejectsWith(
        a.srv.admin.getVersion({}, { authorization: "Bearer broken", "flyte-authorization": `Bearer ${token}` }),
        Code.UNAUTHENTICATED,
      );
      for (const h of ["authorization", "flyte-authorization"]) {
        const res = await a.srv.http("/api/v1/version", { headers: { ...JSON_HEADERS, [h]: `Bearer ${token}` } });
        assert.equal(res.status, 200, h);
      }
    });

    test("the caller's identity: subject, client id, scopes and claims, with /me headers", async () => {
      const token = await clientToken(a.base, ROBOT, "all offline");
      const res = await a.srv.http("/me", { headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const me = (await res.json()) as { subject: string; additional_claims: Record<string, unknown> };
      assert.equal(me.subject, ROBOT.id, "a client_credentials token's subject is the client");
      assert.equal(me.additional_claims.client_id, ROBOT.id);
      assert.deepEqual(me.additional_claims.scp, ["all", "offline"]);
      assert.ok(Array.isArray(me.additional_claims.aud));
      assert.equal(res.headers.get("x-user-subject"), ROBOT.id);
      assert.equal(res.headers.get("x-user-claim-client-id"), JSON.stringify(ROBOT.id));
      assert.equal(res.headers.get("x-user-claim-scp"), JSON.stringify(["all", "offline"]));
    });

    test("UserInfo over gRPC sends the X-User headers as initial metadata", async () => {
      const token = await clientToken(a.base, ROBOT, "all");
      const client = new grpc.Client(a.srv.grpcAddress, grpc.credentials.createInsecure());
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${token}`);
      const id = (b: Buffer) => b;
      const headers = await new Promise<grpc.Metadata>((resolve, reject) => {
        let got: grpc.Metadata | undefined;
        const call = client.makeUnaryRequest(
          "/flyteidl.service.IdentityService/UserInfo",
          id,
          id,
          Buffer.alloc(0),
          md,
          (err) => {
            client.close();
            if (err) reject(err);
            else resolve(got ?? new grpc.Metadata());
          },
        );
        call.on("metadata", (m: grpc.Metadata) => {
          got = m;
        });
      });
      assert.equal(headers.get("x-user-subject")[0], ROBOT.id);
      assert.equal(headers.get("x-user-claim-client-id")[0], JSON.stringify(ROBOT.id));
    });

    test("a token without scope all is UNAUTHENTICATED (not PERMISSION_DENIED)", async () => {
      const token = await clientToken(a.base, READER, "read");
      await rejectsWith(
        a.srv.admin.getVersion({}, { authorization: `Bearer ${token}` }),
        Code.UNAUTHENTICATED,
        "authenticated user doesn't have required scope",
      );
      const res = await a.srv.http("/api/v1/version", {
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
      });
      await httpError(res, 401, Code.UNAUTHENTICATED, "authenticated user doesn't have required scope");
    });

    test("the token endpoint refuses bad clients and requests with OAuth2 errors", async () => {
      const wrong = await tokenRequest(
        a.base,
        { grant_type: "client_credentials", scope: "all" },
        { authorization: basicAuth(ROBOT.id, "nope") },
      );
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, "invalid_client");
      assert.match(wrong.headers.get("www-authenticate") ?? "", /^Basic/);
      const unknown = await tokenRequest(a.base, {
        grant_type: "client_credentials",
        client_id: "ghost",
        client_secret: "x",
      });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.error, "invalid_client");
      const noSecret = await tokenRequest(a.base, { grant_type: "client_credentials", client_id: ROBOT.id });
      assert.equal(noSecret.status, 401);
      const publicClient = await tokenRequest(a.base, { grant_type: "client_credentials", client_id: "flytectl" });
      assert.equal(publicClient.status, 400);
      assert.equal(publicClient.body.error, "unauthorized_client");
      const scope = await tokenRequest(
        a.base,
        { grant_type: "client_credentials", scope: "all admin" },
        { authorization: basicAuth(ROBOT.id, ROBOT.secret) },
      );
      assert.equal(scope.status, 400);
      assert.equal(scope.body.error, "invalid_scope");
      const grant = await tokenRequest(
        a.base,
        { grant_type: "password", username: "u", password: "p" },
        { authorization: basicAuth(ROBOT.id, ROBOT.secret) },
      );
      assert.equal(grant.body.error, "unsupported_grant_type");
      const get = await fetch(`${a.base}/oauth2/token?grant_type=client_credentials`);
      assert.equal(get.status, 400);
      assert.equal(((await get.json()) as { error: string }).error, "invalid_request");
      const json = await fetch(`${a.base}/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(json.status, 400);
      const audience = await tokenRequest(
        a.base,
        { grant_type: "client_credentials", scope: "all", audience: "https://elsewhere.example" },
        { authorization: basicAuth(ROBOT.id, ROBOT.secret) },
      );
      assert.equal(audience.status, 400);
      assert.equal(audience.body.error, "invalid_request");
    });

    test("browser login: /login -> IdP -> /callback -> cookies -> /me and RPCs with cookies -> /logout", async () => {
      const browser = new Browser();
      const start = await browser.get(`${a.base}/login?redirect_url=/console/projects`);
      assert.equal(start.status, 307);
      const idpUrl = new URL(start.headers.get("location") ?? "");
      assert.equal(idpUrl.origin, a.idp?.issuer);
      assert.equal(idpUrl.searchParams.get("client_id"), "flyteadmin");
      assert.equal(idpUrl.searchParams.get("redirect_uri"), `${a.base}/callback`);
      assert.equal(idpUrl.searchParams.get("scope"), "openid profile email");
      assert.equal(idpUrl.searchParams.get("code_challenge_method"), "S256");
      assert.match(idpUrl.searchParams.get("state") ?? "", /^[0-9a-f]{64}$/);
      const host = new URL(a.base).host;
      assert.ok(browser.cookie(host, "flyte_csrf_state"));
      const setCsrf = start.headers.getSetCookie().find((c) => c.startsWith("flyte_csrf_state="));
      assert.match(setCsrf ?? "", /HttpOnly/);
      assert.match(setCsrf ?? "", /SameSite=Lax/);

      const callback = await signInAtIdp(browser, idpUrl.toString(), a.idp?.issuer ?? "", ALICE.sub);
      assert.ok(callback.startsWith(`${a.base}/callback?`), callback);
      const done = await browser.get(callback);
      assert.equal(done.status, 307);
      assert.equal(done.headers.get("location"), "/console/projects");
      const set = done.headers.getSetCookie();
      for (const name of ["flyte_at_1", "flyte_at_2", "flyte_idt", "flyte_user_info"]) {
        const c = set.find((s) => s.startsWith(`${name}=`));
        assert.ok(c, `${name} is set`);
        assert.match(c, /HttpOnly/);
        assert.match(c, /Secure/);
      }

      const me = await browser.get(`${a.base}/me`, JSON_HEADERS);
      assert.equal(me.status, 200);
      const info = (await me.json()) as Record<string, unknown>;
      assert.equal(info.subject, ALICE.sub);
      assert.equal(info.name, ALICE.name);
      assert.equal(info.email, ALICE.email);
      assert.equal(info.preferred_username, ALICE.sub);
      assert.equal((info.additional_claims as Record<string, unknown>).iss, a.idp?.issuer);
      assert.equal(me.headers.get("x-user-subject"), ALICE.sub);
      assert.equal(me.headers.get("x-user-claim-sub"), JSON.stringify(ALICE.sub));
      const camel = (await (await browser.get(`${a.base}/me`)).json()) as Record<string, unknown>;
      assert.equal(
        camel.preferredUsername,
        ALICE.sub,
        "without Accept: application/json the gateway answers camelCase",
      );

      const projects = await browser.get(`${a.base}/api/v1/projects`, JSON_HEADERS);
      assert.equal(projects.status, 200);
      const binary = await browser.get(`${a.base}/api/v1/version`, { accept: "application/octet-stream" });
      assert.equal(binary.status, 200, "the console's binary calls carry the cookies too");

      const again = await browser.get(`${a.base}/login?redirect_url=/console`);
      assert.equal(again.status, 307);
      assert.equal(again.headers.get("location"), "/console", "a valid session skips the IdP");

      const out = await browser.get(`${a.base}/logout`);
      assert.equal(out.status, 200);
      const expired = out.headers.getSetCookie();
      for (const name of ["flyte_at", "flyte_at_1", "flyte_at_2", "flyte_rt", "flyte_idt"]) {
        assert.ok(
          expired.some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c)),
          `${name} expired`,
        );
      }
      const after = await browser.get(`${a.base}/me`, JSON_HEADERS);
      assert.equal(after.status, 401);
    });

    test("PKCE flow as flytekit and flytectl run it: authorize -> login -> code -> token -> RPC -> refresh", async () => {
      const browser = new Browser();
      const { verifier, challenge } = pkcePair();
      const redirectUri = "http://localhost:53593/callback";
      const state = "state-0123456789";
      const authorize = new URL(`${a.base}/oauth2/authorize`);
      for (const [k, v] of Object.entries({
        client_id: "flytectl",
        redirect_uri: redirectUri,
        response_type: "code",
        scope: "all offline",
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
      })) {
        authorize.searchParams.set(k, v);
      }
      const first = await browser.get(authorize.toString());
      assert.equal(first.status, 307);
      assert.equal(first.headers.get("location"), "/login?redirect_url=/oauth2/authorize_callback");
      const idpHost = new URL(a.idp?.issuer ?? "").host;
      const toIdp = await browser.follow(
        `${a.base}/login?redirect_url=/oauth2/authorize_callback`,
        (u) => u.host === idpHost,
      );
      const callback = await signInAtIdp(browser, toIdp.url, a.idp?.issuer ?? "", ALICE.sub);
      const toClient = await browser.follow(callback, (u) => u.host === "localhost:53593");
      const back = new URL(toClient.url);
      assert.equal(`${back.origin}${back.pathname}`, redirectUri);
      assert.equal(back.searchParams.get("state"), state);
      assert.equal(back.searchParams.get("scope"), "all offline");
      const code = back.searchParams.get("code") ?? "";
      assert.ok(code.length > 20);

      const exchange = {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: "flytectl",
        code_verifier: verifier,
      };
      const tokens = await tokenRequest(a.base, exchange);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.equal(tokens.body.scope, "all offline");
      const access = tokens.body.access_token as string;
      const refresh = tokens.body.refresh_token as string;
      assert.ok(refresh, "offline earns a refresh token");

      await a.srv.admin.getVersion({}, { "flyte-authorization": `Bearer ${access}` });
      const me = (await (
        await a.srv.http("/me", { headers: { ...JSON_HEADERS, authorization: `Bearer ${access}` } })
      ).json()) as Record<string, unknown>;
      assert.equal(me.subject, ALICE.sub);
      assert.equal(me.name, ALICE.name, "the user's profile travels in the token's user_info claim");
      assert.equal((me.additional_claims as Record<string, unknown>).client_id, "flytectl");

      const replay = await tokenRequest(a.base, exchange);
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, "invalid_grant");

      await rejectsWith(a.srv.admin.getVersion({}, { authorization: `Bearer ${refresh}` }), Code.UNAUTHENTICATED);
      const refreshed = await tokenRequest(a.base, {
        grant_type: "refresh_token",
        refresh_token: refresh,
        client_id: "flytectl",
      });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.ok(refreshed.body.refresh_token, "refresh tokens rotate");
      await a.srv.admin.getVersion({}, { authorization: `Bearer ${refreshed.body.access_token}` });
      const otherClient = await tokenRequest(a.base, {
        grant_type: "refresh_token",
        refresh_token: refresh,
        client_id: "flyte-cli",
      });
      assert.equal(otherClient.body.error, "invalid_grant");

      // A second authorization in the same browser needs no IdP round trip; a wrong verifier is refused.
      const second = pkcePair();
      authorize.searchParams.set("code_challenge", second.challenge);
      const again = await browser.follow(
        authorize.toString(),
        (u) => u.host === "localhost:53593" || u.host === idpHost,
      );
      const code2 = new URL(again.url).searchParams.get("code") ?? "";
      assert.ok(code2, `expected a code, got ${again.url}`);
      const bad = await tokenRequest(a.base, { ...exchange, code: code2, code_verifier: verifier });
      assert.equal(bad.body.error, "invalid_grant");
      const wrongRedirect = await tokenRequest(a.base, {
        ...exchange,
        code: code2,
        code_verifier: second.verifier,
        redirect_uri: "http://localhost:12345/callback",
      });
      assert.equal(wrongRedirect.body.error, "invalid_grant");
    });

    test("/.well-known/openid-configuration redirects to the provider's discovery document", async () => {
      const res = await fetch(`${a.base}/.well-known/openid-configuration`, { redirect: "manual" });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `${a.idp?.issuer}/.well-known/openid-configuration`);
    });
  });
}

for (const dialect of testDialects()) {
  describe(`auth flows: an expired browser session is refreshed at /login [${dialect}]`, () => {
    let a: AuthTestServer;
    before(async () => {
      a = await startAuthServer(dialect, {
        idpConfig: {
          ttl: { IdToken: 1, AccessToken: 600, Session: 3600, Grant: 3600, Interaction: 600, RefreshToken: 3600 },
        },
        scopes: ["openid", "profile", "offline_access"],
        // oidc-provider grants offline_access only with prompt=consent: idpQueryParameter copies it from /login.
        overrides: { auth: { userAuth: { idpQueryParameter: "prompt" } } },
      });
    });
    after(async () => {
      await a?.close();
    });

    test("/login with an expired ID token and a refresh token gets new tokens from the provider without a sign-in", async () => {
      const browser = new Browser();
      const start = await browser.get(`${a.base}/login?redirect_url=/console&prompt=consent`);
      assert.equal(new URL(start.headers.get("location") ?? "").searchParams.get("prompt"), "consent");
      const callback = await signInAtIdp(browser, start.headers.get("location") ?? "", a.idp?.issuer ?? "", ALICE.sub);
      const done = await browser.get(callback);
      assert.ok(
        done.headers.getSetCookie().some((c) => c.startsWith("flyte_rt=")),
        "offline_access earns a refresh cookie",
      );
      assert.equal((await browser.get(`${a.base}/me`, JSON_HEADERS)).status, 200);
      const host = new URL(a.base).host;
      const oldIdToken = browser.cookie(host, "flyte_idt");
      // The ID token lives 1 s; we allow 5 s of clock skew.
      await new Promise((r) => setTimeout(r, 6500));
      assert.equal((await browser.get(`${a.base}/me`, JSON_HEADERS)).status, 401, "an expired session is refused");
      const again = await browser.get(`${a.base}/login?redirect_url=/console/again`);
      assert.equal(again.status, 307);
      assert.equal(again.headers.get("location"), "/console/again", "refreshed without going to the IdP");
      assert.notEqual(browser.cookie(host, "flyte_idt"), oldIdToken);
      assert.equal((await browser.get(`${a.base}/me`, JSON_HEADERS)).status, 200);
    });
  });
}
