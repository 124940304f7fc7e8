/**
 * Where specs, closures, inputs and outputs too big for a row live: a local
 * directory (embedded profile) or an S3-compatible bucket (at scale), behind
 * one interface. References are URIs (`file:///...`, `s3://bucket/...`), as
 * FlyteAdmin stores them in rows and hands them to engines and clients.
 */
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";

export interface BlobInfo {
  readonly size: number;
  /** base64 MD5 recorded at write time (Content-MD5), when known. */
  readonly contentMd5?: string | undefined;
}

export interface DataStore {
  /** The URI of the base container, e.g. `file:///var/lib/flyteadmin/blobs/flyte` or `s3://my-bucket`. */
  readonly baseUri: string;
  /** A reference under the base container from path segments (empty segments dropped). */
  ref(...segments: string[]): string;
  write(ref: string, data: Uint8Array, options?: { contentMd5?: string }): Promise<void>;
  /** The object's bytes; throws NOT_FOUND (AdminError) when it does not exist. */
  read(ref: string): Promise<Uint8Array>;
  /** Size and recorded MD5, or undefined when the object does not exist. */
  head(ref: string): Promise<BlobInfo | undefined>;
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
