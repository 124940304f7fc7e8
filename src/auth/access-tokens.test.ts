import assert from "node:assert/strict";
import { test } from "node:test";
import type { JWTPayload } from "jose";
import { type AccessTokenVerifier, VerifiedTokenCache } from "./access-tokens.js";

/** A verifier that counts its calls and accepts tokens named "ok-<exp>". */
function counting(): AccessTokenVerifier & { calls: number } {
  const v = {
    calls: 0,
    verify: async (token: string): Promise<JWTPayload> => {
      v.calls++;
      if (!token.startsWith("ok-")) throw new Error("bad token");
      return { exp: Number(token.slice(3)) };
    },
  };
  return v;
}

test("a verified token is served from the cache until it expires; failures are never cached", async () => {
  const inner = counting();
  const cache = new VerifiedTokenCache(inner, 2);
  const later = Math.floor(Date.now() / 1000) + 600;
  await cache.verify(`ok-${later}`);
  await cache.verify(`ok-${later}`);
  assert.equal(inner.calls, 1);
  await assert.rejects(cache.verify("bad"));
  await assert.rejects(cache.verify("bad"));
  assert.equal(inner.calls, 3);
  const past = Math.floor(Date.now() / 1000) - 60;
  await cache.verify(`ok-${past}`);
  await cache.verify(`ok-${past}`);
  assert.equal(inner.calls, 5, "an expired entry is verified again (and the inner verifier decides)");
});

test("the cache is bounded: the oldest entry goes first", async () => {
  const inner = counting();
  const cache = new VerifiedTokenCache(inner, 2);
  const t = (n: number) => `ok-${Math.floor(Date.now() / 1000) + 600 + n}`;
  await cache.verify(t(1));
  await cache.verify(t(2));
  await cache.verify(t(3));
  assert.equal(inner.calls, 3);
  await cache.verify(t(3));
  await cache.verify(t(2));
  assert.equal(inner.calls, 3);
  await cache.verify(t(1));
  assert.equal(inner.calls, 4, "the first one was evicted");
});
