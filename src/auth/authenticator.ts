/**
 * Authentication of RPCs, on both transports, as FlyteAdmin's interceptors
 * do it: the credential is the first of `authorization`, the browser session
 * cookies (HTTP only, presented as `IDToken <id token>`) and the configured
 * custom header (`flyte-authorization`); `Bearer` tokens are access tokens,
 * `IDToken` ones are OIDC ID tokens; the caller then needs scope `all`. Every
 * failure is UNAUTHENTICATED, the one code clients answer by logging in.
 * `disableForHttp` / `disableForGrpc` let a failed caller through
 * anonymously. AuthMetadataService is anonymous (clients call it to learn how
 * to log in).
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { AdminError, Code } from "../errors/admin-error.js";
import { AuthMetadataService } from "../proto/gen/flyteidl/service/auth_pb.js";
import type { CallContext, Identity, UserProfile } from "../services/types.js";
import type { AccessTokenVerifier } from "./access-tokens.js";
import { parseCookies, type SessionCookies } from "./cookies.js";
import { identityFromAccessClaims, identityFromIdTokenClaims, profileOf, SCOPE_ALL } from "./identity.js";
import type { IdentityProvider } from "./identity-provider.js";
import { hostOf } from "./public-url.js";

type Metadata = ReadonlyMap<string, readonly string[]>;

export interface RequestAuthenticatorOptions {
  readonly accessTokens: AccessTokenVerifier;
  /** Undefined when no OIDC provider is configured: IDToken credentials then fail. */
  readonly idp: IdentityProvider | undefined;
  readonly session: SessionCookies;
  /** Audiences a Bearer token may carry on a request to this host. */
  readonly audiences: (host: string | undefined) => ReadonlySet<string>;
  /** `auth.httpAuthorizationHeader` / `auth.grpcAuthorizationHeader`, lower-cased. */
  readonly httpHeader: string;
  readonly grpcHeader: string;
  readonly disableForHttp: boolean;
  readonly disableForGrpc: boolean;
}

/** A credential found on a request. */
interface Credential {
  readonly scheme: string;
  readonly token: string;
  /** The profile cookie that came with session cookies. */
  readonly profileJson?: string;
}

const MAX_MESSAGE_LENGTH = 1024;
const MISSING_SCOPE = "authenticated user doesn't have required scope";

/**
 * Identifies callers.
 *
 * @example
 * const auth = new RequestAuthenticator(options);
 * const pipeline = new CallPipeline({ ..., authenticate: auth.authenticate });
 */
export class RequestAuthenticator {
  readonly #o: RequestAuthenticatorOptions;

  constructor(options: RequestAuthenticatorOptions) {
    this.#o = options;
  }

  /** The pipeline hook: sets `ctx.identity` or throws UNAUTHENTICATED. */
  readonly authenticate = async (method: DescMethod, ctx: CallContext): Promise<void> => {
    if (method.parent.typeName === AuthMetadataService.typeName) return;
    let identity: Identity;
    try {
      identity = await this.identify(ctx.metadata, ctx.transport);
    } catch (err) {
      const disabled = ctx.transport === "http" ? this.#o.disableForHttp : this.#o.disableForGrpc;
      if (disabled) return;
      throw err;
    }
    if (!identity.scopes.includes(SCOPE_ALL)) throw new AdminError(Code.UNAUTHENTICATED, MISSING_SCOPE);
    ctx.identity = identity;
  };

  /**
   * The same check for HTTP routes outside the RPC table that serve private
   * data (task logs): a session cookie or token with scope `all`.
   */
  readonly authenticateHttp = async (headers: Metadata): Promise<void> => {
    let identity: Identity;
    try {
      identity = await this.identify(headers, "http");
    } catch (err) {
      if (this.#o.disableForHttp) return;
      throw err;
    }
    if (!identity.scopes.includes(SCOPE_ALL)) throw new AdminError(Code.UNAUTHENTICATED, MISSING_SCOPE);
  };

  /** The caller's identity from request metadata (gRPC) or headers (HTTP); AdminError UNAUTHENTICATED otherwise. */
  async identify(metadata: Metadata, transport: CallContext["transport"]): Promise<Identity> {
    const credential = this.#credential(metadata, transport);
    const scheme = credential?.scheme.toLowerCase();
    let accessError = "Request unauthenticated with Bearer";
    let idError = "Request unauthenticated with IDToken";
    if (credential && scheme === "bearer") {
      try {
        const claims = await this.#o.accessTokens.verify(credential.token);
        return identityFromAccessClaims(claims, this.#o.audiences(hostOf(metadata)));
      } catch (err) {
        accessError = reason(err);
      }
    } else if (credential && scheme === "idtoken") {
      try {
        if (!this.#o.idp) throw new Error("no OIDC provider is configured");
        const claims = await this.#o.idp.verifyIdToken(credential.token);
        return identityFromIdTokenClaims(claims, profileFrom(credential.profileJson));
      } catch (err) {
        idError = reason(err);
      }
    }
    throw new AdminError(
      Code.UNAUTHENTICATED,
      printable(`token parse error id token err: ${idError}, access token err: ${accessError}`),
    );
  }

  #credential(metadata: Metadata, transport: CallContext["transport"]): Credential | undefined {
    const standard = first(metadata.get("authorization"));
    if (standard) return split(standard);
    if (transport === "http") {
      const cookies = parseCookies(metadata.get("cookie"));
      const session = this.#o.session.tokens(cookies);
      if (session)
        return { scheme: "IDToken", token: session.idToken, profileJson: this.#o.session.userInfoJson(cookies) };
    }
    const custom = first(metadata.get(transport === "http" ? this.#o.httpHeader : this.#o.grpcHeader));
    return custom ? split(custom) : undefined;
  }
}

function first(values: readonly string[] | undefined): string | undefined {
  return values?.find((v) => v.trim() !== "");
}

function split(value: string): Credential {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value);
  return m ? { scheme: m[1] as string, token: m[2] as string } : { scheme: "", token: "" };
}

function profileFrom(json: string | undefined): UserProfile | undefined {
  if (!json) return undefined;
  try {
    return profileOf(JSON.parse(json));
  } catch {
    return undefined;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The message becomes a WWW-Authenticate header value over HTTP: printable ASCII only, bounded. */
function printable(message: string): string {
  const clean = message.replace(/[^\u0020-\u007e]/g, "?");
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}...` : clean;
}
