/**
 * What AuthMetadataService answers. GetOAuth2Metadata: with the built-in
 * authorization server, a document built from the request's public URL;
 * with an external one, the provider's RFC 8414 document fetched on every
 * call (retried while it answers 401..511, as FlyteAdmin) and cut down to
 * the proto's fields. GetPublicClientConfig: `appAuth.thirdPartyConfig`.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Config } from "../config/schema.js";
import type {
  OAuth2MetadataResponseSchema,
  PublicClientAuthConfigResponseSchema,
} from "../proto/gen/flyteidl/service/auth_pb.js";
import { wellKnownUrl } from "./identity-provider.js";
import { endpointUrl, type PublicUrl } from "./public-url.js";

export type OAuth2Metadata = MessageInitShape<typeof OAuth2MetadataResponseSchema>;
export type PublicClientConfig = MessageInitShape<typeof PublicClientAuthConfigResponseSchema>;

export const OAUTH2_PATHS = Object.freeze({
  authorize: "/oauth2/authorize",
  authorizeCallback: "/oauth2/authorize_callback",
  token: "/oauth2/token",
  jwks: "/oauth2/jwks",
});

/** The grants the built-in server supports, in FlyteAdmin's order. */
export const SUPPORTED_GRANT_TYPES = Object.freeze(["client_credentials", "refresh_token", "authorization_code"]);

/** The built-in authorization server's metadata for a public URL. */
export function selfMetadata(base: PublicUrl, configuredIssuer: string): OAuth2Metadata {
  return {
    issuer: configuredIssuer || base.text,
    authorizationEndpoint: endpointUrl(base, OAUTH2_PATHS.authorize),
    tokenEndpoint: endpointUrl(base, OAUTH2_PATHS.token),
    jwksUri: endpointUrl(base, OAUTH2_PATHS.jwks),
    codeChallengeMethodsSupported: ["S256"],
    responseTypesSupported: ["code", "token", "code token"],
    grantTypesSupported: [...SUPPORTED_GRANT_TYPES],
    scopesSupported: ["all"],
    tokenEndpointAuthMethodsSupported: ["client_secret_basic"],
  };
}

/** Where the external provider's metadata lives: `metadataUrl` (relative to the base) or the RFC 8414 path. */
export function externalMetadataUrl(auth: Config["auth"]): string {
  const ext = auth.appAuth.externalAuthServer;
  const base = ext.baseUrl || auth.userAuth.openId.baseUrl;
  if (base === "") throw new Error("auth.appAuth.externalAuthServer.baseUrl (or userAuth.openId.baseUrl) is required");
  return wellKnownUrl(base, ext.metadataUrl || ".well-known/oauth-authorization-server");
}

/**
 * A failure to read the external provider's metadata (answered as UNAVAILABLE).
 *
 * @example
 * throw new MetadataUnavailable(`failed to get oauth metadata with status code ${status}`);
 */
export class MetadataUnavailable extends Error {}

/**
 * Fetches the external provider's metadata, retrying `retryAttempts` times
 * `retryDelayMs` apart while it answers 401..511.
 */
export async function fetchExternalMetadata(
  url: string,
  retryAttempts: number,
  retryDelayMs: number,
): Promise<OAuth2Metadata> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { Accept: "application/json" } });
    } catch (err) {
      throw new MetadataUnavailable(`failed to get oauth metadata from ${url}: ${(err as Error).message}`);
    }
    if (res.status >= 401 && res.status <= 511 && attempt < retryAttempts) {
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, retryDelayMs));
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new MetadataUnavailable(`failed to get oauth metadata with status code ${res.status}`);
    }
    let doc: unknown;
    try {
      doc = await res.json();
    } catch (err) {
      throw new MetadataUnavailable(`failed to decode oauth metadata from ${url}: ${(err as Error).message}`);
    }
    return metadataFields(doc);
  }
}

/** The RFC 8414 document restricted to the proto's fields; fields of the wrong type are dropped. */
export function metadataFields(doc: unknown): OAuth2Metadata {
  const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  const s = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : "");
  const list = (k: string) => (Array.isArray(d[k]) ? (d[k] as unknown[]).filter((v) => typeof v === "string") : []);
  return {
    issuer: s("issuer"),
    authorizationEndpoint: s("authorization_endpoint"),
    tokenEndpoint: s("token_endpoint"),
    responseTypesSupported: list("response_types_supported"),
    scopesSupported: list("scopes_supported"),
    tokenEndpointAuthMethodsSupported: list("token_endpoint_auth_methods_supported"),
    jwksUri: s("jwks_uri"),
    codeChallengeMethodsSupported: list("code_challenge_methods_supported"),
    grantTypesSupported: list("grant_types_supported"),
    deviceAuthorizationEndpoint: s("device_authorization_endpoint"),
  };
}

/** GetPublicClientConfig's answer. */
export function publicClientConfig(auth: Config["auth"]): PublicClientConfig {
  const c = auth.appAuth.thirdPartyConfig.flyteClient;
  return {
    clientId: c.clientId,
    redirectUri: c.redirectUri,
    scopes: [...c.scopes],
    authorizationMetadataKey: auth.grpcAuthorizationHeader,
    serviceHttpEndpoint: "",
    audience: c.audience,
  };
}
