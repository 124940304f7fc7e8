import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { COOKIE, CookieCodec, parseCookies, SessionCookies, setCookieHeader } from "./cookies.js";

const codec = new CookieCodec(randomBytes(64), randomBytes(32));
const settings = { secure: true, sameSite: "DefaultMode" as const, domain: "" };

test("sealed values open under their own name only, and not when altered or old", () => {
  const sealed = codec.seal("flyte_idt", "header.payload.signature");
  assert.equal(codec.open("flyte_idt", sealed), "header.payload.signature");
  assert.equal(codec.open("flyte_at_1", sealed), undefined, "the name is bound in");
  const bytes = Buffer.from(sealed, "base64url");
  bytes[20] = (bytes[20] ?? 0) ^ 1;
  assert.equal(codec.open("flyte_idt", bytes.toString("base64url")), undefined);
  assert.equal(codec.open("flyte_idt", "short"), undefined);
  assert.equal(codec.open("flyte_idt", ""), undefined);
  const other = new CookieCodec(randomBytes(64), randomBytes(32));
  assert.equal(other.open("flyte_idt", sealed), undefined, "other keys");
  const old = codec.seal("flyte_idt", "v", Date.now() - 31 * 24 * 3600_000);
  assert.equal(codec.open("flyte_idt", old), undefined, "older than 30 days");
  assert.notEqual(codec.seal("n", "v"), codec.seal("n", "v"), "fresh IV each time");
});

test("Cookie header parsing: first occurrence wins, quotes dropped, junk skipped", () => {
  const m = parseCookies(['a=1; b="2"; a=3; junk; =x', "c=4"]);
  assert.deepEqual(
    [...m],
    [
      ["a", "1"],
      ["b", "2"],
      ["c", "4"],
    ],
  );
  assert.equal(parseCookies(undefined).size, 0);
});

test("Set-Cookie attributes follow the settings", () => {
  assert.equal(setCookieHeader("n", "v", settings), "n=v; Path=/; HttpOnly; Secure");
  assert.equal(
    setCookieHeader("n", "v", { secure: false, sameSite: "StrictMode", domain: "example.com" }),
    "n=v; Path=/; Domain=example.com; HttpOnly; SameSite=Strict",
  );
  assert.match(
    setCookieHeader("n", "", settings, { expired: true }),
    /^n=; Path=\/; Expires=.* GMT; Max-Age=0; HttpOnly; Secure$/,
  );
});

test("the session: access token split in halves, legacy flyte_at read first, both tokens required", () => {
  const session = new SessionCookies(codec, settings);
  const set = session.tokenCookies({ idToken: "id", accessToken: "abcdefgh", refreshToken: "rt" });
  assert.deepEqual(
    set.map((c) => c.split("=")[0]),
    [COOKIE.accessTokenFirst, COOKIE.accessTokenSecond, COOKIE.idToken, COOKIE.refreshToken],
  );
  const jar = new Map(
    set.map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1, c.indexOf(";"))] as [string, string]),
  );
  assert.equal(codec.open(COOKIE.accessTokenFirst, jar.get(COOKIE.accessTokenFirst) ?? ""), "abcd");
  assert.deepEqual(session.tokens(jar), { idToken: "id", accessToken: "abcdefgh", refreshToken: "rt" });
  jar.set(COOKIE.accessToken, codec.seal(COOKIE.accessToken, "legacy"));
  assert.equal(session.tokens(jar)?.accessToken, "legacy");
  jar.delete(COOKIE.idToken);
  assert.equal(session.tokens(jar), undefined);
  assert.deepEqual(
    session.logoutCookies().map((c) => c.split("=")[0]),
    ["flyte_at", "flyte_at_1", "flyte_at_2", "flyte_rt", "flyte_idt"],
  );
  assert.match(
    session.flowCookie(COOKIE.csrfState, "x"),
    /^flyte_csrf_state=x; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
  );
});
