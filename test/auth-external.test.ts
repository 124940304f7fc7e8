/**
 * `auth.appAuth.authServerType: External` (transport-auth.md §3.1, §3.3): an
 * external OAuth2 server (a real oidc-provider issuing JWT access tokens for
 * a resource) mints the tokens; we validate them against its JWKS, with
 * FlyteAdmin's audience rules (`allowedAudience`), and proxy its metadata
 * restricted to the proto's fields.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import { Code } from "../src/errors/codes.js";
import { AuthMetadataService } from "../src/proto/gen/flyteidl/service/auth_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { grpcClient } from "./support/grpc-client.js";
import { resourceServerConfig, startIdp, type TestIdp } from "./support/oidc-idp.js";
import { startTestServer, type TestServer, testDialects } from "./support/server.js";

const RESOURCE = "https://flyte.example.com/api";
const ROBOT = { id: "ext-robot", secret: "ext-robot-secret" };

for (const dialect of testDialects()) {
  describe(`auth with an external authorization server [${dialect}]`, () => {
    let idp: TestIdp;
    let srv: TestServer;
    let secretsDir: string;

    /** A client_credentials token from the external server for `resource`. */
    const externalToken = async (resource = RESOURCE, scope = "all") => {
      const res = await fetch(`${idp.issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${ROBOT.id}:${ROBOT.secret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "client_credentials", scope, resource }).toString(),
      });
      const body = (await res.json()) as { access_token?: string; error?: string };
      assert.ok(body.access_token, JSON.stringify(body));
      return body.access_token;
    };

    before(async () => {
      idp = await startIdp(
        [
          {
            client_id: ROBOT.id,
            client_secret: ROBOT.secret,
            grant_types: ["client_credentials"],
            redirect_uris: [],
            response_types: [],
          },
        ],
        resourceServerConfig(RESOURCE),
      );
      secretsDir = mkdtempSync(join(tmpdir(), "flyteadmin-secrets-"));
      srv = await startTestServer(dialect, {
        server: { security: { useAuth: true } },
        secrets: { "secrets-prefix": secretsDir },
        auth: {
          appAuth: {
            authServerType: "External",
            externalAuthServer: {
              baseUrl: idp.issuer,
              metadataUrl: ".well-known/openid-configuration",
              allowedAudience: [RESOURCE],
              retryAttempts: 1,
              retryDelay: "10ms",
            },
          },
        },
      });
    });
    after(async () => {
      await srv?.close();
      await idp?.close();
      rmSync(secretsDir, { recursive: true, force: true });
    });

    test("a token from the external server for an allowed audience works on both transports", async () => {
      const token = await externalToken();
      await srv.admin.getVersion({}, { authorization: `Bearer ${token}` });
      await srv.admin.getVersion({}, { "flyte-authorization": `Bearer ${token}` });
      const res = await srv.http("/me", { headers: { accept: "application/json", authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const me = (await res.json()) as { subject: string; additional_claims: Record<string, unknown> };
      assert.equal(me.subject, ROBOT.id);
      assert.equal(me.additional_claims.iss, idp.issuer);
      assert.equal(me.additional_claims.scope, "all", "the standard scope claim counts when there is no scp");
    });

    test("tokens for another audience, without scope all, or signed by anyone else are UNAUTHENTICATED", async () => {
      const other = await externalToken("https://other-service.example/");
      await rejectsWith(
        srv.admin.getVersion({}, { authorization: `Bearer ${other}` }),
        Code.UNAUTHENTICATED,
        /invalid audience \[https:\/\/other-service.example\/\]/,
      );
      const offline = await externalToken(RESOURCE, "offline");
      await rejectsWith(
        srv.admin.getVersion({}, { authorization: `Bearer ${offline}` }),
        Code.UNAUTHENTICATED,
        "authenticated user doesn't have required scope",
      );
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const forged = await new SignJWT({ scope: "all", client_id: ROBOT.id })
        .setProtectedHeader({ alg: "RS256", kid: "idp-key" })
        .setIssuer(idp.issuer)
        .setAudience(RESOURCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      await rejectsWith(
        srv.admin.getVersion({}, { authorization: `Bearer ${forged}` }),
        Code.UNAUTHENTICATED,
        /signature verification failed/,
      );
      const res = await srv.http("/api/v1/version", {
        headers: { accept: "application/json", authorization: `Bearer ${forged}` },
      });
      await httpError(res, 401, Code.UNAUTHENTICATED);
    });

    test("GetOAuth2Metadata proxies the provider's document, restricted to the proto's fields", async () => {
      const client = grpcClient(AuthMetadataService, srv.grpcAddress);
      try {
        const meta = await client.getOAuth2Metadata({});
        assert.equal(meta.issuer, idp.issuer);
        assert.equal(meta.tokenEndpoint, `${idp.issuer}/token`);
        assert.equal(meta.jwksUri, `${idp.issuer}/jwks`);
        assert.ok(meta.grantTypesSupported.includes("client_credentials"));
      } finally {
        client.close();
      }
      const res = await srv.http("/.well-known/oauth-authorization-server", {
        headers: { accept: "application/json" },
      });
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(doc).sort(), [
        "authorization_endpoint",
        "code_challenge_methods_supported",
        "device_authorization_endpoint",
        "grant_types_supported",
        "issuer",
        "jwks_uri",
        "response_types_supported",
        "scopes_supported",
        "token_endpoint",
        "token_endpoint_auth_methods_supported",
      ]);
      assert.equal(doc.token_endpoint, `${idp.issuer}/token`);
    });

    test("the built-in server's endpoints do not exist in External mode", async () => {
      for (const path of ["/oauth2/token", "/oauth2/jwks", "/oauth2/authorize"]) {
        await httpError(await srv.http(path, { headers: { accept: "application/json" } }), 404, Code.NOT_FOUND);
      }
    });
  });
}
