/**
 * The inputs and outputs parts of the *GetData responses (executions.md
 * §2.6): the full literal maps when the configuration lets the server read
 * them, and the URL blobs. Read failures are swallowed (an empty map), as in
 * FlyteAdmin: the client can still follow the URL.
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
}

export function dataSettings(config: Config): DataSettings {
  return { scheme: config.remoteData.scheme, maxSizeInBytes: config.remoteData.maxSizeInBytes };
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

async function readMap(store: DataStore, uri: string): Promise<LiteralMap> {
  try {
    return fromBinary(LiteralMapSchema, await store.read(uri));
  } catch {
    return create(LiteralMapSchema);
  }
}

/**
 * Inputs stored at `uri` ("" for none).
 *
 * @example
 * const { full, blob } = await inputsData(blobs, settings, row.input_uri);
 */
export async function inputsData(store: DataStore, settings: DataSettings, uri: string): Promise<LiteralData> {
  const blob = create(UrlBlobSchema);
  if (uri === "") return { full: create(LiteralMapSchema), blob };
  const full = shouldFetch(settings, blob) ? await readMap(store, uri) : create(LiteralMapSchema);
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
  const blob = create(UrlBlobSchema);
  if (outputs.data !== undefined) {
    const small = toBinary(LiteralMapSchema, outputs.data).length < settings.maxSizeInBytes;
    return { full: small ? outputs.data : create(LiteralMapSchema), blob };
  }
  if (outputs.uri !== "" && shouldFetch(settings, blob)) return { full: await readMap(store, outputs.uri), blob };
  return { full: create(LiteralMapSchema), blob };
}
