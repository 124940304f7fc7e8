import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { LocalKeyVerifier } from "./access-tokens.js";
import { randomRsaKeyPem } from "./secrets.js";
import { SigningKeys } from "./signing-keys.js";
import { TokenIssuer } from "./token-issuer.js";

const current = randomRsaKeyPem();
const old = randomRsaKeyPem();

test("JWKS: one RSA key per signing key, kid = RFC 7638 thumbprint; PKCS#1 and PKCS#8 PEM load", async () => {
  const keys = await SigningKeys.fromPem(current, old);
  const jwks = keys.jwks();
  assert.equal(jwks.keys.length, 2);
  assert.equal(jwks.keys[0]?.kid, keys.signer.kid);
  assert.match(keys.signer.kid, /^[A-Za-z0-9_-]{43}$/);
  for (const k of jwks.keys) assert.deepEqual([k.kty, k.alg, k.use, "d" in k], ["RSA", "RS256", "sig", false]);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  assert.equal((await SigningKeys.fromPem(pkcs8)).jwks().keys.length, 1);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  await assert.rejects(SigningKeys.fromPem(ec), /not an RSA key/);
});

test("issued access tokens carry FlyteAdmin's claims and verify; tokens of the old key still verify", async () => {
  const keys = await SigningKeys.fromPem(current, old);
  const issuer = new TokenIssuer(keys, 1800);
  const { token, expiresIn } = await issuer.accessToken({
    issuer: "https://admin",
    subject: "alice",
    clientId: "flytectl",
    scopes: ["all", "offline"],
    audience: ["https://admin"],
    userInfo: {
      subject: "alice",
      name: "Alice",
      preferredUsername: "",
      givenName: "",
      familyName: "",
      email: "a@x",
      picture: "",
    },
  });
  assert.equal(expiresIn, 1800);
  const header = decodeProtectedHeader(token) as Record<string, unknown>;
  assert.deepEqual(
    [header.alg, header.typ, header.kid, header.key_id],
    ["RS256", "JWT", keys.signer.kid, keys.signer.kid],
  );
  const claims = await new LocalKeyVerifier(keys).verify(token);
  assert.equal(claims.iss, "https://admin");
  assert.deepEqual(claims.aud, ["https://admin"]);
  assert.deepEqual(claims.scp, ["all", "offline"]);
  assert.equal(claims.client_id, "flytectl");
  assert.deepEqual(claims.user_info, { subject: "alice", name: "Alice", email: "a@x" });
  assert.equal((claims.exp as number) - (claims.iat as number), 1800);
  assert.ok(typeof claims.jti === "string");

  const oldKeys = await SigningKeys.fromPem(old);
  const oldToken = (
    await new TokenIssuer(oldKeys, 60).accessToken({
      issuer: "i",
      subject: "s",
      clientId: "c",
      scopes: [],
      audience: ["a"],
    })
  ).token;
  await new LocalKeyVerifier(keys).verify(oldToken);
  const onlyCurrent = await SigningKeys.fromPem(current);
  await assert.rejects(new LocalKeyVerifier(onlyCurrent).verify(oldToken), /signature verification failed/);
  // A plain JWT library finds the key through the standard kid.
  await jwtVerify(token, keys.jwks().keys[0] as never);
});
