/**
 * CORS as FlyteAdmin's gorilla/handlers 1.5.1 wrapper does it, in front of
 * every HTTP path: credentials allowed, methods GET POST DELETE HEAD PUT
 * PATCH, headers gorilla's defaults plus Content-Type plus the configured
 * ones. Pure: a decision from the request's method and headers.
 */
export interface CorsSettings {
  readonly allowedOrigins: readonly string[];
  readonly allowedHeaders: readonly string[];
}

export type CorsDecision =
  /** Not a CORS request (or origin not allowed): run the handler, add nothing. */
  | { kind: "pass" }
  /** Run the handler with these extra response headers. */
  | { kind: "actual"; headers: Record<string, string> }
  /** Answer the preflight (or refuse it) without running the handler. */
  | { kind: "preflight"; status: number; headers: Record<string, string> };

const ALLOWED_METHODS = ["GET", "POST", "DELETE", "HEAD", "PUT", "PATCH"];
const DEFAULT_HEADERS = ["Accept", "Accept-Language", "Content-Language", "Origin"];
const SIMPLE_METHODS = new Set(["GET", "HEAD", "POST"]);

/** Go's http.CanonicalHeaderKey: `flyte-authorization` -> `Flyte-Authorization`. */
export function canonicalHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .split("-")
    .map((p) => (p ? (p[0] as string).toUpperCase() + p.slice(1) : p))
    .join("-");
}

/**
 * Decides how to treat a request under the CORS settings.
 *
 * @example
 * const d = corsDecision(settings, "OPTIONS", { origin: "https://console", "access-control-request-method": "PUT" });
 */
export function corsDecision(
  settings: CorsSettings,
  method: string,
  headers: Readonly<Record<string, string | undefined>>,
): CorsDecision {
  const origin = headers.origin;
  const allowAll = settings.allowedOrigins.includes("*");
  const originAllowed = origin !== undefined && (allowAll || settings.allowedOrigins.includes(origin));
  if (method === "OPTIONS") {
    // gorilla answers every OPTIONS itself; the router never sees one.
    if (!originAllowed) return { kind: "preflight", status: 200, headers: {} };
    return preflight(settings, headers, allowAll ? "*" : (origin as string));
  }
  if (!originAllowed) return { kind: "pass" };
  return { kind: "actual", headers: commonHeaders(settings, allowAll ? "*" : (origin as string)) };
}

function preflight(
  settings: CorsSettings,
  headers: Readonly<Record<string, string | undefined>>,
  allowOrigin: string,
): CorsDecision {
  const requested = headers["access-control-request-method"];
  if (!requested) return { kind: "preflight", status: 400, headers: {} };
  const reqMethod = requested.toUpperCase();
  if (!ALLOWED_METHODS.includes(reqMethod)) return { kind: "preflight", status: 405, headers: {} };
  const allowed = new Set([...DEFAULT_HEADERS, "Content-Type", ...settings.allowedHeaders].map(canonicalHeader));
  const asked = (headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "")
    .map(canonicalHeader);
  if (asked.some((h) => !allowed.has(h))) return { kind: "preflight", status: 403, headers: {} };
  const out = commonHeaders(settings, allowOrigin);
  const nonSimple = asked.filter((h) => !DEFAULT_HEADERS.includes(h));
  if (nonSimple.length > 0) out["Access-Control-Allow-Headers"] = nonSimple.join(",");
  if (!SIMPLE_METHODS.has(reqMethod)) out["Access-Control-Allow-Methods"] = reqMethod;
  return { kind: "preflight", status: 200, headers: out };
}

function commonHeaders(settings: CorsSettings, allowOrigin: string): Record<string, string> {
  const out: Record<string, string> = {
    "Access-Control-Allow-Origin": allowOrigin,
    "Access-Control-Allow-Credentials": "true",
  };
  if (settings.allowedOrigins.length > 1) out.Vary = "Origin";
  return out;
}
