/**
 * The OpenID Connect provider users sign in with (`auth.userAuth.openId`):
 * discovery at start-up (the server does not start when it fails, as
 * FlyteAdmin), the authorization URL, the code exchange and refresh
 * (openid-client), the userinfo call, and ID token checks for requests that
 * present one (`IDToken` scheme, login cookies): signature against the
 * provider's JWKS, issuer, audience = our client id, expiry.
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey } from "jose";
import * as oidc from "openid-client";
import type { UserProfile } from "../services/types.js";
import { VerifiedTokenCache, verifyJwt } from "./access-tokens.js";
import { profileOf } from "./identity.js";

export interface IdentityProviderSettings {
  /** `openId.baseUrl`: the issuer URL discovery starts from. */
  readonly baseUrl: string;
  /** `openId.issuerUrl`: the issuer expected when it differs from baseUrl. */
  readonly issuerUrl: string;
  readonly clientId: string;
  /** `oidc_client_secret`; empty for a public client (PKCE only). */
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

/** What a successful code exchange or refresh yields. */
export interface ProviderTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken: string | undefined;
  readonly subject: string;
}

const IDP_TIMEOUT_SECONDS = 10;

/**
 * A discovered OIDC provider.
 *
 * @example
 * const idp = await IdentityProvider.discover({ baseUrl: "https://idp.example.com", issuerUrl: "", clientId: "flyteadmin", clientSecret, scopes: ["openid", "profile"] });
 * const url = idp.authorizationUrl({ redirectUri, state, codeChallenge });
 */
export class IdentityProvider {
  readonly #config: oidc.Configuration;
  readonly #settings: IdentityProviderSettings;
  readonly #jwks: JWTVerifyGetKey;
  readonly #idTokens: VerifiedTokenCache;

  private constructor(config: oidc.Configuration, settings: IdentityProviderSettings) {
    this.#config = config;
    this.#settings = settings;
    const meta = config.serverMetadata();
    if (!meta.jwks_uri) throw new Error(`OIDC provider ${settings.baseUrl} has no jwks_uri`);
    this.#jwks = createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: IDP_TIMEOUT_SECONDS * 1000 });
    const algs = (meta.id_token_signing_alg_values_supported ?? ["RS256"]).filter((a) => !/^(none|HS\d+)$/.test(a));
    const algorithms = algs.length > 0 ? algs : ["RS256"];
    const jwks = this.#jwks;
    this.#idTokens = new VerifiedTokenCache({
      verify: (token) => verifyIdJwt(token, jwks, algorithms, meta.issuer, settings.clientId),
    });
  }

  /** Fetches `<baseUrl>/.well-known/openid-configuration` and checks its issuer. */
  static async discover(settings: IdentityProviderSettings): Promise<IdentityProvider> {
    if (settings.clientId === "") throw new Error("auth.userAuth.openId.clientId is required with an OIDC provider");
    const url = wellKnownUrl(settings.baseUrl, ".well-known/openid-configuration");
    const res = await fetch(url, { signal: AbortSignal.timeout(IDP_TIMEOUT_SECONDS * 1000) });
    if (res.status !== 200) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
    const meta = (await res.json()) as oidc.ServerMetadata;
    const expected = settings.issuerUrl || settings.baseUrl;
    if (typeof meta.issuer !== "string" || trimSlash(meta.issuer) !== trimSlash(expected)) {
      throw new Error(`OIDC discovery at ${url}: issuer "${String(meta.issuer)}" is not "${expected}"`);
    }
    const methods = meta.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
    let auth: oidc.ClientAuth;
    if (settings.clientSecret === "") auth = oidc.None();
    else if (methods.includes("client_secret_basic")) auth = oidc.ClientSecretBasic(settings.clientSecret);
    else auth = oidc.ClientSecretPost(settings.clientSecret);
    const config = new oidc.Configuration(meta, settings.clientId, undefined, auth);
    config.timeout = IDP_TIMEOUT_SECONDS;
    if (new URL(settings.baseUrl).protocol === "http:") oidc.allowInsecureRequests(config);
    return new IdentityProvider(config, settings);
  }

  /** Where `/.well-known/openid-configuration` on our side redirects: the provider's own document, base path kept. */
  get discoveryUrl(): string {
    return wellKnownUrl(this.#settings.baseUrl, ".well-known/openid-configuration");
  }

  /** The provider's authorization URL for a login that returns to `redirectUri`. */
  authorizationUrl(p: {
    redirectUri: string;
    state: string;
    codeChallenge: string;
    extra?: Record<string, string>;
  }): URL {
    return oidc.buildAuthorizationUrl(this.#config, {
      ...p.extra,
      redirect_uri: p.redirectUri,
      response_type: "code",
      scope: this.#settings.scopes.join(" "),
      state: p.state,
      code_challenge: p.codeChallenge,
      code_challenge_method: "S256",
    });
  }

  /** Exchanges the code the provider sent to our callback; an ID token is required. */
  async exchangeCode(
    callbackUrl: URL,
    p: { redirectUri: string; state: string; codeVerifier: string },
  ): Promise<ProviderTokens> {
    const tokens = await oidc.authorizationCodeGrant(
      this.#config,
      callbackUrl,
      { expectedState: p.state, pkceCodeVerifier: p.codeVerifier, idTokenExpected: true },
      { redirect_uri: p.redirectUri },
    );
    return providerTokens(tokens);
  }

  /** Refreshes a browser session; fails when the provider does not return a new ID token. */
  async refresh(refreshToken: string): Promise<ProviderTokens> {
    const tokens = await oidc.refreshTokenGrant(this.#config, refreshToken);
    const out = providerTokens(tokens);
    return { ...out, refreshToken: out.refreshToken ?? refreshToken };
  }

  /** The provider's userinfo for an access token, as a profile. */
  async userInfo(accessToken: string, subject: string): Promise<UserProfile> {
    const info = await oidc.fetchUserInfo(this.#config, accessToken, subject || oidc.skipSubjectCheck);
    return profileOf(info);
  }

  /** Checks an ID token presented on a request (session cookies, `IDToken` scheme). */
  verifyIdToken(token: string): Promise<JWTPayload> {
    return this.#idTokens.verify(token);
  }
}

async function verifyIdJwt(
  token: string,
  jwks: JWTVerifyGetKey,
  algorithms: string[],
  issuer: string,
  clientId: string,
): Promise<JWTPayload> {
  const payload = await verifyJwt(token, jwks, algorithms);
  if (payload.iss !== issuer) throw new Error(`id token issued by "${String(payload.iss)}", expected "${issuer}"`);
  const aud = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
  if (!aud.includes(clientId)) throw new Error(`id token audience does not include ${clientId}`);
  if (typeof payload.exp !== "number") throw new Error("id token has no expiry");
  return payload;
}

function providerTokens(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): ProviderTokens {
  if (!tokens.id_token) throw new Error("token response has no id_token");
  return {
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token,
    subject: tokens.claims()?.sub ?? "",
  };
}

/** `base` with a `/` appended, then `path` resolved against it: a base path such as `/realms/x` is kept. */
export function wellKnownUrl(base: string, path: string): string {
  const u = new URL(base);
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return new URL(path, u).toString();
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}
