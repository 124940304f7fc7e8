/**
 * The engine's own reads and writes of the blob store (inputs.pb, outputs.pb,
 * checks for error.pb / futures.pb / outputs.pb). On the local store they go
 * straight to the files: an existence check is one stat (the store's `head`
 * also reads or computes the entity tag), a write one file write (the
 * store's sidecar metadata is not needed for these). Other stores are used
 * through their interface.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DataStore } from "../../blob/data-store.js";
import { LocalStore } from "../../blob/local-store.js";

/**
 * Fast blob access for the engine.
 *
 * @example
 * const files = new EngineFiles(store);
 * if (await files.exists(`${prefix}/error.pb`)) ...
 */
export class EngineFiles {
  readonly #store: DataStore;
  readonly #local: LocalStore | undefined;
  readonly #dirs = new Set<string>();

  constructor(store: DataStore) {
    this.#store = store;
    this.#local = store instanceof LocalStore ? store : undefined;
  }

  async exists(ref: string): Promise<boolean> {
    if (!this.#local) return (await this.#store.head(ref)) !== undefined;
    const info = await stat(this.#local.pathOf(ref)).catch(() => undefined);
    return info?.isFile() ?? false;
  }

  async write(ref: string, data: Uint8Array): Promise<void> {
    if (!this.#local) return this.#store.write(ref, data);
    const path = this.#local.pathOf(ref);
    const dir = dirname(path);
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    await writeFile(path, data);
  }
}
