import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { SealedGrants } from "./sealed-grants.js";

const grants = new SealedGrants(randomBytes(32));
const grant = {
  clientId: "flytectl",
  subject: "alice",
  scopes: ["all", "offline"],
  redirectUri: "http://localhost:53593/callback",
};

test("a sealed grant opens as the kind it was sealed as, with a unique id", async () => {
  const code = await grants.seal("authorization_code", grant, 60);
  const opened = await grants.open("authorization_code", code);
  assert.deepEqual(opened.grant, grant);
  assert.match(opened.id, /^[0-9a-f-]{36}$/);
  const again = await grants.open("authorization_code", await grants.seal("authorization_code", grant, 60));
  assert.notEqual(again.id, opened.id);
  await assert.rejects(grants.open("refresh_token", code), /typ/);
  assert.equal(code.split(".").length, 5, "a compact JWE: nothing readable");
});

test("expired, foreign, altered and oversized grants do not open", async () => {
  const expired = await grants.seal("refresh_token", grant, -10);
  await assert.rejects(grants.open("refresh_token", expired), /exp/);
  const foreign = await new SealedGrants(randomBytes(32)).seal("refresh_token", grant, 60);
  await assert.rejects(grants.open("refresh_token", foreign));
  const good = await grants.seal("refresh_token", grant, 60);
  const parts = good.split(".");
  parts[3] = `${parts[3]?.slice(0, -2)}AA`;
  await assert.rejects(grants.open("refresh_token", parts.join(".")));
  await assert.rejects(grants.open("refresh_token", "x".repeat(20_000)), /too large/);
  await assert.rejects(grants.open("refresh_token", "garbage"));
});
