/**
 * Builds the authentication stack from the configuration: with
 * `server.security.useAuth: false` nothing but the public client config;
 * with it, the secrets, the OIDC provider (when `userAuth.openId.baseUrl` is
 * set), the token verifier of the chosen authorization server (Self: our
 * keys; External: the provider's JWKS), the RPC authenticator and the HTTP
 * pages. The server wires the result in; nothing here listens by itself.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { goDurationMs } from "../common/duration.js";
import type { Config } from "../config/schema.js";
import { AdminError, Code } from "../errors/admin-error.js";
import type { HttpGateway } from "../transport/http/gateway.js";
import type { Authenticator } from "../transport/pipeline.js";
import { type AccessTokenVerifier, LocalKeyVerifier, RemoteJwksVerifier, VerifiedTokenCache } from "./access-tokens.js";
import { RequestAuthenticator } from "./authenticator.js";
import { addAuthorizationServerRoutes } from "./authorization-server.js";
import { ClientRegistry } from "./clients.js";
import { CookieCodec, SessionCookies } from "./cookies.js";
import { IdentityProvider } from "./identity-provider.js";
import { addLoginRoutes } from "./login-handlers.js";
import {
  externalMetadataUrl,
  fetchExternalMetadata,
  MetadataUnavailable,
  type OAuth2Metadata,
  type PublicClientConfig,
  publicClientConfig,
  selfMetadata,
} from "./metadata.js";
import { PublicUrls, type ServerPorts } from "./public-url.js";
import { SealedGrants } from "./sealed-grants.js";
import { decodeKey, randomKeyText, randomRsaKeyPem, SecretSource } from "./secrets.js";
import { SigningKeys } from "./signing-keys.js";
import { TokenIssuer } from "./token-issuer.js";

type Metadata = ReadonlyMap<string, readonly string[]>;

const AUDIENCE_MEMO_LIMIT = 256;

/** What AuthMetadataService needs. */
export interface AuthMetadataSource {
  /** `server.security.useAuth`. */
  readonly enabled: boolean;
  oauth2Metadata(metadata: Metadata): Promise<OAuth2Metadata>;
  publicClientConfig(): PublicClientConfig;
}

/** The assembled stack. */
export interface AuthStack {
  readonly metadata: AuthMetadataSource;
  /** The pipeline hook; undefined when auth is off. */
  readonly authenticate: Authenticator | undefined;
  /** The check for private non-RPC HTTP routes; undefined when auth is off. */
  readonly authenticateHttp: ((headers: Metadata) => Promise<void>) | undefined;
  /** Adds the login pages and the authorization server's endpoints (nothing when auth is off). */
  addRoutes(gateway: HttpGateway): void;
}

export interface AuthStackOptions {
  readonly config: Config;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Filled in by the server once both listeners are bound. */
  readonly ports: ServerPorts;
}

/**
 * Builds the stack; rejects when auth is on and its set-up fails (unreachable
 * OIDC provider, bad secrets), so the server does not start half-secured.
 *
 * @example
 * const auth = await createAuthStack({ config, dataDir, logger, ports });
 * const pipeline = new CallPipeline({ ..., authenticate: auth.authenticate });
 */
