/**
 * Reads of blobs that never change once their row is committed, kept in a
 * bounded in-memory cache per data store: a registered workflow's closure
 * (written once, inside the transaction that inserts its row, at a path
 * named by its version; GetWorkflow and every CreateExecution read it). On
 * S3 that saves a round trip per read, locally a file read. Safe with any
 * number of replicas: a reader only asks for the closure of a committed row,
 * and that blob is final.
 */
import { LruCache } from "../common/lru-cache.js";
import type { DataStore } from "./data-store.js";

const caches = new WeakMap<DataStore, LruCache<string, Uint8Array>>();

/** Keeps up to `maxBytes` of `store`'s immutable blobs in memory (see config/cache-budget.ts); 0: none. */
export function cacheImmutableReads(store: DataStore, maxBytes: number): void {
  if (maxBytes > 0) caches.set(store, new LruCache({ maxWeight: maxBytes }));
}

/**
 * The bytes at `ref`, which must be immutable; from memory after the first
 * read when the store has a cache (cacheImmutableReads).
 * Callers must not modify the bytes (they are shared).
 *
 * @example
 * const closure = fromBinary(WorkflowClosureSchema, await readImmutable(blobs, row.remote_closure_identifier));
 */
export async function readImmutable(store: DataStore, ref: string): Promise<Uint8Array> {
  const cache = caches.get(store);
  const hit = cache?.get(ref);
  if (hit !== undefined) return hit;
  const bytes = await store.read(ref);
  cache?.set(ref, bytes, bytes.byteLength + ref.length * 2);
  return bytes;
}
