import assert from "node:assert/strict";
import { test } from "node:test";
import { hashSync } from "bcryptjs";
import { ClientRegistry } from "./clients.js";
import { OAuthError } from "./oauth-error.js";

const secret = "s3cret with space+plus/slash";
const hash = hashSync(secret, 4);
const client = (over: Record<string, unknown>) => ({
  id: "",
  client_secret: "",
  redirect_uris: [],
  grant_types: ["client_credentials"],
  response_types: [],
  scopes: ["all"],
  audience: [],
  public: false,
  ...over,
});
const registry = new ClientRegistry({
  raw: client({ id: "raw", client_secret: hash }),
  b64: client({ id: "b64", client_secret: Buffer.from(hash).toString("base64") }),
  cli: client({ id: "cli", public: true }),
});
const basic = (id: string, s: string) => `Basic ${Buffer.from(`${id}:${s}`).toString("base64")}`;
const form = (o: Record<string, string> = {}) => new URLSearchParams(o);

async function rejects(p: Promise<unknown>, error: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof OAuthError && e.error === error);
}

test("client_secret_basic: id and secret form-URL-decoded, raw or base64 hash", async () => {
  const enc = encodeURIComponent(secret).replaceAll("%20", "+");
  assert.equal((await registry.authenticate(basic("raw", enc), form())).id, "raw");
  assert.equal((await registry.authenticate(basic("b64", enc), form())).id, "b64");
  assert.equal((await registry.authenticate(basic("raw", enc), form())).id, "raw", "cached verification");
  await rejects(registry.authenticate(basic("raw", "wrong"), form()), "invalid_client");
  await rejects(registry.authenticate(basic("raw", secret), form()), "invalid_client");
  await rejects(
    registry.authenticate(`Basic ${Buffer.from("no-colon").toString("base64")}`, form()),
    "invalid_request",
  );
  await rejects(registry.authenticate(basic("raw", "%zz"), form()), "invalid_request");
});

test("client_secret_post, public clients, unknown clients", async () => {
  assert.equal((await registry.authenticate(undefined, form({ client_id: "raw", client_secret: secret }))).id, "raw");
  assert.equal((await registry.authenticate(undefined, form({ client_id: "cli" }))).id, "cli");
  await rejects(registry.authenticate(undefined, form({ client_id: "raw" })), "invalid_client");
  await rejects(registry.authenticate(undefined, form({ client_id: "ghost", client_secret: "x" })), "invalid_client");
  await rejects(registry.authenticate(undefined, form()), "invalid_client");
});

test("a confidential client whose secret is not a bcrypt hash is a configuration error", () => {
  assert.throws(
    () => new ClientRegistry({ bad: client({ id: "bad", client_secret: "plaintext" }) }),
    /must be a bcrypt hash/,
  );
});