export async function createAuthStack(options: AuthStackOptions): Promise<AuthStack> {
  const { config, logger } = options;
  const auth = config.auth;
  if (!config.server.security.useAuth) {
    return {
      metadata: authOffMetadata(config),
      authenticate: undefined,
      authenticateHttp: undefined,
      addRoutes: () => {},
    };
  }
  warnUnsupported(auth, logger);
  const secrets = new SecretSource({
    secretsPrefix: config.secrets["secrets-prefix"],
    envPrefix: config.secrets["env-prefix"],
    generatedDir: join(options.dataDir, "auth-secrets"),
  });
  const urls = new PublicUrls(
    { authorizedUris: auth.authorizedUris, secure: config.server.security.secure },
    options.ports,
  );
  const { session, hashKey } = sessionCookies(config, secrets, logger);
  const idp = auth.userAuth.openId.baseUrl === "" ? undefined : await discoverProvider(auth, secrets, logger);
  if (!idp) logger.warn("auth.userAuth.openId.baseUrl is not set: browser login (/login) is unavailable");
  const self = auth.appAuth.authServerType === "Self" ? await selfServer(config, secrets, logger) : undefined;
  const authenticator = new RequestAuthenticator({
    accessTokens: new VerifiedTokenCache(self ? new LocalKeyVerifier(self.keys) : await externalVerifier(auth)),
    idp,
    session,
    audiences: audiencePolicy(auth, urls),
    httpHeader: auth.httpAuthorizationHeader.toLowerCase(),
    grpcHeader: auth.grpcAuthorizationHeader.toLowerCase(),
    disableForHttp: auth.disableForHttp,
    disableForGrpc: auth.disableForGrpc,
  });
  const configuredIssuer = auth.appAuth.selfAuthServer.issuer;
  const addRoutes = (gateway: HttpGateway) => {
    if (idp) {
      const { redirectUrl: defaultRedirect, idpQueryParameter } = auth.userAuth;
      addLoginRoutes(gateway, { idp, session, urls, defaultRedirect, idpQueryParameter, pkceKey: hashKey, logger });
    }
    if (self) {
      const identify = (md: Metadata, transport: "grpc" | "http") => authenticator.identify(md, transport);
      addAuthorizationServerRoutes(gateway, { ...self, session, idp, urls, configuredIssuer, identify, logger });
    }
  };
  return {
    metadata: authOnMetadata(auth, urls, self !== undefined),
    authenticate: authenticator.authenticate,
    authenticateHttp: authenticator.authenticateHttp,
    addRoutes,
  };
}

/** The session cookie codec over `cookie_hash_key` and `cookie_block_key`; the hash key also derives login PKCE verifiers. */
function sessionCookies(config: Config, secrets: SecretSource, logger: Logger) {
  const user = config.auth.userAuth;
  const key = (name: string, bytes: number, min: number) =>
    decodeKey(
      name,
      secrets.getOrGenerate(name, () => randomKeyText(bytes), logger),
      min,
    );
  const hashKey = key(user.cookieHashKeySecretName, 64, 32);
  const blockKey = key(user.cookieBlockKeySecretName, 32, 16);
  const session = new SessionCookies(new CookieCodec(hashKey, blockKey), {
    secure: !config.server.security.insecureCookieHeader,
    sameSite: user.cookieSetting.sameSitePolicy,
    domain: user.cookieSetting.domain,
  });
  return { session, hashKey };
}

/**
 * Audiences a Bearer token may carry: this service's URLs, plus
 * `allowedAudience` (External) or the configured issuer (Self). Memoized per
 * Host value (bounded: the header is the caller's to choose).
 */
function audiencePolicy(auth: Config["auth"], urls: PublicUrls): (host: string | undefined) => ReadonlySet<string> {
  const extra =
    auth.appAuth.authServerType === "External"
      ? auth.appAuth.externalAuthServer.allowedAudience
      : [auth.appAuth.selfAuthServer.issuer].filter((i) => i !== "");
  const memo = new Map<string, ReadonlySet<string>>();
  return (host) => {
    const key = host ?? "";
    let set = memo.get(key);
    if (!set) {
      const fresh = urls.audiencesFor(host);
      for (const a of extra) fresh.add(a);
      if (memo.size >= AUDIENCE_MEMO_LIMIT) memo.clear();
      memo.set(key, fresh);
      set = fresh;
    }
    return set;
  };
}

/** AuthMetadataService with auth on: our own document (Self) or the provider's, proxied (External). */
function authOnMetadata(auth: Config["auth"], urls: PublicUrls, self: boolean): AuthMetadataSource {
  const ext = auth.appAuth.externalAuthServer;
  const metadataUrl = self ? undefined : externalMetadataUrl(auth);
  const retryDelayMs = goDurationMs(ext.retryDelay, "auth.appAuth.externalAuthServer.retryDelay");
  return {
    enabled: true,
    publicClientConfig: () => publicClientConfig(auth),
    oauth2Metadata: async (md) => {
      if (!metadataUrl) {
        const base = urls.httpBaseForCall(md);
        if (!base) throw new AdminError(Code.INVALID_ARGUMENT, "cannot tell the public URL: the request has no host");
        return selfMetadata(base, auth.appAuth.selfAuthServer.issuer);
      }
      try {
        return await fetchExternalMetadata(metadataUrl, ext.retryAttempts, retryDelayMs);
      } catch (err) {
        if (err instanceof MetadataUnavailable) throw new AdminError(Code.UNAVAILABLE, err.message);
        throw err;
      }
    },
  };
}

