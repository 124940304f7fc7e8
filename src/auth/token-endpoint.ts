/**
 * `/oauth2/token` of the built-in authorization server: the grants
 * `authorization_code` (with the PKCE verifier), `refresh_token` (rotating)
 * and `client_credentials`; client_secret_basic and client_secret_post; every
 * requested scope the client may have is granted (FlyteAdmin grants them all),
 * scopes separated by spaces or commas. The audience is the issuer: the
 * configured one, else the public URL of this request.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpGateway } from "../transport/http/gateway.js";
import { requestedScopes, scopeAllowed } from "./authorize-request.js";
import type { ClientRegistry, OAuthClient } from "./clients.js";
import { hostHeader, readForm } from "./http-io.js";
import { OAUTH2_PATHS } from "./metadata.js";
import { OAuthError, sendOAuthError, sendOAuthJson } from "./oauth-error.js";
import type { PublicUrls } from "./public-url.js";
import type { SealedGrant, SealedGrants } from "./sealed-grants.js";
import type { TokenIssuer } from "./token-issuer.js";

export interface TokenEndpointDeps {
  readonly clients: ClientRegistry;
  readonly grants: SealedGrants;
  readonly issuer: TokenIssuer;
  readonly urls: PublicUrls;
  /** `selfAuthServer.issuer` ("" = the request's public URL). */
  readonly configuredIssuer: string;
  /** `selfAuthServer.refreshTokenLifespan`, seconds. */
  readonly refreshLifetimeSeconds: number;
}

/** The scope that earns a refresh token. */
const OFFLINE_SCOPE = "offline";
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** Adds `/oauth2/token` (any method reaches it so that a GET gets the OAuth error, not a 404). */
export function addTokenEndpoint(gateway: HttpGateway, deps: TokenEndpointDeps): void {
  const endpoint = new TokenEndpoint(deps);
  gateway.addRawRoute(["GET", "POST", "PUT", "DELETE", "PATCH"], OAUTH2_PATHS.token, "oauth2_token", (req, res) =>
    endpoint.handle(req, res),
  );
}

/**
 * Token requests.
 *
 * @example
 * await new TokenEndpoint(deps).handle(req, res);
 */
export class TokenEndpoint {
  readonly #d: TokenEndpointDeps;
  /** Codes already exchanged (id -> expiry, seconds): a code is good once, on this replica. */
  readonly #usedCodes = new Map<string, number>();

