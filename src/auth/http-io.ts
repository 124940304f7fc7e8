/** Small request/response helpers shared by the auth pages (non-RPC HTTP routes). */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest form body the auth endpoints read. */
const MAX_FORM_BYTES = 64 * 1024;

/** Reads an `application/x-www-form-urlencoded` body; undefined when it is too large. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** A redirect with optional Set-Cookie values; the body is empty. */
export function redirect(res: ServerResponse, status: 302 | 303 | 307, location: string, cookies: string[] = []): void {
  const headers: Record<string, string | string[]> = { Location: location, "Cache-Control": "no-store" };
  if (cookies.length > 0) headers["Set-Cookie"] = cookies;
  res.writeHead(status, headers).end();
}

/** An empty answer with a status (FlyteAdmin's auth pages answer failures with bare statuses). */
export function bareStatus(res: ServerResponse, status: number, cookies: string[] = []): void {
  const headers: Record<string, string | string[]> = { "Cache-Control": "no-store" };
  if (cookies.length > 0) headers["Set-Cookie"] = cookies;
  res.writeHead(status, headers).end();
}

/** The request's Host header. */
export function hostHeader(req: IncomingMessage): string | undefined {
  return typeof req.headers.host === "string" ? req.headers.host : undefined;
}
