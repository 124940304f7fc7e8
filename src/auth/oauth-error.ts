/**
 * OAuth2 protocol errors (RFC 6749 §5.2) of the built-in authorization
 * server: a JSON body `{error, error_description}`, 401 for
 * `invalid_client`, 400 otherwise, never cached.
 */
import type { ServerResponse } from "node:http";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "login_required"
  | "server_error";

/**
 * An OAuth2 error to answer with.
 *
 * @example
 * throw new OAuthError("invalid_grant", "The authorization code has expired.");
 */
export class OAuthError extends Error {
  override name = "OAuthError";
  readonly error: OAuthErrorCode;
  /** The client authenticated with HTTP Basic: a 401 names the scheme in WWW-Authenticate. */
  readonly basic: boolean;

  constructor(error: OAuthErrorCode, description: string, basic = false) {
    super(description);
    this.error = error;
    this.basic = basic;
  }

  get status(): number {
    return this.error === "invalid_client" ? 401 : this.error === "server_error" ? 500 : 400;
  }
}

/** Writes a JSON body with the no-store headers token responses need (RFC 6749 §5.1). */
export function sendOAuthJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json;charset=UTF-8",
    "Cache-Control": "no-store",
    Pragma: "no-cache",
    "Content-Length": Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

/** Answers an OAuthError. */
export function sendOAuthError(res: ServerResponse, err: OAuthError): void {
  const extra: Record<string, string> =
    err.status === 401 && err.basic ? { "WWW-Authenticate": 'Basic realm="flyteadmin"' } : {};
  sendOAuthJson(res, err.status, { error: err.error, error_description: err.message }, extra);
}
