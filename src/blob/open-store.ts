/** Opens the blob store the `storage` section configures. */
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import type { DataStore } from "./data-store.js";
import { LocalStore } from "./local-store.js";

/**
 * `storage.type: local` (the default; also `mem`): a directory, by default
 * `<data dir>/blobs`, holding the container.
 */
export function openDataStore(config: Config, dataDir: string): DataStore {
  const s = config.storage;
  switch (s.type) {
    case "local":
    case "mem":
      return new LocalStore(s.local.root || s.stow.config.path || join(dataDir, "blobs"), s.container);
    default:
      throw new Error(`storage.type ${s.type} is not supported by this build yet`);
  }
}
