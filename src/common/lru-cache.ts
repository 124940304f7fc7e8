/**
 * A bounded least-recently-used map, bounded by a total weight (bytes, or 1
 * per entry). A Map keeps insertion order, so re-inserting on each hit keeps
 * the least recently used entry first, where eviction takes it.
 */

/**
 * @example
 * const cache = new LruCache<string, Uint8Array>({ maxWeight: 64 << 20, weigh: (b) => b.byteLength });
 * cache.set("k", bytes);
 * cache.get("k");
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  readonly #maxWeight: number;
  readonly #weigh: (value: V) => number;
  #weight = 0;

  constructor(options: { readonly maxWeight: number; readonly weigh?: (value: V) => number }) {
    this.#maxWeight = options.maxWeight;
    this.#weigh = options.weigh ?? (() => 1);
  }

  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` under `key`; `weight` overrides the weigh function (e.g. a size known from elsewhere). */
  set(key: K, value: V, weight = this.#weigh(value)): void {
    if (weight > this.#maxWeight) return;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#weight -= old.weight;
      this.#entries.delete(key);
    }
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [k, e] of this.#entries) {
      if (this.#weight <= this.#maxWeight) break;
      this.#entries.delete(k);
      this.#weight -= e.weight;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The total weight held. */
  get weight(): number {
    return this.#weight;
  }
}
