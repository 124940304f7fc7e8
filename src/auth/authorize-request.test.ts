import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthorizeError, requestedScopes, scopeAllowed, validateAuthorizeRequest } from "./authorize-request.js";
import type { OAuthClient } from "./clients.js";

const flytectl: OAuthClient = {
  id: "flytectl",
  secretHash: undefined,
  redirectUris: ["http://localhost:53593/callback", "http://127.0.0.1:12345/callback"],
  grantTypes: ["authorization_code", "refresh_token"],
  responseTypes: ["code", "token"],
  scopes: ["all", "offline"],
  audience: [],
  public: true,
};
const confidential: OAuthClient = { ...flytectl, id: "web", public: false, redirectUris: ["https://app.example/cb"] };
const clients = new Map([
  [flytectl.id, flytectl],
  [confidential.id, confidential],
]);
const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const good = {
  client_id: "flytectl",
  redirect_uri: "http://localhost:53593/callback",
  response_type: "code",
  scope: "all offline",
  state: "0123456789",
  code_challenge: challenge,
  code_challenge_method: "S256",
};

function check(over: Record<string, string | undefined>) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...good, ...over })) if (v !== undefined) p.set(k, v);
  return validateAuthorizeRequest(p, (id) => clients.get(id));
}

function refusal(over: Record<string, string | undefined>): { error: string; redirect: boolean } {
  try {
    check(over);
  } catch (e) {
    assert.ok(e instanceof AuthorizeError);
    return { error: e.oauth.error, redirect: e.redirectUri !== undefined };
  }
  assert.fail(`accepted ${JSON.stringify(over)}`);
}

test("a flytekit-shaped request passes", () => {
  const ar = check({});
  assert.equal(ar.client.id, "flytectl");
  assert.deepEqual(ar.scopes, ["all", "offline"]);
  assert.equal(ar.codeChallenge, challenge);
  assert.equal(ar.redirectUriGiven, true);
  assert.equal(
    check({ redirect_uri: "http://127.0.0.1:4242/callback" }).redirectUri,
    "http://127.0.0.1:4242/callback",
    "loopback IP, any port",
  );
  assert.equal(
    check({ client_id: "web", redirect_uri: undefined, code_challenge: undefined, code_challenge_method: undefined })
      .redirectUri,
    "https://app.example/cb",
  );
});

test("refusals: not redirected when the client or redirect URI is in doubt, redirected otherwise", () => {
  const cases: [Record<string, string | undefined>, string, boolean][] = [
    [{ client_id: "ghost" }, "invalid_client", false],
    [{ client_id: undefined }, "invalid_client", false],
    [{ redirect_uri: "http://localhost:1/callback" }, "invalid_request", false],
    [{ redirect_uri: "http://127.0.0.1:4242/other" }, "invalid_request", false],
    [{ redirect_uri: undefined }, "invalid_request", false],
    [{ response_type: "token" }, "unsupported_response_type", true],
    [{ response_type: undefined }, "unsupported_response_type", true],
    [{ state: "1234567" }, "invalid_request", true],
    [{ scope: "all admin" }, "invalid_scope", true],
    [{ code_challenge: undefined }, "invalid_request", true],
    [{ code_challenge_method: "plain" }, "invalid_request", true],
    [{ code_challenge_method: undefined }, "invalid_request", true],
    [{ code_challenge: "too-short" }, "invalid_request", true],
  ];
  for (const [over, error, redirect] of cases)
    assert.deepEqual(refusal(over), { error, redirect }, JSON.stringify(over));
});

test("scopes: spaces or commas, f. stripped, duplicates dropped; hierarchic matching", () => {
  assert.deepEqual(requestedScopes("all offline"), ["all", "offline"]);
  assert.deepEqual(requestedScopes("all,offline"), ["all", "offline"]);
  assert.deepEqual(requestedScopes(" f.all , all  offline"), ["all", "offline"]);
  assert.deepEqual(requestedScopes(null), []);
  assert.equal(scopeAllowed(["all"], "all"), true);
  assert.equal(scopeAllowed(["all"], "all.read"), true);
  assert.equal(scopeAllowed(["all"], "allx"), false);
});
