import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ClaimError,
  identityFromAccessClaims,
  identityFromIdTokenClaims,
  profileClaim,
  userInfoHeaders,
} from "./identity.js";

const AUD = new Set(["https://admin.example.com"]);
const base = { sub: "alice", aud: ["https://admin.example.com"], iat: 1700000000 };

test("FlyteAdmin's claim rules", () => {
  const cases: [string, Record<string, unknown>, { scopes: string[]; clientId: string } | RegExp][] = [
    [
      "array scp",
      { ...base, scp: ["all", "offline"], client_id: "flytectl" },
      { scopes: ["all", "offline"], clientId: "flytectl" },
    ],
    [
      "string scp is one unsplit scope",
      { ...base, scp: "all offline", client_id: "c" },
      { scopes: ["all offline"], clientId: "c" },
    ],
    ["string scp all", { ...base, scp: "all", client_id: "c" }, { scopes: ["all"], clientId: "c" }],
    ["no client, no scopes: all", { ...base }, { scopes: ["all"], clientId: "" }],
    ["client without scopes: none", { ...base, client_id: "c" }, { scopes: [], clientId: "c" }],
    [
      "standard scope string without scp",
      { ...base, scope: "all offline", client_id: "c" },
      { scopes: ["all", "offline"], clientId: "c" },
    ],
    ["scp wins over scope", { ...base, scp: ["x"], scope: "all", client_id: "c" }, { scopes: ["x"], clientId: "c" }],
    ["string aud", { ...base, aud: "https://admin.example.com" }, { scopes: ["all"], clientId: "" }],
    [
      "wrong aud",
      { ...base, aud: ["https://other"] },
      /invalid audience \[https:\/\/other\], wanted \[https:\/\/admin.example.com\]/,
    ],
    ["no aud", { sub: "a" }, /invalid audience/],
    ["numeric aud", { ...base, aud: 5 }, /invalid aud claim/],
    ["numeric scp", { ...base, scp: 5 }, /unknown type number/],
    ["mixed scp", { ...base, scp: ["all", 5] }, /unknown type array/],
    ["numeric client_id", { ...base, client_id: 5 }, /client_id is not a string/],
    ["user_info not an object", { ...base, user_info: "x" }, /user info/],
    ["numeric email", { ...base, email: 5 }, /email is not a string/],
  ];
  for (const [name, claims, expected] of cases) {
    if (expected instanceof RegExp) {
      assert.throws(
        () => identityFromAccessClaims(claims, AUD),
        (e: Error) => e instanceof ClaimError && expected.test(e.message),
        name,
      );
    } else {
      const id = identityFromAccessClaims(claims, AUD);
      assert.deepEqual([...id.scopes], expected.scopes, name);
      assert.equal(id.clientId, expected.clientId, name);
      assert.equal(id.subject, "alice", name);
    }
  }
});

test("profile from user_info, email override, subject fallback, issuedAt", () => {
  const id = identityFromAccessClaims(
    {
      ...base,
      user_info: {
        name: "Alice",
        preferred_username: "al",
        given_name: "A",
        family_name: "L",
        email: "old@x",
        picture: "p",
      },
      email: "new@x",
    },
    AUD,
  );
  assert.deepEqual(id.userInfo, {
    subject: "alice",
    name: "Alice",
    preferredUsername: "al",
    givenName: "A",
    familyName: "L",
    email: "new@x",
    picture: "p",
  });
  assert.equal(id.audience, "https://admin.example.com");
  assert.equal(id.issuedAt, 1700000000);
  assert.equal(id.claims.sub, "alice");
  const idt = identityFromIdTokenClaims({ sub: "bob", aud: ["flyteadmin"], iat: 5 }, undefined);
  assert.deepEqual([...idt.scopes], ["all"]);
  assert.equal(idt.userInfo.subject, "bob");
  assert.equal(idt.audience, "flyteadmin");
});

test("profileClaim keeps proto field names and drops empty fields", () => {
  assert.deepEqual(
    profileClaim({
      subject: "s",
      name: "",
      preferredUsername: "p",
      givenName: "",
      familyName: "",
      email: "e",
      picture: "",
    }),
    {
      subject: "s",
      preferred_username: "p",
      email: "e",
    },
  );
});

test("/me headers: X-User-Subject and X-User-Claim-* with JSON values, ASCII only", () => {
  const h = userInfoHeaders("alice", {
    sub: "alice",
    preferred_username: "al",
    iat: 1700000000,
    scp: ["all"],
    name: "Zoë 中",
    "bad name": 1,
  });
  assert.equal(h.get("X-User-Subject"), "alice");
  assert.equal(h.get("X-User-Claim-Sub"), '"alice"');
  assert.equal(h.get("X-User-Claim-Preferred-Username"), '"al"');
  assert.equal(h.get("X-User-Claim-Iat"), "1700000000");
  assert.equal(h.get("X-User-Claim-Scp"), '["all"]');
  assert.equal(h.get("X-User-Claim-Name"), '"Zo\\u00eb \\u4e2d"');
  assert.equal(JSON.parse(h.get("X-User-Claim-Name") ?? ""), "Zoë 中");
  assert.equal(
    [...h.keys()].some((k) => k.includes(" ")),
    false,
  );
});
