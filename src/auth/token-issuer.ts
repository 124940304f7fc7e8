/**
 * Access tokens of the built-in authorization server: stateless RS256 JWTs
 * shaped as FlyteAdmin's fosite mints them (claims iss, sub, aud, exp, iat,
 * jti, scp, client_id, user_info; FlyteAdmin's `key_id` header field), plus
 * the standard `kid` so that ordinary JWT libraries find the key.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { UserProfile } from "../services/types.js";
import { profileClaim } from "./identity.js";
import type { SigningKeys } from "./signing-keys.js";

/** What an access token says. */
export interface AccessGrant {
  readonly issuer: string;
  /** The user, or the client itself for client_credentials. */
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly audience: readonly string[];
  /** Absent for client_credentials tokens. */
  readonly userInfo?: UserProfile;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

/**
 * Signs access tokens.
 *
 * @example
 * const issuer = new TokenIssuer(keys, 30 * 60);
 * const { token, expiresIn } = await issuer.accessToken({ issuer: "https://admin", subject: "alice", clientId: "flytectl", scopes: ["all"], audience: ["https://admin"] });
 */
export class TokenIssuer {
  readonly #keys: SigningKeys;
  readonly #lifetimeSeconds: number;

  constructor(keys: SigningKeys, lifetimeSeconds: number) {
    this.#keys = keys;
    this.#lifetimeSeconds = lifetimeSeconds;
  }

  async accessToken(grant: AccessGrant): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { scp: [...grant.scopes], client_id: grant.clientId };
    if (grant.userInfo) claims.user_info = profileClaim(grant.userInfo);
    const { privateKey, kid } = this.#keys.signer;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid, key_id: kid })
      .setIssuer(grant.issuer)
      .setSubject(grant.subject)
      .setAudience([...grant.audience])
      .setIssuedAt(now)
      .setExpirationTime(now + this.#lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
    return { token, expiresIn: this.#lifetimeSeconds };
  }
}
