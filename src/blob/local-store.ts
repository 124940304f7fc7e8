/**
 * The embedded profile's blob store: a directory. References are `file://`
 * URIs of absolute paths, which flytekit and the local engine read directly.
 * Signed URLs point at our own HTTP server (`/blobs/...`, see
 * transport/http/blob-routes.ts), which checks them with the same signer.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { nowMicros } from "../common/time.js";
import { AdminError, Code } from "../errors/admin-error.js";
import {
  type BlobInfo,
  type DataStore,
  keyParts,
  normalizeMetadata,
  type SignedUrl,
  type SignedUrlRequest,
  type WriteOptions,
} from "./data-store.js";
import type { SignedFields, UrlSigner } from "./url-signer.js";

const FILE_SCHEME = "file://";

/** The URL path prefix of blob routes. */
export const BLOB_PATH_PREFIX = "/blobs/";
/** Header prefix carrying signed metadata on a PUT (S3's is `x-amz-meta-`). */
export const METADATA_HEADER_PREFIX = "x-flyte-meta-";
/** Metadata sidecars live beside the containers, where no reference can point. */
const META_DIR = ".meta";

export interface LocalUrlOptions {
  readonly signer: UrlSigner;
  /** The origin clients reach our HTTP server at, e.g. `http://127.0.0.1:8088` (read when a URL is signed). */
  readonly publicUrl: () => string;
}

/** What is recorded beside each object. */
interface Sidecar {
  etag: string;
  metadata: Record<string, string>;
}

export interface StreamWriteOptions {
  readonly maxBytes: number;
  /** Base64 MD5 the bytes must have. */
  readonly contentMd5?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * A DataStore over a local directory.
 *
 * @example
 * const store = new LocalStore("/var/lib/flyteadmin/blobs", "flyte", { signer, publicUrl: () => base });
 * await store.write(store.ref("metadata", "p", "d", "x"), bytes);
 */
export class LocalStore implements DataStore {
  readonly baseUri: string;
  readonly #root: string;
  readonly #container: string;
  readonly #urls: LocalUrlOptions | undefined;

  constructor(root: string, container: string, urls?: LocalUrlOptions) {
    this.#root = resolve(root);
    const [name] = keyParts([container]);
    if (!name || name !== container || name.startsWith(".")) {
      throw new Error(`storage.container [${container}] must be one path segment not starting with "."`);
    }
    this.#container = join(this.#root, container);
    this.baseUri = `${FILE_SCHEME}${this.#container}`;
    this.#urls = urls;
  }

  /**
   * References are `file://` plus the absolute path, not percent-encoded:
   * flytekit (fsspec) and the engine strip the scheme and use the rest as a
   * path, so an encoded `=` in a base32 folder name would name another file.
   */
  ref(...segments: string[]): string {
    return `${this.baseUri}/${keyParts(segments).join("/")}`;
  }

  /** The file a reference names; refuses anything outside the container. */
  pathOf(ref: string): string {
    if (!ref.startsWith(`${FILE_SCHEME}/`)) {
      throw new AdminError(Code.INVALID_ARGUMENT, `not a local storage reference: ${ref}`);
    }
    const path = resolve(ref.slice(FILE_SCHEME.length));
    if (!path.startsWith(this.#container + sep)) {
      throw new AdminError(Code.INVALID_ARGUMENT, `storage reference outside the store: ${ref}`);
    }
    // The file system's limits (NAME_MAX 255 bytes, PATH_MAX 4096) are the caller's problem, not ENAMETOOLONG.
    if (Buffer.byteLength(path) >= 4096 || path.split(sep).some((part) => Buffer.byteLength(part) > 255)) {
      throw new AdminError(Code.INVALID_ARGUMENT, `storage reference too long: ${ref.slice(0, 200)}...`);
    }
    return path;
  }

  /**
   * Writes an object atomically. Without metadata it gets no sidecar: its
   * entity tag is its MD5, which `head` computes from the file when no
   * sidecar says otherwise (so an older sidecar is removed first). That is
   * half the file operations of a write with a sidecar; executions' inputs
   * and workflow closures are written this way on every registration and launch.
   */
  async write(ref: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const path = this.pathOf(ref);
    const metadata = normalizeMetadata(options.metadata);
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempName(path);
    try {
      await writeFile(tmp, data);
    } catch (err) {
      // A full disk leaves a partial temp file; do not let it hold the space.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    if (Object.keys(metadata).length > 0) {
      await this.#commit(tmp, path, { etag: createHash("md5").update(data).digest("hex"), metadata });
      return;
    }
    await unlink(this.#sidecarOf(path)).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
    await rename(tmp, path);
  }

  /**
   * Writes a stream atomically, refusing more than `maxBytes`
   * (RESOURCE_EXHAUSTED) and bytes whose MD5 is not `contentMd5`
   * (INVALID_ARGUMENT); nothing is left behind on failure.
   */
  async writeStream(ref: string, source: AsyncIterable<Uint8Array>, options: StreamWriteOptions): Promise<string> {
    const path = this.pathOf(ref);
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempName(path);
    const hash = createHash("md5");
    const file = await open(tmp, "wx");
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > options.maxBytes) {
          throw new AdminError(Code.RESOURCE_EXHAUSTED, `object larger than the limit of ${options.maxBytes} bytes`);
        }
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.close();
    } catch (e) {
      await file.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw e;
    }
    const digest = hash.digest();
    if (options.contentMd5 !== undefined && digest.toString("base64") !== options.contentMd5) {
      await unlink(tmp).catch(() => {});
      throw AdminError.invalidArgument(
        `BadDigest: the body's MD5 [${digest.toString("base64")}] does not match Content-MD5 [${options.contentMd5}]`,
      );
    }
    const etag = digest.toString("hex");
    await this.#commit(tmp, path, { etag, metadata: normalizeMetadata(options.metadata) });
    return etag;
  }

