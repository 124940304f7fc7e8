/**
 * HMAC signatures for the local store's URLs: our own HTTP server checks
 * them, so a signed URL grants exactly one method on one object, with the
 * declared Content-MD5 and metadata, until it expires.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Everything a signature covers. */
export interface SignedFields {
  readonly method: "GET" | "PUT";
  /** The canonical URL path: `/blobs/` then each segment percent-encoded. */
  readonly path: string;
  /** Expiry, seconds since the epoch. */
  readonly expires: number;
  /** Base64 MD5 the body must have ("" for none). */
  readonly contentMd5: string;
  /** Metadata the request must carry, keys lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

const MIN_KEY_BYTES = 16;
const KEY_FILE = "blob-signing.key";

/**
 * Signs and verifies blob URLs with one secret key.
 *
 * @example
 * const signer = UrlSigner.fromConfig(config.storage.local.signingKey, dataDir);
 * const sig = signer.sign({ method: "GET", path: "/blobs/flyte/a", expires, contentMd5: "", metadata: {} });
 * signer.verify(fields, sig); // true
 */
export class UrlSigner {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length < MIN_KEY_BYTES) throw new Error(`the blob signing key must have at least ${MIN_KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  /**
   * The configured key (`storage.local.signingKey`), else the key file in the
   * data dir, created with 32 random bytes (mode 0600) on first start.
   */
  static fromConfig(configuredKey: string, dataDir: string): UrlSigner {
    if (configuredKey !== "") return new UrlSigner(Buffer.from(configuredKey, "utf8"));
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, KEY_FILE);
    // Written whole to a temp file, then linked into place: two processes starting on one data dir must neither
    // overwrite each other's key nor read it while it is being written (a link appears with all its bytes).
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString("hex"), { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      unlinkSync(tmp);
    }
    return new UrlSigner(Buffer.from(readFileSync(file, "utf8").trim(), "utf8"));
  }

  /** The signature, base64url. */
  sign(f: SignedFields): string {
    const meta = Object.keys(f.metadata)
      .sort()
      .map((k) => [k, f.metadata[k]]);
    // JSON keeps the fields unambiguous whatever characters they hold.
    const text = JSON.stringify(["v1", f.method, f.path, f.expires, f.contentMd5, meta]);
    return createHmac("sha256", this.#key).update(text).digest("base64url");
  }

  verify(f: SignedFields, signature: string): boolean {
    const want = Buffer.from(this.sign(f));
    const got = Buffer.from(signature);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
