/**
 * Browser login through the OIDC provider, FlyteAdmin's auth pages:
 * `/login` (reuse or refresh a valid session, else start the code flow with a
 * CSRF state cookie), `/callback` (exchange the code, store the session
 * cookies and the profile), `/logout` (expire the cookies), and
 * `/.well-known/openid-configuration` (303 to the provider's document).
 * Every end-of-login redirect is checked (redirects.ts), on every path. The
 * code flow also carries PKCE, derived from the CSRF state so it needs no
 * extra cookie.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors as joseErrors } from "jose";
import type { Logger } from "pino";
import type { HttpGateway } from "../transport/http/gateway.js";
import { COOKIE, parseCookies, type SessionCookies, type SessionTokens } from "./cookies.js";
import { bareStatus, hostHeader, redirect } from "./http-io.js";
import { profileClaim } from "./identity.js";
import type { IdentityProvider } from "./identity-provider.js";
import type { PublicUrls } from "./public-url.js";
import { safeRedirect } from "./redirects.js";

export interface LoginDeps {
  readonly idp: IdentityProvider;
  readonly session: SessionCookies;
  readonly urls: PublicUrls;
  /** `auth.userAuth.redirectUrl`: where a login ends when nobody said otherwise (trusted configuration). */
  readonly defaultRedirect: string;
  /** `auth.userAuth.idpQueryParameter`. */
  readonly idpQueryParameter: string;
  /** Secret the PKCE verifier is derived with. */
  readonly pkceKey: Uint8Array;
  readonly logger: Logger;
}

const ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] as const;

/** Adds the auth pages to the gateway. */
export function addLoginRoutes(gateway: HttpGateway, deps: LoginDeps): void {
  const pages = new LoginPages(deps);
  gateway.addRawRoute(ANY_METHOD, "/login", "login", (req, res, _p, q) => pages.login(req, res, q));
  gateway.addRawRoute(ANY_METHOD, "/callback", "callback", (req, res, _p, q) => pages.callback(req, res, q));
  gateway.addRawRoute(ANY_METHOD, "/logout", "logout", (req, res, _p, q) => pages.logout(req, res, q));
  gateway.addRawRoute(ANY_METHOD, "/.well-known/openid-configuration", "openid_configuration", (_req, res) =>
    redirect(res, 303, deps.idp.discoveryUrl),
  );
}

/**
 * The login pages' logic.
 *
 * @example
 * const pages = new LoginPages(deps);
 * await pages.login(req, res, new URLSearchParams("redirect_url=/console"));
 */
export class LoginPages {
  readonly #d: LoginDeps;

  constructor(deps: LoginDeps) {
    this.#d = deps;
  }

