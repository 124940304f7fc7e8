/**
 * Reads that arrive together share one statement. Under load the requests
 * of one socket read reach the store in the same turn of the event loop;
 * each single-row read by key costs a round trip, most of it fixed costs
 * (the driver's message handling, PostgreSQL's per-statement work). The
 * reads asked for until the loop next polls for I/O go out as one
 * statement that takes all their keys; each caller gets its own row.
 * Nothing is remembered between batches: every read sees every write
 * committed before it was asked for.
 */
import DataLoader from "dataloader";

/** Keys per shared statement at most. */
const MAX_KEYS_PER_READ = 64;

/** Single reads by key, batched: `load(key)`. */
export type ReadsTogether<K, V> = DataLoader<K, V | undefined>;

/**
 * `load(key)` batches; `readAll` answers a batch's keys in their order
 * (undefined for none). A batch of one key goes to `readOne` when given.
 *
 * @example
 * const reads = readsTogether<string, ProjectRow>((ids) => rowsByIds(ids));
 * const row = await reads.load("flytesnacks");
 */
export function readsTogether<K, V>(
  readAll: (keys: readonly K[]) => Promise<(V | undefined)[]>,
  readOne?: (key: K) => Promise<V | undefined>,
): ReadsTogether<K, V> {
  return new DataLoader<K, V | undefined>(
    (keys) => (keys.length === 1 && readOne ? readOne(keys[0] as K).then((v) => [v]) : readAll(keys)),
    { cache: false, maxBatchSize: MAX_KEYS_PER_READ, batchScheduleFn: (run) => setImmediate(run) },
  );
}
