/**
 * Single-row statements that arrive together share one statement. Under
 * load the requests of one socket read reach the store in the same turn of
 * the event loop; each single-row read by key (or insert) costs a round
 * trip, most of it fixed costs (the driver's message handling, PostgreSQL's
 * per-statement work). Those asked for until the loop next polls for I/O go
 * out as one statement that takes all their keys; each caller gets its own
 * answer. Nothing is remembered between batches: every read sees every
 * write committed before it was asked for.
 */
import DataLoader from "dataloader";

/** Keys per shared statement at most. */
const MAX_KEYS = 64;

/** Single-row statements by key, batched: `load(key)`. */
export type Together<K, V> = DataLoader<K, V | undefined>;

/**
 * `load(key)` batches; `all` answers a batch's keys in their order
 * (undefined for none). A batch of one key goes to `one` when given.
 *
 * @example
 * const reads = together<string, ProjectRow>((ids) => rowsByIds(ids), (id) => rowById(id));
 * const row = await reads.load("flytesnacks");
 */
export function together<K, V>(
  all: (keys: readonly K[]) => Promise<(V | undefined)[]>,
  one?: (key: K) => Promise<V | undefined>,
): Together<K, V> {
  return new DataLoader<K, V | undefined>(
    (keys) => (keys.length === 1 && one ? one(keys[0] as K).then((v) => [v]) : all(keys)),
    { cache: false, maxBatchSize: MAX_KEYS, batchScheduleFn: (run) => setImmediate(run) },
  );
}

/**
 * The rows of a batch statement whose keys went in `WITH ORDINALITY` (as
 * `key_index`, counted from 1), each at its key's position without that
 * column; undefined where a key found no row.
 *
 * @example
 * const rows = inKeyOrder(keys.length, await batch.execute(db, args));
 */
export function inKeyOrder<R extends { readonly key_index: string | number }>(
  count: number,
  rows: readonly R[],
): (Omit<R, "key_index"> | undefined)[] {
  const out = new Array<Omit<R, "key_index"> | undefined>(count).fill(undefined);
  for (const { key_index, ...row } of rows) out[Number(key_index) - 1] = row;
  return out;
}
