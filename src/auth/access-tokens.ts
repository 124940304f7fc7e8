/**
 * Checking a Bearer access token's signature and validity period: against
 * our own signing keys (built-in authorization server) or against the
 * external provider's JWKS. Claims (audience, scopes) are judged afterwards
 * in identity.ts. Only asymmetric algorithms are accepted, so `alg: none` and
 * HS256 signed with a public key fail here.
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { SigningKeys } from "./signing-keys.js";

/** Checks a token; resolves its claims or rejects with the reason. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<JWTPayload>;
}

/** The largest token we try to parse; larger ones are refused before any work. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** Clock skew allowed on exp/nbf/iat, between replicas and against an external provider. */
const CLOCK_TOLERANCE_SECONDS = 5;

const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/**
 * Verifies tokens our built-in authorization server signed (RS256 only).
 *
 * @example
 * const claims = await new LocalKeyVerifier(keys).verify(token);
 */
export class LocalKeyVerifier implements AccessTokenVerifier {
  readonly #keys: SigningKeys;

  constructor(keys: SigningKeys) {
    this.#keys = keys;
  }

  verify(token: string): Promise<JWTPayload> {
    return verifyJwt(token, (header) => this.#keys.verificationKey(header as { kid?: unknown; key_id?: unknown }), [
      "RS256",
    ]);
  }
}

/**
 * Verifies tokens an external provider signed, with the keys of its JWKS
 * (fetched on demand, refreshed when an unknown key id shows up).
 *
 * @example
 * const verifier = new RemoteJwksVerifier(new URL("https://idp.example.com/keys"));
 */
export class RemoteJwksVerifier implements AccessTokenVerifier {
  readonly #jwks: JWTVerifyGetKey;

  constructor(jwksUri: URL) {
    this.#jwks = createRemoteJWKSet(jwksUri, { timeoutDuration: 10_000, cooldownDuration: 30_000 });
  }

  verify(token: string): Promise<JWTPayload> {
    return verifyJwt(token, this.#jwks, ASYMMETRIC_ALGORITHMS);
  }
}

/**
 * Remembers tokens that verified, so that a client presenting the same token
 * on every call pays the signature check once: a hit costs a map lookup and
 * the expiry check. Bounded; the oldest entries go first.
 *
 * @example
 * const verifier = new VerifiedTokenCache(new LocalKeyVerifier(keys));
 */
export class VerifiedTokenCache implements AccessTokenVerifier {
  readonly #inner: AccessTokenVerifier;
  readonly #entries = new Map<string, JWTPayload>();
  readonly #max: number;

  constructor(inner: AccessTokenVerifier, max = 4096) {
    this.#inner = inner;
    this.#max = max;
  }

  async verify(token: string): Promise<JWTPayload> {
    const hit = this.#entries.get(token);
    if (hit) {
      if (typeof hit.exp !== "number" || hit.exp + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return hit;
      this.#entries.delete(token);
    }
    const claims = await this.#inner.verify(token);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(token, claims);
    return claims;
  }
}

/** Verifies signature, exp and nbf (jose), and that the token was not issued in the future (as jwt-go does). */
export async function verifyJwt(token: string, key: JWTVerifyGetKey, algorithms: string[]): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH) throw new Error(`token larger than ${MAX_TOKEN_LENGTH} bytes`);
  const { payload } = await jwtVerify(token, key, { algorithms, clockTolerance: CLOCK_TOLERANCE_SECONDS });
  if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
    throw new Error("token used before issued");
  }
  return payload;
}