  constructor(deps: TokenEndpointDeps) {
    this.#d = deps;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await this.#exchange(req);
      sendOAuthJson(res, 200, body);
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(res, err);
      throw err;
    }
  }

  async #exchange(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (req.method !== "POST")
      throw new OAuthError("invalid_request", `HTTP method is "${req.method}", expected "POST".`);
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      throw new OAuthError("invalid_request", "The request body must be application/x-www-form-urlencoded.");
    }
    const form = await readForm(req);
    if (!form) throw new OAuthError("invalid_request", "The request body is too large.");
    const grantType = form.get("grant_type") ?? "";
    if (grantType === "") throw new OAuthError("invalid_request", "The request is missing the 'grant_type' parameter.");
    if (!["authorization_code", "refresh_token", "client_credentials"].includes(grantType)) {
      throw new OAuthError("unsupported_grant_type", `The authorization grant type "${grantType}" is not supported.`);
    }
    const client = await this.#d.clients.authenticate(req.headers.authorization, form);
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError(
        "unauthorized_client",
        `The client is not allowed to use authorization grant "${grantType}".`,
      );
    }
    const issuer = this.#d.configuredIssuer || (this.#d.urls.forHost(hostHeader(req))?.text ?? "");
    if (grantType === "client_credentials") return this.#clientCredentials(client, form, issuer);
    const grant =
      grantType === "authorization_code" ? await this.#code(client, form) : await this.#refresh(client, form);
    return this.#respond(client, grant, issuer);
  }

  async #clientCredentials(
    client: OAuthClient,
    form: URLSearchParams,
    issuer: string,
  ): Promise<Record<string, unknown>> {
    if (client.public) {
      throw new OAuthError(
        "unauthorized_client",
        'The OAuth 2.0 Client is marked as public and is thus not allowed to use authorization grant "client_credentials".',
      );
    }
    const scopes = requestedScopes(form.get("scope"));
    const refused = scopes.find((s) => !scopeAllowed(client.scopes, s));
    if (refused !== undefined)
      throw new OAuthError("invalid_scope", `The OAuth 2.0 Client is not allowed to request scope "${refused}".`);
    for (const aud of (form.get("audience") ?? "").split(/\s+/).filter((a) => a !== "")) {
      if (aud !== issuer && !client.audience.includes(aud)) {
        throw new OAuthError(
          "invalid_request",
          `Requested audience "${aud}" has not been whitelisted by the OAuth 2.0 Client.`,
        );
      }
    }
    // The client is the subject of its own tokens (RFC 9068), so executions it starts name it as their principal.
    return this.#respond(client, { clientId: client.id, subject: client.id, scopes }, issuer, false);
  }

  async #code(client: OAuthClient, form: URLSearchParams): Promise<SealedGrant> {
    const text = form.get("code") ?? "";
    if (text === "") throw new OAuthError("invalid_request", "The request is missing the 'code' parameter.");
    const opened = await this.#open("authorization_code", text);
    const { grant } = opened;
    if (grant.clientId !== client.id) throw invalidGrant("The authorization code was issued to another client.");
    if (grant.redirectUri && grant.redirectUri !== (form.get("redirect_uri") ?? "")) {
      throw invalidGrant("The 'redirect_uri' does not match the one used in the authorization request.");
    }
    if (grant.codeChallenge) {
      const verifier = form.get("code_verifier") ?? "";
      if (!PKCE_VERIFIER.test(verifier)) throw invalidGrant("The PKCE code verifier is missing or malformed.");
      const computed = createHash("sha256").update(verifier).digest("base64url");
      if (!constantTimeEqual(computed, grant.codeChallenge))
        throw invalidGrant("The PKCE code challenge did not match the code verifier.");
    }
    this.#spendCode(opened.id, opened.expiresAt);
    return grant;
  }

  async #refresh(client: OAuthClient, form: URLSearchParams): Promise<SealedGrant> {
    const text = form.get("refresh_token") ?? "";
    if (text === "") throw new OAuthError("invalid_request", "The request is missing the 'refresh_token' parameter.");
    const { grant } = await this.#open("refresh_token", text);
    if (grant.clientId !== client.id) throw invalidGrant("The refresh token was issued to another client.");
    return grant;
  }

  async #open(kind: "authorization_code" | "refresh_token", text: string) {
    try {
      return await this.#d.grants.open(kind, text);
    } catch {
      const what = kind === "authorization_code" ? "authorization code" : "refresh token";
      throw invalidGrant(`The ${what} is invalid, expired or was issued by another server.`);
    }
  }

  #spendCode(id: string, expiresAt: number): void {
    const now = Date.now() / 1000;
    for (const [k, exp] of this.#usedCodes) if (exp < now) this.#usedCodes.delete(k);
    if (this.#usedCodes.has(id)) throw invalidGrant("The authorization code has already been used.");
    this.#usedCodes.set(id, expiresAt);
  }

  async #respond(
    client: OAuthClient,
    grant: SealedGrant,
    issuer: string,
    mayRefresh = true,
  ): Promise<Record<string, unknown>> {
    const access = await this.#d.issuer.accessToken({
      issuer,
      subject: grant.subject,
      clientId: client.id,
      scopes: grant.scopes,
      audience: [issuer],
      userInfo: grant.userInfo,
    });
    const body: Record<string, unknown> = {
      access_token: access.token,
      token_type: "bearer",
      expires_in: access.expiresIn,
      scope: grant.scopes.join(" "),
    };
    if (mayRefresh && grant.scopes.includes(OFFLINE_SCOPE) && client.grantTypes.includes("refresh_token")) {
      const { clientId, subject, scopes, userInfo } = grant;
      body.refresh_token = await this.#d.grants.seal(
        "refresh_token",
        { clientId, subject, scopes, userInfo },
        this.#d.refreshLifetimeSeconds,
      );
    }
    return body;
  }
}

function invalidGrant(description: string): OAuthError {
  return new OAuthError("invalid_grant", description);
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
