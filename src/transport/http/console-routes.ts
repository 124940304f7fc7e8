/**
 * Serves the web console (the Vite build in `console/dist`) at `/console`.
 * Hashed assets (`/console/assets/*`) are immutable for a year; index.html is
 * `no-cache` with an ETag so a new build shows on the next load. Any other
 * path below `/console` is a page of the single-page app and gets index.html,
 * so flyteconsole's deep links (the one pyflyte prints, bookmarks) open the
 * right page. Files are read once and kept in memory with their gzip and
 * brotli forms (compressed on the thread pool, not the event loop; a page's
 * assets as soon as the page is asked for): the whole build is a few hundred
 * kilobytes.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import type { HttpGateway } from "./gateway.js";

export const CONSOLE_PREFIX = "/console";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".map", ".txt"]);
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

interface CachedFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly mtimeMs: number;
  /** Compressed on the thread pool, once, when the file is first read. */
  readonly gzip?: Promise<Buffer>;
  readonly brotli?: Promise<Buffer>;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Where the console build lives: `<package root>/console/dist` (this file is three levels below the root in src/ and dist/). */
export function defaultConsoleDir(): string {
  return resolve(import.meta.dirname, "..", "..", "..", "console", "dist");
}

/**
 * Adds `GET|HEAD /console` and `/console/*`.
 *
 * @example
 * addConsoleRoutes(gateway); // serves console/dist
 */
export function addConsoleRoutes(gateway: HttpGateway, dir = defaultConsoleDir()): void {
  const files = new ConsoleFiles(dir);
  const handler = (req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string | undefined>>) =>
    files.serve(req, res, params["*"] ?? "");
  gateway.addRawRoute(["GET", "HEAD"], CONSOLE_PREFIX, "console", handler);
  gateway.addRawRoute(["GET", "HEAD"], `${CONSOLE_PREFIX}/*`, "console", handler);
}

/**
 * The built files, read on first use.
 *
 * @example
 * const files = new ConsoleFiles("console/dist");
 * files.serve(req, res, "assets/index-abc123.js");
 */
export class ConsoleFiles {
  readonly #root: string;
  readonly #cache = new Map<string, CachedFile | null>();

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async serve(req: IncomingMessage, res: ServerResponse, subPath: string): Promise<void> {
    const index = this.#file("index.html");
    if (!index) {
      res
        .writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": REVALIDATE })
        .end(`the console is not built: run \`npm run build\` (looked in ${this.#root})\n`);
      return;
    }
    const path = subPath.split("?")[0] ?? "";
    const asset = path.startsWith("assets/");
    const file = path === "" ? index : this.#file(path);
    if (file) {
      if (file === index) this.#warm(index);
      await send(req, res, file, asset ? IMMUTABLE : REVALIDATE);
      return;
    }
    // A missing asset must not be answered with the page: the browser would run HTML as a script.
    if (asset || (extname(path) !== "" && extname(path) in CONTENT_TYPES)) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    this.#warm(index);
    await send(req, res, index, REVALIDATE);
  }

  /** Reads (and starts compressing) the assets a page references, before the browser asks for them. */
  #warm(index: CachedFile): void {
    for (const m of index.body.toString("utf8").matchAll(/(?:src|href)="\/console\/(assets\/[^"]+)"/g)) {
      this.#file(m[1] as string);
    }
  }

  #file(relative: string): CachedFile | undefined {
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      return undefined;
    }
    const full = resolve(join(this.#root, decoded));
    if (full !== this.#root && !full.startsWith(this.#root + sep)) return undefined;
    const cached = this.#cache.get(full);
    // An asset never changes under its name; index.html changes with every build (checked by mtime).
    if (cached !== undefined && (!full.endsWith("index.html") || cached?.mtimeMs === mtimeOf(full))) {
      return cached ?? undefined;
    }
    const loaded = loadFile(full);
    this.#cache.set(full, loaded ?? null);
    return loaded;
  }
}

function mtimeOf(full: string): number | undefined {
  return statSync(full, { throwIfNoEntry: false })?.mtimeMs;
}

function loadFile(full: string): CachedFile | undefined {
  const info = statSync(full, { throwIfNoEntry: false });
  if (!info?.isFile()) return undefined;
  const body = readFileSync(full);
  const ext = extname(full);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  const type = CONTENT_TYPES[ext] ?? "application/octet-stream";
  const file = { body, type, etag, mtimeMs: info.mtimeMs };
  if (!COMPRESSIBLE.has(ext) || body.length < 512) return file;
  return {
    ...file,
    gzip: gzipAsync(body, { level: 9 }),
    brotli: brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6 } }),
  };
}

async function send(req: IncomingMessage, res: ServerResponse, file: CachedFile, cacheControl: string): Promise<void> {
  const headers: Record<string, string | number> = {
    "Content-Type": file.type,
    "Cache-Control": cacheControl,
    ETag: file.etag,
    Vary: "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
  };
  if (req.headers["if-none-match"] === file.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const accepted = String(req.headers["accept-encoding"] ?? "");
  let body = file.body;
  if (file.brotli && /\bbr\b/.test(accepted)) {
    body = await file.brotli;
    headers["Content-Encoding"] = "br";
  } else if (file.gzip && /\bgzip\b/.test(accepted)) {
    body = await file.gzip;
    headers["Content-Encoding"] = "gzip";
  }
  headers["Content-Length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
