/**
 * The inputs and outputs parts of the *GetData responses (executions.md
 * §2.6): the full literal maps when the configuration lets the server read
 * them, and the URL blobs (signed store URLs with the object's size when
 * `remoteData.signedUrls.enabled`). Read failures are swallowed (an empty
 * map), as in FlyteAdmin: the client can still follow the URL.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import type { Config } from "../../config/schema.js";
import { type UrlBlob, UrlBlobSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";

/** `remoteData` settings that decide what is read. */
export interface DataSettings {
  /** `remoteData.scheme`; `local` and `none` always read. */
  readonly scheme: string;
  /** `remoteData.maxSizeInBytes`: larger data is not returned inline (0 = no limit on reads). */
  readonly maxSizeInBytes: number;
  /** `storage.limits.maxDownloadMBs` in bytes: larger objects are never read into a response. */
  readonly maxDownloadBytes: number;
  /** Minutes signed URLs last (`remoteData.signedUrls`); 0 when URL blobs are not signed. */
  readonly signedUrlMinutes: number;
}

/** FlyteAdmin's signed URLs last `durationMinutes`; 0 would expire at once, so we use an hour. */
const DEFAULT_SIGNED_URL_MINUTES = 60;

export function dataSettings(config: Config): DataSettings {
  const signed = config.remoteData.signedUrls;
  return {
    scheme: config.remoteData.scheme,
    maxSizeInBytes: config.remoteData.maxSizeInBytes,
    maxDownloadBytes: config.storage.limits.maxDownloadMBs * 1024 * 1024,
    signedUrlMinutes: signed.enabled ? signed.durationMinutes || DEFAULT_SIGNED_URL_MINUTES : 0,
  };
}

/** One side (inputs or outputs) of a data response. */
export interface LiteralData {
  readonly full: LiteralMap;
  readonly blob: UrlBlob;
}

/** Whether the server reads an object of `blob.bytes` (0 when unknown) itself. */
function shouldFetch(settings: DataSettings, blob: UrlBlob): boolean {
  return (
    settings.scheme === "local" ||
    settings.scheme === "none" ||
    settings.maxSizeInBytes === 0 ||
    Number(blob.bytes) < settings.maxSizeInBytes
  );
}

async function readMap(store: DataStore, settings: DataSettings, uri: string): Promise<LiteralMap> {
  try {
    const head = await store.head(uri);
    if (!head || head.size > settings.maxDownloadBytes) return create(LiteralMapSchema);
    return fromBinary(LiteralMapSchema, await store.read(uri));
  } catch {
    return create(LiteralMapSchema);
  }
}

/** The URL blob of an object: signed, with its size, when signing is on; empty otherwise. */
async function urlBlob(store: DataStore, settings: DataSettings, uri: string): Promise<UrlBlob> {
  if (settings.signedUrlMinutes === 0) return create(UrlBlobSchema);
  const head = await store.head(uri);
  const signed = await store.signedUrl(uri, { method: "GET", expiresInSeconds: settings.signedUrlMinutes * 60 });
  return create(UrlBlobSchema, { url: signed.url, bytes: BigInt(head?.size ?? 0) });
}

/**
 * Inputs stored at `uri` ("" for none).
 *
 * @example
 * const { full, blob } = await inputsData(blobs, settings, row.input_uri);
 */
export async function inputsData(store: DataStore, settings: DataSettings, uri: string): Promise<LiteralData> {
  if (uri === "") return { full: create(LiteralMapSchema), blob: create(UrlBlobSchema) };
  const blob = await urlBlob(store, settings, uri);
  const full = shouldFetch(settings, blob) ? await readMap(store, settings, uri) : create(LiteralMapSchema);
  return { full, blob };
}

/**
 * Outputs recorded as a URI or inline data. Inline data is returned only
 * below `maxSizeInBytes`; a URI is read when the settings allow it.
 */
export async function outputsData(
  store: DataStore,
  settings: DataSettings,
  outputs: { readonly uri: string; readonly data: LiteralMap | undefined },
): Promise<LiteralData> {
  const blob = outputs.uri !== "" ? await urlBlob(store, settings, outputs.uri) : create(UrlBlobSchema);
  if (outputs.data !== undefined) {
    const small = toBinary(LiteralMapSchema, outputs.data).length < settings.maxSizeInBytes;
    return { full: small ? outputs.data : create(LiteralMapSchema), blob };
  }
  if (outputs.uri !== "" && shouldFetch(settings, blob)) {
    return { full: await readMap(store, settings, outputs.uri), blob };
  }
  return { full: create(LiteralMapSchema), blob };
}
