/**
 * The built-in authorization server's browser side and key set
 * (`auth.appAuth.authServerType: Self`): `/oauth2/authorize` parks the
 * validated request in a sealed cookie and sends the user through /login;
 * `/oauth2/authorize_callback` turns the signed-in user into a code for the
 * client's redirect URI; `/oauth2/jwks` publishes the verification keys. The
 * token endpoint is in token-endpoint.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CallContext, Identity, UserProfile } from "../services/types.js";
import type { HttpGateway } from "../transport/http/gateway.js";
import { AuthorizeError, type AuthorizeRequest, validateAuthorizeRequest } from "./authorize-request.js";
import { parseCookies, type SessionCookies } from "./cookies.js";
import { hostHeader, readForm, redirect } from "./http-io.js";
import type { IdentityProvider } from "./identity-provider.js";
import { OAUTH2_PATHS } from "./metadata.js";
import { OAuthError, sendOAuthError, sendOAuthJson } from "./oauth-error.js";
import type { SigningKeys } from "./signing-keys.js";
import { addTokenEndpoint, type TokenEndpointDeps } from "./token-endpoint.js";

export interface AuthorizationServerDeps extends TokenEndpointDeps {
  readonly keys: SigningKeys;
  readonly session: SessionCookies;
  readonly idp: IdentityProvider | undefined;
  /** Identifies the signed-in user from request headers (Bearer header or session cookies). */
  readonly identify: (
    metadata: ReadonlyMap<string, readonly string[]>,
    transport: CallContext["transport"],
  ) => Promise<Identity>;
  /** `selfAuthServer.authorizationCodeLifespan`, seconds. */
  readonly codeLifetimeSeconds: number;
  readonly logger: Logger;
}

const ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] as const;

/** Adds `/oauth2/authorize`, `/oauth2/authorize_callback`, `/oauth2/token` and `/oauth2/jwks`. */
export function addAuthorizationServerRoutes(gateway: HttpGateway, deps: AuthorizationServerDeps): void {
  const server = new AuthorizationServer(deps);
  gateway.addRawRoute(["GET", "POST"], OAUTH2_PATHS.authorize, "oauth2_authorize", (req, res, _p, q) =>
    server.authorize(req, res, q),
  );
  gateway.addRawRoute(ANY_METHOD, OAUTH2_PATHS.authorizeCallback, "oauth2_authorize_callback", (req, res) =>
    server.authorizeCallback(req, res),
  );
  gateway.addRawRoute(["GET", "HEAD"], OAUTH2_PATHS.jwks, "oauth2_jwks", (_req, res) => {
    sendOAuthJson(res, 200, deps.keys.jwks(), { "Cache-Control": "public, max-age=300" });
  });
  addTokenEndpoint(gateway, deps);
}

/**
 * The authorize and authorize-callback logic.
 *
 * @example
 * const server = new AuthorizationServer(deps);
 * await server.authorize(req, res, query);
 */
export class AuthorizationServer {
  readonly #d: AuthorizationServerDeps;

  constructor(deps: AuthorizationServerDeps) {
    this.#d = deps;
  }

  async authorize(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const params = new URLSearchParams(query);
    if (req.method === "POST") {
      const form = await readForm(req);
      if (!form) return sendOAuthError(res, new OAuthError("invalid_request", "The request body is too large."));
      for (const [k, v] of form) if (!params.has(k)) params.set(k, v);
    }
    try {
      validateAuthorizeRequest(params, (id) => this.#d.clients.get(id));
    } catch (err) {
      return this.#refuse(res, err);
    }
    const cookie = this.#d.session.authCodeCookie(params.toString());
    redirect(res, 307, `/login?redirect_url=${OAUTH2_PATHS.authorizeCallback}`, [cookie]);
  }

  async authorizeCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let user: Identity;
    try {
      user = await this.#d.identify(requestMetadata(req), "http");
    } catch {
      return sendOAuthError(
        res,
        new OAuthError("login_required", "The user is not signed in; start again at /oauth2/authorize."),
      );
    }
    const cookies = parseCookies(req.headers.cookie);
    const parked = this.#d.session.authCodeRequest(cookies);
    if (!parked) {
      return sendOAuthError(
        res,
        new OAuthError("invalid_request", "No pending authorization request; start again at /oauth2/authorize."),
      );
    }
    let ar: AuthorizeRequest;
    try {
      ar = validateAuthorizeRequest(new URLSearchParams(parked), (id) => this.#d.clients.get(id));
    } catch (err) {
      return this.#refuse(res, err);
    }
    let profile: UserProfile;
    try {
      profile = await this.#profile(user, cookies);
    } catch (err) {
      this.#d.logger.info({ err: (err as Error).message }, "authorize callback: user info unavailable");
      return sendOAuthError(res, new OAuthError("access_denied", "failed to query user info"));
    }
    const code = await this.#d.grants.seal(
      "authorization_code",
      {
        clientId: ar.client.id,
        subject: user.subject,
        scopes: ar.scopes,
        userInfo: profile,
        redirectUri: ar.redirectUriGiven ? ar.redirectUri : "",
        codeChallenge: ar.codeChallenge,
      },
      this.#d.codeLifetimeSeconds,
    );
    const target = new URL(ar.redirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("scope", ar.scopes.join(" "));
    target.searchParams.set("state", ar.state);
    redirect(res, 303, target.toString(), [this.#d.session.expiredAuthCodeCookie()]);
  }

  /** The profile for the code: the identity's when it has a name, else the provider's userinfo for the session. */
  async #profile(user: Identity, cookies: ReadonlyMap<string, string>): Promise<UserProfile> {
    if (user.userInfo.name !== "") return user.userInfo;
    const session = this.#d.session.tokens(cookies);
    if (!session || !this.#d.idp) return user.userInfo;
    return this.#d.idp.userInfo(session.accessToken, user.subject);
  }

  #refuse(res: ServerResponse, err: unknown): void {
    if (!(err instanceof AuthorizeError)) throw err;
    if (err.redirectUri === undefined) {
      sendOAuthError(res, err.oauth);
      return;
    }
    const target = new URL(err.redirectUri);
    target.searchParams.set("error", err.oauth.error);
    target.searchParams.set("error_description", err.oauth.message);
    if (err.state !== "") target.searchParams.set("state", err.state);
    redirect(res, 303, target.toString());
  }
}

/** Request headers as call metadata, as the gateway hands them to RPCs. */
function requestMetadata(req: IncomingMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, values] of Object.entries(req.headersDistinct)) if (values) out.set(key, values);
  const host = hostHeader(req);
  if (host) out.set("x-forwarded-host", [host]);
  return out;
}
