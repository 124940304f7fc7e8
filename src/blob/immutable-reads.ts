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

/** Bytes of immutable blobs kept per data store. */
export const IMMUTABLE_BLOB_CACHE_BYTES = 64 * 1024 * 1024;

const caches = new WeakMap<DataStore, LruCache<string, Uint8Array>>();

/**
 * The bytes at `ref`, which must be immutable; from memory after the first read.
 * Callers must not modify the bytes (they are shared).
 *
 * @example
 * const closure = fromBinary(WorkflowClosureSchema, await readImmutable(blobs, row.remote_closure_identifier));
 */
export async function readImmutable(store: DataStore, ref: string): Promise<Uint8Array> {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new LruCache({ maxWeight: IMMUTABLE_BLOB_CACHE_BYTES, weigh: (b) => b.byteLength + ref.length * 2 });
    caches.set(store, cache);
  }
  const hit = cache.get(ref);
  if (hit !== undefined) return hit;
  const bytes = await store.read(ref);
  cache.set(ref, bytes);
  return bytes;
}