  async read(ref: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(ref));
    } catch (e) {
      if (isMissing(e)) throw new AdminError(Code.NOT_FOUND, `object not found: ${ref}`);
      throw e;
    }
  }

  /** A stream of the object's bytes with its size and entity tag; NOT_FOUND when missing. */
  async openRead(ref: string): Promise<{ stream: ReadStream; size: number; etag: string | undefined }> {
    const info = await this.head(ref);
    if (!info) throw new AdminError(Code.NOT_FOUND, `object not found: ${ref}`);
    return { stream: createReadStream(this.pathOf(ref)), size: info.size, etag: info.etag };
  }

  async head(ref: string): Promise<BlobInfo | undefined> {
    const path = this.pathOf(ref);
    let size: number;
    try {
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      size = s.size;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    const sidecar = await readFile(this.#sidecarOf(path), "utf8")
      .then((text) => JSON.parse(text) as Sidecar)
      .catch(() => undefined);
    // A file put there by other means: its MD5, as S3 would report for it.
    const etag =
      sidecar?.etag ??
      createHash("md5")
        .update(await readFile(path))
        .digest("hex");
    return { size, etag, metadata: sidecar?.metadata ?? {} };
  }

  async signedUrl(ref: string, request: SignedUrlRequest): Promise<SignedUrl> {
    if (!this.#urls) throw AdminError.internal("signed URLs are not configured for the local store");
    const path = this.urlPathOf(ref);
    const expiresAt = nowMicros() + Math.round(request.expiresInSeconds * 1e6);
    const expires = Math.floor(expiresAt / 1e6);
    const put = request.method === "PUT";
    const contentMd5 = put ? (request.contentMd5 ?? "") : "";
    const metadata = put ? normalizeMetadata(request.metadata) : {};
    const signature = this.#urls.signer.sign({ method: request.method, path, expires, contentMd5, metadata });
    const query = new URLSearchParams({ method: request.method, expires: String(expires) });
    if (contentMd5) query.set("md5", contentMd5);
    const metaKeys = Object.keys(metadata).sort();
    if (metaKeys.length > 0) query.set("meta", metaKeys.join(","));
    query.set("signature", signature);
    const headers: Record<string, string> = {};
    if (contentMd5) headers["Content-MD5"] = contentMd5;
    for (const k of metaKeys) headers[`${METADATA_HEADER_PREFIX}${k}`] = metadata[k] as string;
    const base = this.#urls.publicUrl().replace(/\/+$/, "");
    return { url: `${base}${path}?${query}`, expiresAt: expires * 1e6, headers };
  }

  /** Whether `signature` is ours for exactly these fields (false when URLs are not configured). */
  verifySignature(fields: SignedFields, signature: string): boolean {
    return this.#urls?.signer.verify(fields, signature) ?? false;
  }

  /** The canonical URL path of a reference: `/blobs/<container>/<key>`, each segment percent-encoded. */
  urlPathOf(ref: string): string {
    const segments = relative(this.#root, this.pathOf(ref)).split(sep);
    return BLOB_PATH_PREFIX + segments.map(encodeURIComponent).join("/");
  }

  /** The reference a URL path names, from its decoded segments (container first). */
  refOfUrlSegments(segments: readonly string[]): string {
    return `${FILE_SCHEME}${join(this.#root, ...segments)}`;
  }

  /** Moves a finished temp file into place with its sidecar, so a reader never sees half an object. */
  async #commit(tmp: string, path: string, sidecar: Sidecar): Promise<void> {
    const metaPath = this.#sidecarOf(path);
    await mkdir(dirname(metaPath), { recursive: true });
    const metaTmp = tempName(metaPath);
    await writeFile(metaTmp, JSON.stringify(sidecar));
    await rename(metaTmp, metaPath);
    await rename(tmp, path);
  }

  #sidecarOf(path: string): string {
    return `${join(this.#root, META_DIR, relative(this.#root, path))}.json`;
  }
}

function tempName(path: string): string {
  return `${path}.${randomBytes(6).toString("hex")}.tmp`;
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
