/**
 * The local store's signed URLs, served by our own HTTP server:
 * `PUT /blobs/<container>/<key>` uploads (what flytekit and flytectl do with
 * CreateUploadLocation's URL) and `GET /blobs/<container>/<key>` downloads.
 * Every request must carry a valid, unexpired signature for its method and
 * path; a PUT must also carry the signed Content-MD5 and metadata headers,
 * stay under `server.dataProxy.upload.maxSize` and have the declared MD5.
 * Failures answer a plain-text reason and never touch a file outside the store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DataStore } from "../../blob/data-store.js";
import { BLOB_PATH_PREFIX, LocalStore, METADATA_HEADER_PREFIX } from "../../blob/local-store.js";
import type { SignedFields } from "../../blob/url-signer.js";
import { microsToRfc3339 } from "../../common/time.js";
import { AdminError, Code } from "../../errors/admin-error.js";
import type { HttpGateway } from "./gateway.js";

export interface BlobRouteOptions {
  /** Largest upload accepted, in bytes. */
  readonly maxUploadBytes: number;
}

/** A refused blob request: HTTP status and a reason for the client. */
class BlobRefusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface VerifiedRequest {
  readonly ref: string;
  readonly fields: SignedFields;
}

/** Adds the blob routes when the store is the local one (S3 serves its own presigned URLs). */
export function addBlobRoutes(gateway: HttpGateway, store: DataStore, options: BlobRouteOptions): void {
  if (!(store instanceof LocalStore)) return;
  const pattern = `${BLOB_PATH_PREFIX}*`;
  gateway.addRawRoute("PUT", pattern, "blob_upload", (req, res) =>
    guarded(res, async () => {
      const { ref, fields } = verify(store, req, "PUT");
      const declared = header(req, "content-length");
      if (declared !== undefined && Number(declared) > options.maxUploadBytes) {
        throw new BlobRefusal(413, `object larger than the limit of ${options.maxUploadBytes} bytes`);
      }
      const etag = await store.writeStream(ref, req, {
        maxBytes: options.maxUploadBytes,
        contentMd5: fields.contentMd5 || header(req, "content-md5"),
        metadata: fields.metadata,
      });
      // flytectl accepts only 200 (not 201).
      res.writeHead(200, { ETag: `"${etag}"`, "Content-Length": 0 }).end();
    }),
  );
  const download = (req: IncomingMessage, res: ServerResponse) =>
    guarded(res, async () => {
      const { ref } = verify(store, req, "GET");
      const { stream, size, etag } = await store.openRead(ref);
      const headers: Record<string, string | number> = {
        "Content-Type": "application/octet-stream",
        "Content-Length": size,
      };
      if (etag) headers.ETag = `"${etag}"`;
      res.writeHead(200, headers);
      if (req.method === "HEAD") {
        stream.destroy();
        res.end();
        return;
      }
      stream.on("error", () => res.destroy());
      stream.pipe(res);
    });
  gateway.addRawRoute("GET", pattern, "blob_download", download);
  // HTTP file systems (fsspec) ask for the size with HEAD before reading; a GET URL allows it.
  gateway.addRawRoute("HEAD", pattern, "blob_download", download);
}

/** Runs a handler, answering refusals and the store's client errors as plain text. */
async function guarded(res: ServerResponse, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    const refusal = e instanceof BlobRefusal ? e : e instanceof AdminError ? fromAdminError(e) : undefined;
    if (!refusal) throw e;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = `${refusal.message}\n`;
    // The rest of a refused upload is not worth reading.
    res.writeHead(refusal.status, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      Connection: "close",
    });
    res.end(body);
  }
}

function fromAdminError(e: AdminError): BlobRefusal | undefined {
  switch (e.code) {
    case Code.NOT_FOUND:
      return new BlobRefusal(404, e.message);
    case Code.RESOURCE_EXHAUSTED:
      return new BlobRefusal(413, e.message);
    case Code.INVALID_ARGUMENT:
      return new BlobRefusal(400, e.message);
    default:
      return undefined;
  }
}

/** Checks path, signature, method, expiry and (PUT) the signed headers; returns the object's reference. */
function verify(store: LocalStore, req: IncomingMessage, verb: "GET" | "PUT"): VerifiedRequest {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  const segments = pathSegments(q < 0 ? raw : raw.slice(0, q));
  const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const method = query.get("method");
  const expires = Number(query.get("expires") ?? "");
  const signature = query.get("signature");
  if ((method !== "GET" && method !== "PUT") || !Number.isSafeInteger(expires) || !signature) {
    throw new BlobRefusal(403, "missing or malformed signature parameters (method, expires, signature)");
  }
  const metaKeys = query.get("meta")?.split(",") ?? [];
  const metadata: Record<string, string> = {};
  if (verb === "PUT") {
    for (const k of metaKeys) {
      const value = header(req, `${METADATA_HEADER_PREFIX}${k}`);
      if (value === undefined) throw new BlobRefusal(403, `missing signed header ${METADATA_HEADER_PREFIX}${k}`);
      metadata[k] = value;
    }
  }
  const fields: SignedFields = {
    method,
    path: BLOB_PATH_PREFIX + segments.map(encodeURIComponent).join("/"),
    expires,
    contentMd5: query.get("md5") ?? "",
    metadata,
  };
  if (!store.verifySignature(fields, signature)) {
    throw new BlobRefusal(403, "signature does not match: the URL was altered or not signed by this server");
  }
  if (method !== verb) throw new BlobRefusal(403, `this URL is signed for ${method}, not ${req.method}`);
  if (Date.now() / 1000 > expires) throw new BlobRefusal(403, `this URL expired at ${microsToRfc3339(expires * 1e6)}`);
  if (verb === "PUT" && fields.contentMd5) {
    const sent = header(req, "content-md5");
    if (sent !== fields.contentMd5) {
      throw new BlobRefusal(
        403,
        sent === undefined
          ? `missing Content-MD5 header: this URL requires Content-MD5 ${fields.contentMd5}`
          : `Content-MD5 header ${sent} does not match the signed Content-MD5 ${fields.contentMd5}`,
      );
    }
  }
  return { ref: store.refOfUrlSegments(segments), fields };
}

/**
 * The decoded segments of a raw `/blobs/...` path. Refuses empty, `.` and
 * `..` segments and any that decode to a separator or NUL, whatever the
 * encoding, before anything looks at the file system.
 */
function pathSegments(rawPath: string): string[] {
  if (!rawPath.startsWith(BLOB_PATH_PREFIX)) throw new BlobRefusal(400, "invalid blob path");
  return rawPath
    .slice(BLOB_PATH_PREFIX.length)
    .split("/")
    .map((s) => {
      let d: string;
      try {
        d = decodeURIComponent(s);
      } catch {
        throw new BlobRefusal(400, `invalid blob path: bad percent-encoding in [${s}]`);
      }
      if (d === "" || d === "." || d === ".." || /[/\\\0]/.test(d)) {
        throw new BlobRefusal(400, `invalid blob path: segment [${s}] is not allowed`);
      }
      return d;
    });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
