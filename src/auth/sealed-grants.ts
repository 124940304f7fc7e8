/**
 * Authorization codes and refresh tokens of the built-in authorization
 * server: stateless like FlyteAdmin's, but sealed (JWE `dir`/A256GCM under
 * `claim_symmetric_key`) rather than signed, so clients cannot read them and
 * neither can pass for an access token. The kind is bound into the sealed
 * header: a refresh token is never accepted as a code or the other way round.
 */
import { createHash } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { UserProfile } from "../services/types.js";

/** What a code or refresh token carries. */
export interface SealedGrant {
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly userInfo?: UserProfile;
  /** Codes only: the redirect URI the code was issued to. */
  readonly redirectUri?: string;
  /** Codes only: the PKCE S256 challenge, when the client sent one. */
  readonly codeChallenge?: string;
}

export type GrantKind = "authorization_code" | "refresh_token";

const MAX_SEALED_LENGTH = 16 * 1024;

/**
 * Seals and opens grants.
 *
 * @example
 * const grants = new SealedGrants(claimKey);
 * const code = await grants.seal("authorization_code", grant, 300);
 * const { grant: back, id } = await grants.open("authorization_code", code);
 */
export class SealedGrants {
  readonly #key: Uint8Array;

  /** `key` is any secret of 32 bytes or more; the AES key is derived from it. */
  constructor(key: Uint8Array) {
    this.#key = createHash("sha256").update("flyteadmin-ts sealed grants").update(key).digest();
  }

  async seal(kind: GrantKind, grant: SealedGrant, ttlSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new EncryptJWT({ grant: { ...grant } })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: kind })
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(crypto.randomUUID())
      .encrypt(this.#key);
  }

  /** The grant and its unique id; throws when the text is not a live grant of this kind. */
  async open(kind: GrantKind, text: string): Promise<{ grant: SealedGrant; id: string; expiresAt: number }> {
    if (text.length > MAX_SEALED_LENGTH) throw new Error("token too large");
    const { payload } = await jwtDecrypt(text, this.#key, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
      typ: kind,
    });
    const grant = payload.grant as SealedGrant | undefined;
    if (
      typeof grant !== "object" ||
      grant === null ||
      typeof payload.jti !== "string" ||
      typeof payload.exp !== "number"
    ) {
      throw new Error("malformed grant");
    }
    return { grant, id: payload.jti, expiresAt: payload.exp };
  }
}
