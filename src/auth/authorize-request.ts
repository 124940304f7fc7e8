/**
 * Validation of an `/oauth2/authorize` request, fosite's rules as FlyteAdmin
 * configures it: a registered client, a registered redirect URI (loopback
 * ports may vary, RFC 8252), response type `code`, a state of at least 8
 * characters, scopes the client may ask for, and PKCE with S256 only
 * (`plain` refused). Unlike FlyteAdmin we require PKCE from public clients
 * (flytekit and flytectl always send it).
 */
import type { OAuthClient } from "./clients.js";
import { OAuthError } from "./oauth-error.js";

/** A validated authorization request. */
export interface AuthorizeRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  /** Whether the client named the redirect URI (then the token request must repeat it). */
  readonly redirectUriGiven: boolean;
  readonly state: string;
  readonly scopes: readonly string[];
  readonly codeChallenge: string | undefined;
}

/**
 * A refused request: redirected back to the client when its redirect URI could be trusted.
 *
 * @example
 * throw new AuthorizeError(new OAuthError("invalid_scope", "..."), ar.redirectUri, ar.state);
 */
export class AuthorizeError extends Error {
  constructor(
    readonly oauth: OAuthError,
    readonly redirectUri: string | undefined,
    readonly state: string,
  ) {
    super(oauth.message);
  }
}

const MIN_STATE_LENGTH = 8;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Prefix FlyteAdmin strips from requested scopes before granting them. */
const SCOPE_PREFIX = "f.";

/**
 * Checks an authorization request.
 *
 * @example
 * const ar = validateAuthorizeRequest(query, (id) => clients.get(id));
 */
export function validateAuthorizeRequest(
  params: URLSearchParams,
  findClient: (id: string) => OAuthClient | undefined,
): AuthorizeRequest {
  const state = params.get("state") ?? "";
  const client = findClient(params.get("client_id") ?? "");
  if (!client) {
    throw new AuthorizeError(
      new OAuthError("invalid_client", "The requested OAuth 2.0 Client does not exist."),
      undefined,
      state,
    );
  }
  const given = params.get("redirect_uri") ?? "";
  const redirectUri =
    given !== ""
      ? matchRedirectUri(client, given)
      : client.redirectUris.length === 1
        ? client.redirectUris[0]
        : undefined;
  if (redirectUri === undefined) {
    throw new AuthorizeError(
      new OAuthError(
        "invalid_request",
        "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls.",
      ),
      undefined,
      state,
    );
  }
  const fail = (error: OAuthError) => new AuthorizeError(error, redirectUri, state);
  if ((params.get("response_type") ?? "") !== "code") {
    throw fail(
      new OAuthError(
        "unsupported_response_type",
        "The authorization server does not support obtaining a token using this method.",
      ),
    );
  }
  if (!client.responseTypes.includes("code")) {
    throw fail(
      new OAuthError("unsupported_response_type", 'The client is not allowed to request response_type "code".'),
    );
  }
  if (state.length < MIN_STATE_LENGTH) {
    throw fail(
      new OAuthError(
        "invalid_request",
        "The state is missing or does not have enough characters and is therefore considered too weak.",
      ),
    );
  }
  const scopes = requestedScopes(params.get("scope"));
  const refused = scopes.find((s) => !scopeAllowed(client.scopes, s));
  if (refused !== undefined)
    throw fail(new OAuthError("invalid_scope", `The OAuth 2.0 Client is not allowed to request scope "${refused}".`));
  const challenge = params.get("code_challenge") ?? "";
  const method = params.get("code_challenge_method") ?? "";
  if (challenge === "") {
    if (client.public)
      throw fail(
        new OAuthError(
          "invalid_request",
          "Clients must include a code_challenge when performing the authorize code flow.",
        ),
      );
  } else if (method !== "S256") {
    throw fail(new OAuthError("invalid_request", "Clients must use code_challenge_method=S256, plain is not allowed."));
  } else if (!PKCE_CHALLENGE.test(challenge)) {
    throw fail(new OAuthError("invalid_request", "The code_challenge is not a valid S256 challenge."));
  }
  return {
    client,
    redirectUri,
    redirectUriGiven: given !== "",
    state,
    scopes,
    codeChallenge: challenge === "" ? undefined : challenge,
  };
}

/** Requested scopes, separated by spaces or commas (some flytekit versions join them with commas), `f.` stripped. */
export function requestedScopes(text: string | null): string[] {
  const out: string[] = [];
  for (const raw of (text ?? "").split(/[\s,]+/)) {
    const s = raw.startsWith(SCOPE_PREFIX) ? raw.slice(SCOPE_PREFIX.length) : raw;
    if (s !== "" && !out.includes(s)) out.push(s);
  }
  return out;
}

/** fosite's hierarchic scope strategy: a client allowed `a` may ask for `a` and `a.b`. */
export function scopeAllowed(clientScopes: readonly string[], scope: string): boolean {
  return clientScopes.some((c) => scope === c || scope.startsWith(`${c}.`));
}

/** The registered URI a requested one matches: exactly, or a loopback IP URI with another port (RFC 8252 §7.3). */
function matchRedirectUri(client: OAuthClient, given: string): string | undefined {
  if (client.redirectUris.includes(given)) return given;
  let asked: URL;
  try {
    asked = new URL(given);
  } catch {
    return undefined;
  }
  if (asked.protocol !== "http:" || !isLoopbackIp(asked.hostname)) return undefined;
  for (const registered of client.redirectUris) {
    let r: URL;
    try {
      r = new URL(registered);
    } catch {
      continue;
    }
    if (
      r.protocol === "http:" &&
      r.hostname === asked.hostname &&
      r.pathname === asked.pathname &&
      r.search === asked.search
    ) {
      return given;
    }
  }
  return undefined;
}

function isLoopbackIp(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "[::1]";
}
