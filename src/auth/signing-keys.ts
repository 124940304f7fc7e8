/**
 * The built-in authorization server's RSA signing keys: the current one
 * (`token_rsa_key.pem`) signs, an old one (`token_rsa_key_old.pem`, during a
 * rotation) still verifies. Key ids are RFC 7638 thumbprints, as FlyteAdmin's
 * JWKS assigns them.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";

export interface SigningKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
}

/**
 * Loaded signing keys.
 *
 * @example
 * const keys = await SigningKeys.fromPem(readFileSync("token_rsa_key.pem", "utf8"));
 * const { privateKey, kid } = keys.signer;
 */
export class SigningKeys {
  readonly #signer: { readonly privateKey: KeyObject; readonly kid: string };
  readonly #keys: readonly SigningKey[];

  private constructor(privateKey: KeyObject, keys: readonly SigningKey[]) {
    this.#signer = Object.freeze({ privateKey, kid: (keys[0] as SigningKey).kid });
    this.#keys = keys;
  }

  /** Loads PEM private keys (PKCS#1 as FlyteAdmin writes them, or PKCS#8); the first signs. */
  static async fromPem(currentPem: string, ...oldPems: string[]): Promise<SigningKeys> {
    const privateKeys = [currentPem, ...oldPems].map((pem, i) => {
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType !== "rsa") throw new Error(`token signing key ${i} is not an RSA key`);
      return key;
    });
    const keys: SigningKey[] = [];
    for (const key of privateKeys) {
      const publicKey = createPublicKey(key);
      const base = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(base);
      keys.push(Object.freeze({ kid, publicKey, jwk: Object.freeze({ ...base, kid, alg: "RS256", use: "sig" }) }));
    }
    return new SigningKeys(privateKeys[0] as KeyObject, keys);
  }

  /** The key new tokens are signed with. */
  get signer(): { readonly privateKey: KeyObject; readonly kid: string } {
    return this.#signer;
  }

  /** The JWK set `/oauth2/jwks` serves. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((k) => ({ ...k.jwk })) };
  }

  /**
   * The key to verify a token with: the one its `kid` (or FlyteAdmin's
   * `key_id`) names, else the current key, as FlyteAdmin falls back.
   */
  verificationKey(header: { kid?: unknown; key_id?: unknown }): KeyObject {
    const wanted = typeof header.kid === "string" ? header.kid : header.key_id;
    const found = typeof wanted === "string" ? this.#keys.find((k) => k.kid === wanted) : undefined;
    return (found ?? (this.#keys[0] as SigningKey)).publicKey;
  }
}