/** AuthMetadataService with auth off: the configured public client config, no authorization server. */
export function authOffMetadata(config: Config): AuthMetadataSource {
  return {
    enabled: false,
    oauth2Metadata: () =>
      Promise.reject(new AdminError(Code.UNIMPLEMENTED, "authentication is not enabled on this server")),
    publicClientConfig: () => publicClientConfig(config.auth),
  };
}

async function discoverProvider(
  auth: Config["auth"],
  secrets: SecretSource,
  logger: Logger,
): Promise<IdentityProvider> {
  const openId = auth.userAuth.openId;
  let clientSecret = "";
  if (openId.clientSecretFile !== "") clientSecret = readFileSync(openId.clientSecretFile, "utf8");
  else clientSecret = secrets.get(openId.clientSecretName)?.value ?? "";
  clientSecret = clientSecret.replace(/\n$/, "");
  if (clientSecret === "")
    logger.warn({ secret: openId.clientSecretName }, "no OIDC client secret: logging in as a public client");
  try {
    return await IdentityProvider.discover({ ...openId, clientSecret });
  } catch (err) {
    throw new Error(`cannot set up the OIDC provider ${openId.baseUrl}: ${(err as Error).message}`);
  }
}

async function selfServer(config: Config, secrets: SecretSource, logger: Logger) {
  const s = config.auth.appAuth.selfAuthServer;
  const pem = secrets.getOrGenerate(s.tokenSigningRSAKeySecretName, randomRsaKeyPem, logger);
  const old = secrets.get(s.oldTokenSigningRSAKeySecretName)?.value;
  const keys = await SigningKeys.fromPem(pem, ...(old ? [old] : []));
  const claimKey = decodeKey(
    "claim_symmetric_key",
    secrets.getOrGenerate(s.claimSymmetricEncryptionKeySecretName, () => randomKeyText(32), logger),
    32,
  );
  const seconds = (d: string, key: string) => Math.floor(goDurationMs(d, `auth.appAuth.selfAuthServer.${key}`) / 1000);
  return {
    keys,
    clients: new ClientRegistry(s.staticClients),
    grants: new SealedGrants(claimKey),
    issuer: new TokenIssuer(keys, seconds(s.accessTokenLifespan, "accessTokenLifespan")),
    refreshLifetimeSeconds: seconds(s.refreshTokenLifespan, "refreshTokenLifespan"),
    codeLifetimeSeconds: seconds(s.authorizationCodeLifespan, "authorizationCodeLifespan"),
  };
}

/** The external provider's JWKS, located through its metadata (fetched once, with the configured retries). */
async function externalVerifier(auth: Config["auth"]): Promise<AccessTokenVerifier> {
  const ext = auth.appAuth.externalAuthServer;
  const url = externalMetadataUrl(auth);
  const doc = await fetchExternalMetadata(url, ext.retryAttempts, goDurationMs(ext.retryDelay, "retryDelay"));
  if (!doc.jwksUri) throw new Error(`the authorization server metadata at ${url} has no jwks_uri`);
  return new RemoteJwksVerifier(new URL(doc.jwksUri));
}

function warnUnsupported(auth: Config["auth"], logger: Logger): void {
  const proxies = [auth.httpProxyURL, auth.userAuth.httpProxyURL, auth.appAuth.externalAuthServer.httpProxyURL];
  if (proxies.some((p) => p !== ""))
    logger.warn("auth httpProxyURL settings are not supported: the IdP is reached directly");
  if (auth.appAuth.authServerType === "External" && auth.authorizedUris.length === 0) {
    logger.warn(
      "external authorization server without auth.authorizedUris: the expected token audience follows the request's Host header",
    );
  }
}
