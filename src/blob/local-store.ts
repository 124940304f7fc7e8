/**
 * The embedded profile's blob store: a directory. References are `file://`
 * URIs of absolute paths, which flytekit and the local engine read directly.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AdminError, Code } from "../errors/admin-error.js";
import type { BlobInfo, DataStore } from "./data-store.js";

/**
 * A DataStore over a local directory.
 *
 * @example
 * const store = new LocalStore("/var/lib/flyteadmin/blobs", "flyte");
 * await store.write(store.ref("metadata", "p", "d", "x"), bytes);
 */
export class LocalStore implements DataStore {
  readonly baseUri: string;
  readonly #root: string;
  readonly #container: string;

  constructor(root: string, container: string) {
    this.#root = resolve(root);
    this.#container = join(this.#root, container);
    this.baseUri = pathToFileURL(this.#container).href;
  }

  ref(...segments: string[]): string {
    const parts = segments.filter((s) => s !== "").map((s) => encodeURIComponent(s));
    return `${this.baseUri}/${parts.join("/")}`;
  }

  /** The file a reference names; refuses anything outside the store's root. */
  pathOf(ref: string): string {
    let path: string;
    try {
      path = resolve(fileURLToPath(ref));
    } catch {
      throw new AdminError(Code.INVALID_ARGUMENT, `not a local blob reference: ${ref}`);
    }
    if (path !== this.#root && !path.startsWith(this.#root + sep)) {
      throw new AdminError(Code.INVALID_ARGUMENT, `blob reference outside the store: ${ref}`);
    }
    return path;
  }

  async write(ref: string, data: Uint8Array, options: { contentMd5?: string } = {}): Promise<void> {
    const path = this.pathOf(ref);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half an object.
    const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
    if (options.contentMd5) await writeFile(`${path}.md5`, options.contentMd5);
  }

  async read(ref: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(ref));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        throw new AdminError(Code.NOT_FOUND, `object not found: ${ref}`);
      throw e;
    }
  }

  async head(ref: string): Promise<BlobInfo | undefined> {
    const path = this.pathOf(ref);
    try {
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      const md5 = await readFile(`${path}.md5`, "utf8").catch(() => undefined);
      return { size: s.size, contentMd5: md5 };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }
}