  async login(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const host = hostHeader(req);
    const target = this.#requestedTarget(query, host);
    if (target === undefined) return bareStatus(res, 403);
    const cookies = parseCookies(req.headers.cookie);
    const session = this.#d.session.tokens(cookies);
    if (session) {
      const renewed = await this.#validOrRefreshed(session);
      if (renewed) return redirect(res, 307, this.#endOfFlow(target, cookies, host), renewed.cookies);
    }
    const csrf = randomBytes(32).toString("base64url");
    const flowCookies = [this.#d.session.flowCookie(COOKIE.csrfState, csrf)];
    if (target !== "") {
      flowCookies.push(this.#d.session.flowCookie(COOKIE.redirectLocation, encodeURIComponent(target)));
    }
    const extra: Record<string, string> = {};
    const idpParam = this.#d.idpQueryParameter;
    if (idpParam !== "" && query.get(idpParam)) extra[idpParam] = query.get(idpParam) as string;
    const url = this.#d.idp.authorizationUrl({
      redirectUri: this.#callbackUri(host),
      state: hashState(csrf),
      codeChallenge: createHash("sha256").update(this.#verifier(csrf)).digest("base64url"),
      extra,
    });
    redirect(res, 307, url.toString(), flowCookies);
  }

  async callback(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const host = hostHeader(req);
    const target = this.#requestedTarget(query, host);
    if (target === undefined) return bareStatus(res, 403);
    const cookies = parseCookies(req.headers.cookie);
    const csrf = cookies.get(COOKIE.csrfState);
    const state = query.get("state") ?? "";
    if (!csrf || state === "" || hashState(csrf) !== state) return bareStatus(res, 401);
    const redirectUri = this.#callbackUri(host);
    const callbackUrl = new URL(redirectUri);
    for (const [k, v] of query) callbackUrl.searchParams.append(k, v);
    let tokens: SessionTokens;
    let profileCookie: string;
    try {
      const got = await this.#d.idp.exchangeCode(callbackUrl, {
        redirectUri,
        state,
        codeVerifier: this.#verifier(csrf),
      });
      tokens = got;
      profileCookie = await this.#profileCookie(got.accessToken, got.subject);
    } catch (err) {
      this.#d.logger.info({ err: (err as Error).message }, "login callback refused");
      return bareStatus(res, 403);
    }
    const setCookies = [
      ...this.#d.session.tokenCookies(tokens),
      profileCookie,
      this.#expiredFlowCookie(COOKIE.csrfState),
      this.#expiredFlowCookie(COOKIE.redirectLocation),
    ];
    redirect(res, 307, this.#endOfFlow(target, cookies, host), setCookies);
  }

  logout(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const target = this.#requestedTarget(query, hostHeader(req));
    if (target === undefined) bareStatus(res, 403);
    else if (target === "") bareStatus(res, 200, this.#d.session.logoutCookies());
    else redirect(res, 307, target, this.#d.session.logoutCookies());
  }

  /** Cookies to set when the session is valid (none) or was refreshed; undefined when a new login is needed. */
  async #validOrRefreshed(session: SessionTokens): Promise<{ cookies: string[] } | undefined> {
    try {
      await this.#d.idp.verifyIdToken(session.idToken);
      return { cookies: [] };
    } catch (err) {
      if (!(err instanceof joseErrors.JWTExpired) || !session.refreshToken) return undefined;
    }
    try {
      const fresh = await this.#d.idp.refresh(session.refreshToken);
      const profileCookie = await this.#profileCookie(fresh.accessToken, fresh.subject);
      return { cookies: [...this.#d.session.tokenCookies(fresh), profileCookie] };
    } catch (err) {
      this.#d.logger.info({ err: (err as Error).message }, "session refresh failed, starting a new login");
      return undefined;
    }
  }

  async #profileCookie(accessToken: string, subject: string): Promise<string> {
    const profile = await this.#d.idp.userInfo(accessToken, subject);
    return this.#d.session.userInfoCookie(JSON.stringify(profileClaim(profile)));
  }

  /** The request's redirect_url, else the one saved at /login (if still acceptable), else the configured page. */
  #endOfFlow(target: string, cookies: ReadonlyMap<string, string>, host: string | undefined): string {
    if (target !== "") return target;
    const saved = cookies.get(COOKIE.redirectLocation);
    if (saved) {
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(saved);
      } catch {
        decoded = undefined;
      }
      const safe = decoded === undefined ? undefined : this.#safe(decoded, host);
      if (safe) return safe;
    }
    return this.#d.defaultRedirect;
  }

  /** The request's `redirect_url`: "" when absent, undefined when it must be refused. */
  #requestedTarget(query: URLSearchParams, host: string | undefined): string | undefined {
    const asked = query.get("redirect_url") ?? "";
    return asked === "" ? "" : this.#safe(asked, host);
  }

  #safe(target: string, host: string | undefined): string | undefined {
    return safeRedirect(target, host, this.#d.urls.authorized);
  }

  /** `<public URL>/callback`, resolved as FlyteAdmin resolves the relative `callback` (a base path is kept). */
  #callbackUri(host: string | undefined): string {
    const base = this.#d.urls.forHost(host);
    return new URL("callback", base ? base.text : "http://localhost/").toString();
  }

  #verifier(csrf: string): string {
    return createHmac("sha256", this.#d.pkceKey).update("pkce\0").update(csrf).digest("base64url");
  }

  #expiredFlowCookie(name: string): string {
    return this.#d.session.flowCookie(name, "", true);
  }
}

/** The OAuth2 `state` for a CSRF token: hex SHA-256, as FlyteAdmin. */
function hashState(csrf: string): string {
  return createHash("sha256").update(csrf).digest("hex");
}
