/**
 * Where specs, closures, inputs and outputs too big for a row live: a local
 * directory (embedded profile) or an S3-compatible bucket (at scale), behind
 * one interface. References are URIs (`file:///...`, `s3://bucket/...`), as
 * FlyteAdmin stores them in rows and hands them to engines and clients.
 */
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { AdminError } from "../errors/admin-error.js";

/**
 * The user-metadata key holding the base64 MD5 a client declared for an
 * upload (flytestdlib's `flyteContentMD5`; S3 lower-cases metadata keys).
 */
export const CONTENT_MD5_METADATA = "flytecontentmd5";

export interface BlobInfo {
  readonly size: number;
  /** The store's entity tag without quotes: the hex MD5 of the bytes for a single-part write. */
  readonly etag?: string | undefined;
  /** User metadata recorded with the object, keys lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface WriteOptions {
  /** User metadata to record with the object; keys are lower-cased. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface SignedUrlRequest {
  readonly method: "GET" | "PUT";
  readonly expiresInSeconds: number;
  /** PUT only: base64 MD5 the body must have; the client must send it as Content-MD5. */
  readonly contentMd5?: string | undefined;
  /** PUT only: user metadata recorded with the object; covered by the signature, sent as headers. */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

export interface SignedUrl {
  readonly url: string;
  /** Microseconds since the epoch. */
  readonly expiresAt: number;
  /** Headers the client must send with the request, exactly. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface DataStore {
  /** The URI of the base container, e.g. `file:///var/lib/flyteadmin/blobs/flyte` or `s3://my-bucket`. */
  readonly baseUri: string;
  /**
   * A reference under the base container from path segments. A segment may
   * hold several `/`-separated parts; empty parts are dropped; `.` and `..`
   * are refused (INVALID_ARGUMENT), so a reference never climbs out.
   */
  ref(...segments: string[]): string;
  write(ref: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /** The object's bytes; throws NOT_FOUND (AdminError) when it does not exist. */
  read(ref: string): Promise<Uint8Array>;
  /** Size, entity tag and metadata, or undefined when the object does not exist. */
  head(ref: string): Promise<BlobInfo | undefined>;
  /** A URL a client can GET or PUT the object at without credentials, until it expires. */
  signedUrl(ref: string, request: SignedUrlRequest): Promise<SignedUrl>;
}

/** Splits and checks the segments of a reference path (the rule every store's `ref` follows). */
export function keyParts(segments: readonly string[]): string[] {
  const parts = segments.flatMap((s) => s.split("/")).filter((p) => p !== "");
  for (const p of parts) {
    if (p === "." || p === ".." || p.includes("\0")) {
      throw AdminError.invalidArgument(`invalid path segment [${p}] in a storage reference`);
    }
  }
  return parts;
}

/** Lower-cases metadata keys, as S3 stores them. */
export function normalizeMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Writes a protobuf message as binary. */
export async function writeProto<D extends DescMessage>(
  store: DataStore,
  ref: string,
  schema: D,
  message: MessageShape<D>,
): Promise<void> {
  await store.write(ref, toBinary(schema, message));
}

/** Reads a binary protobuf message. */
export async function readProto<D extends DescMessage>(
  store: DataStore,
  ref: string,
  schema: D,
): Promise<MessageShape<D>> {
  return fromBinary(schema, await store.read(ref));
}
