/**
 * The task cache (what datacatalog is to FlytePropeller), kept in the blob
 * store: an entry is the outputs of the attempt that produced it plus the
 * catalog metadata events report, filed under the cache key's dataset,
 * version and tag. The metadata is written last, so a half-written entry is
 * never a hit.
 */
import { randomUUID } from "node:crypto";
import { type DataStore, readProto, writeProto } from "../../blob/data-store.js";
import { type CatalogMetadata, CatalogMetadataSchema } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import type { TaskExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type CacheKey, cacheKeySegments, catalogMetadata } from "./cache-key.js";

export interface CacheHit {
  readonly outputs: LiteralMap;
  readonly metadata: CatalogMetadata;
}

/**
 * Cached task outputs.
 *
 * @example
 * const hit = await cache.get(key);
 * if (!hit) await cache.put(key, outputs, attemptId);
 */
export class TaskCache {
  readonly #store: DataStore;

  constructor(store: DataStore) {
    this.#store = store;
  }

  #ref(key: CacheKey, file: string): string {
    return this.#store.ref("metadata", "engine-cache", ...cacheKeySegments(key), file);
  }

  async get(key: CacheKey): Promise<CacheHit | undefined> {
    const metaRef = this.#ref(key, "catalog.pb");
    if (!(await this.#store.head(metaRef))) return undefined;
    const [metadata, outputs] = await Promise.all([
      readProto(this.#store, metaRef, CatalogMetadataSchema),
      readProto(this.#store, this.#ref(key, "outputs.pb"), LiteralMapSchema),
    ]);
    return { outputs, metadata };
  }

  /** Files `outputs` under `key`; answers the metadata the SUCCEEDED event reports. */
  async put(key: CacheKey, outputs: LiteralMap, source: TaskExecutionIdentifier | undefined): Promise<CatalogMetadata> {
    const metadata = catalogMetadata(key, randomUUID(), source);
    await writeProto(this.#store, this.#ref(key, "outputs.pb"), LiteralMapSchema, outputs);
    await writeProto(this.#store, this.#ref(key, "catalog.pb"), CatalogMetadataSchema, metadata);
    return metadata;
  }
}
