/**
 * The console's HTTP client: binary protobuf (`application/octet-stream`) in
 * and out, as flyteconsole talks to FlyteAdmin, with the same generated
 * flyteidl types the server uses. Cookies go along (same origin); a 401 sends
 * the browser to `/login?redirect_url=<this page>`, which comes back here.
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { StatusSchema } from "../../../src/proto/gen/google/rpc/status_pb.js";

const OCTET = "application/octet-stream";

/** An error answer of the API: gRPC code and message (from the google.rpc.Status body). */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters: repeated keys allowed, undefined ones left out. */
export type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.append(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Sends the browser through the login flow and back to the current page. */
export function redirectToLogin(): void {
  window.location.assign(`/login?redirect_url=${encodeURIComponent(window.location.href)}`);
}

async function failure(res: Response): Promise<ApiError> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  try {
    const status = fromBinary(StatusSchema, bytes);
    return new ApiError(res.status, status.code, status.message || res.statusText);
  } catch {
    return new ApiError(res.status, 2, new TextDecoder().decode(bytes) || res.statusText);
  }
}

/**
 * One call: `schema` decodes the answer; `body` (a message) is sent binary.
 *
 * @example
 * const list = await call("GET", "/api/v1/projects", ProjectsSchema);
 */
export async function call<O extends DescMessage, I extends DescMessage>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  schema: O,
  options: { query?: Query; body?: { schema: I; value: MessageInitShape<I> }; signal?: AbortSignal } = {},
): Promise<MessageShape<O>> {
  const headers: Record<string, string> = { Accept: OCTET };
  let body: Uint8Array | undefined;
  if (options.body) {
    headers["Content-Type"] = OCTET;
    body = toBinary(options.body.schema, create(options.body.schema, options.body.value));
  }
  const res = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body: body as BodyInit | undefined,
    credentials: "same-origin",
    signal: options.signal,
  });
  if (res.status === 401) {
    redirectToLogin();
    throw new ApiError(401, 16, "not signed in: redirecting to the login page");
  }
  if (!res.ok) throw await failure(res);
  return fromBinary(schema, new Uint8Array(await res.arrayBuffer()));
}

/** GET a JSON document (used for `/me`). */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (res.status === 401) {
    redirectToLogin();
    throw new ApiError(401, 16, "not signed in");
  }
  if (!res.ok) throw new ApiError(res.status, 2, res.statusText);
  return (await res.json()) as T;
}

/** URL-safe path segment. */
export const seg = (s: string): string => encodeURIComponent(s);
