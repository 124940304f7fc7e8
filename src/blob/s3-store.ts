/**
 * The at-scale blob store: an S3-compatible bucket (AWS S3, MinIO, ...).
 * References are `s3://bucket/key`, as FlyteAdmin writes them. Signed URLs
 * are SigV4 presigned URLs; a PUT URL signs Content-MD5 and the metadata
 * headers, as flytestdlib's stow store does, so S3 itself enforces them.
 */
import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
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

/** Header prefix of S3 user metadata. */
export const S3_METADATA_HEADER_PREFIX = "x-amz-meta-";

export interface S3StoreOptions {
  readonly bucket: string;
  /** Custom endpoint (MinIO, a local S3); empty for AWS. */
  readonly endpoint: string;
  readonly region: string;
  /** Static credentials; when both are empty the SDK's default chain (IAM role, environment) is used. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO and most custom endpoints need. */
  readonly forcePathStyle: boolean;
  /** Endpoint put in signed URLs when clients reach the store at another address (`storage.signedUrl.stowConfigOverride.endpoint`). */
  readonly signingEndpoint?: string | undefined;
  /** Whether references to other buckets are accepted (`storage.enable-multicontainer`). */
  readonly multiContainer?: boolean | undefined;
}

/**
 * A DataStore over an S3-compatible bucket.
 *
 * @example
 * const store = new S3Store({ bucket: "flyte", endpoint: "http://minio:9000", region: "us-east-1",
 *   accessKeyId: "minio", secretAccessKey: "miniostorage", forcePathStyle: true });
 * const { url, headers } = await store.signedUrl(store.ref("a", "b"), { method: "PUT", expiresInSeconds: 600 });
 */
export class S3Store implements DataStore {
  readonly baseUri: string;
  readonly #bucket: string;
  readonly #client: S3Client;
  readonly #signingClient: S3Client;
  readonly #multiContainer: boolean;

  constructor(options: S3StoreOptions) {
    if (options.bucket === "") throw new Error("storage.container (the bucket) is required for an S3 store");
    this.#bucket = options.bucket;
    this.baseUri = `s3://${options.bucket}`;
    this.#multiContainer = options.multiContainer ?? false;
    this.#client = new S3Client(clientConfig(options, options.endpoint));
    this.#signingClient = options.signingEndpoint
      ? new S3Client(clientConfig(options, options.signingEndpoint))
      : this.#client;
  }

  ref(...segments: string[]): string {
    return `${this.baseUri}/${keyParts(segments).join("/")}`;
  }

  async write(ref: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const { bucket, key } = this.#locate(ref);
    await this.#client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        ContentMD5: createHash("md5").update(data).digest("base64"),
        Metadata: normalizeMetadata(options.metadata),
      }),
    );
  }

  async read(ref: string): Promise<Uint8Array> {
    const { bucket, key } = this.#locate(ref);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (e) {
      if (isNotFound(e)) throw new AdminError(Code.NOT_FOUND, `object not found: ${ref}`);
      throw e;
    }
  }

  async head(ref: string): Promise<BlobInfo | undefined> {
    const { bucket, key } = this.#locate(ref);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        etag: out.ETag?.replace(/^"|"$/g, ""),
        metadata: normalizeMetadata(out.Metadata),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async signedUrl(ref: string, request: SignedUrlRequest): Promise<SignedUrl> {
    const { bucket, key } = this.#locate(ref);
    const expiresAt = nowMicros() + Math.round(request.expiresInSeconds * 1e6);
    const expiresIn = Math.max(1, Math.round(request.expiresInSeconds));
    if (request.method === "GET") {
      const url = await getSignedUrl(this.#signingClient, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn,
      });
      return { url, expiresAt, headers: {} };
    }
    const metadata = normalizeMetadata(request.metadata);
    const headers: Record<string, string> = {};
    if (request.contentMd5) headers["Content-MD5"] = request.contentMd5;
    const metaHeaders = Object.keys(metadata).map((k) => `${S3_METADATA_HEADER_PREFIX}${k}`);
    for (const k of Object.keys(metadata)) headers[`${S3_METADATA_HEADER_PREFIX}${k}`] = metadata[k] as string;
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentMD5: request.contentMd5 || undefined,
      Metadata: metadata,
    });
    const url = await getSignedUrl(this.#signingClient, command, {
      expiresIn,
      // Signed headers, not query parameters: S3 then refuses a PUT whose Content-MD5 or metadata differ.
      signableHeaders: new Set(["content-md5", ...metaHeaders]),
      unhoistableHeaders: new Set(metaHeaders),
    });
    return { url, expiresAt, headers };
  }

  /** Bucket and key of a reference; refuses other schemes, other buckets (unless multi-container) and empty keys. */
  #locate(ref: string): { bucket: string; key: string } {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
    if (!m) throw new AdminError(Code.INVALID_ARGUMENT, `not an s3 storage reference: ${ref}`);
    const bucket = m[1] as string;
    if (bucket !== this.#bucket && !this.#multiContainer) {
      throw new AdminError(Code.INVALID_ARGUMENT, `storage reference outside the store: ${ref}`);
    }
    return { bucket, key: keyParts([m[2] as string]).join("/") };
  }
}

function clientConfig(o: S3StoreOptions, endpoint: string): S3ClientConfig {
  return {
    region: o.region || "us-east-1",
    endpoint: endpoint || undefined,
    forcePathStyle: o.forcePathStyle,
    credentials:
      o.accessKeyId || o.secretAccessKey
        ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey }
        : undefined,
    // The SDK's default adds CRC32 checksums of the request body, which a presigned URL cannot know and
    // many S3-compatible servers reject; Content-MD5 is the integrity check here.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata?.httpStatusCode === 404;
}
