/**
 * Serves the web console (the Vite build in `console/dist`) at `/console`.
 * Hashed assets (`/console/assets/*`) are immutable for a year; index.html is
 * `no-cache` with an ETag so a new build shows on the next load. Any other
 * path below `/console` is a page of the single-page app and gets index.html,
 * so flyteconsole's deep links (the one pyflyte prints, bookmarks) open the
 * right page. Files are read once and kept in memory with their gzip and
 * brotli forms: the whole build is a few hundred kilobytes.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
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
  readonly gzip?: Buffer;
  readonly brotli?: Buffer;
  readonly type: string;
  readonly etag: string;
}

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

  serve(req: IncomingMessage, res: ServerResponse, subPath: string): void {
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
      send(req, res, file, asset ? IMMUTABLE : REVALIDATE);
      return;
    }
    // A missing asset must not be answered with the page: the browser would run HTML as a script.
    if (asset || (extname(path) !== "" && extname(path) in CONTENT_TYPES)) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    send(req, res, index, REVALIDATE);
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
    // index.html changes with every build; an asset never changes under its name.
    const cached = this.#cache.get(full);
    if (cached !== undefined && !full.endsWith("index.html")) return cached ?? undefined;
    const loaded = loadFile(full);
    this.#cache.set(full, loaded ?? null);
    return loaded;
  }
}

function loadFile(full: string): CachedFile | undefined {
  if (!existsSync(full) || !statSync(full).isFile()) return undefined;
  const body = readFileSync(full);
  const ext = extname(full);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  const type = CONTENT_TYPES[ext] ?? "application/octet-stream";
  if (!COMPRESSIBLE.has(ext) || body.length < 512) return { body, type, etag };
  return {
    body,
    type,
    etag,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6 } }),
  };
}

function send(req: IncomingMessage, res: ServerResponse, file: CachedFile, cacheControl: string): void {
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
    body = file.brotli;
    headers["Content-Encoding"] = "br";
  } else if (file.gzip && /\bgzip\b/.test(accepted)) {
    body = file.gzip;
    headers["Content-Encoding"] = "gzip";
  }
  headers["Content-Length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
