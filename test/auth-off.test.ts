/**
 * `server.security.useAuth: false`, the embedded default (transport-auth.md
 * §1.2, §3.1): every RPC is anonymous, tokens are ignored, the auth pages do
 * not exist, IdentityService and GetOAuth2Metadata answer UNIMPLEMENTED, and
 * GetPublicClientConfig still answers the configured client settings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { AuthMetadataService } from "../src/proto/gen/flyteidl/service/auth_pb.js";
import { IdentityService } from "../src/proto/gen/flyteidl/service/identity_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { healthCheck } from "./support/auth.js";
import { grpcClient } from "./support/grpc-client.js";
import { describeEachDatabase } from "./support/server.js";

const JSON_HEADERS = { accept: "application/json" };

describeEachDatabase("auth off", (srv) => {
  test("RPCs need no token, and a garbage token is ignored", async () => {
    const { admin, http } = srv();
    assert.ok((await admin.getVersion({})).controlPlaneVersion);
    await admin.getVersion({}, { authorization: "Bearer garbage" });
    const res = await http("/api/v1/version", { headers: { ...JSON_HEADERS, authorization: "Bearer garbage" } });
    assert.equal(res.status, 200);
    assert.equal(await healthCheck(srv().grpcAddress), 1);
  });

  test("GetPublicClientConfig answers the configured client; GetOAuth2Metadata is UNIMPLEMENTED", async () => {
    const client = grpcClient(AuthMetadataService, srv().grpcAddress);
    try {
      const pub = await client.getPublicClientConfig({});
      assert.equal(pub.clientId, "flytectl");
      assert.deepEqual(pub.scopes, ["all", "offline"]);
      assert.equal(pub.authorizationMetadataKey, "flyte-authorization");
      await rejectsWith(
        client.getOAuth2Metadata({}),
        Code.UNIMPLEMENTED,
        "authentication is not enabled on this server",
      );
    } finally {
      client.close();
    }
    const res = await srv().http("/.well-known/oauth-authorization-server", { headers: JSON_HEADERS });
    await httpError(res, 501, Code.UNIMPLEMENTED, "authentication is not enabled on this server");
    const pub = await srv().http("/config/v1/flyte_client", { headers: JSON_HEADERS });
    assert.equal(pub.status, 200);
  });

  test("IdentityService.UserInfo (/me) is UNIMPLEMENTED, as FlyteAdmin without auth", async () => {
    const client = grpcClient(IdentityService, srv().grpcAddress);
    try {
      await rejectsWith(client.userInfo({}), Code.UNIMPLEMENTED, "authentication is not enabled on this server");
    } finally {
      client.close();
    }
    await httpError(await srv().http("/me", { headers: JSON_HEADERS }), 501, Code.UNIMPLEMENTED);
  });

  test("the auth pages do not exist: the gateway's 404", async () => {
    for (const path of [
      "/login",
      "/callback",
      "/logout",
      "/oauth2/token",
      "/oauth2/authorize",
      "/oauth2/jwks",
      "/.well-known/openid-configuration",
    ]) {
      await httpError(await srv().http(path, { headers: JSON_HEADERS }), 404, Code.NOT_FOUND, "Not Found");
    }
  });
});
