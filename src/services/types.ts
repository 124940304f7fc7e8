/**
 * What a service handler is: `handler(request, context) -> response`, the
 * same for both transports. Handlers live in services/ and know nothing of
 * gRPC or HTTP.
 */
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";

/** The caller's profile (OIDC standard claims), as IdentityService.UserInfo answers it. */
export interface UserProfile {
  readonly subject: string;
  readonly name: string;
  readonly preferredUsername: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly picture: string;
}

/** Who is calling, once authentication has run. */
export interface Identity {
  /** The token subject; "" for an anonymous caller. The execution principal is this value. */
  readonly subject: string;
  /** The OAuth2 client the token was issued to ("" for browser logins and anonymous callers). */
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Every claim of the token the caller presented. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The profile; `subject` falls back to the token subject. */
  readonly userInfo: UserProfile;
  /** The audience the token was accepted for ("" when anonymous). */
  readonly audience: string;
  /** When the token was issued, seconds since the epoch (0 when anonymous or unknown). */
  readonly issuedAt: number;
}

/** Per-call context handed to every handler. */
export interface CallContext {
  readonly transport: "grpc" | "http";
  readonly requestId: string;
  /** Request metadata (gRPC) or headers (HTTP), keys lower-cased. */
  readonly metadata: ReadonlyMap<string, readonly string[]>;
  /** Set by the authentication stage; anonymous when auth is off. */
  identity: Identity;
  /**
   * Headers a handler adds to its response: HTTP response headers on the
   * gateway, initial metadata over gRPC (keys lower-cased there). Absent
   * where the caller is not a transport (direct calls in tests).
   */
  readonly responseHeaders?: Map<string, string>;
}

export const EMPTY_PROFILE: UserProfile = Object.freeze({
  subject: "",
  name: "",
  preferredUsername: "",
  givenName: "",
  familyName: "",
  email: "",
  picture: "",
});

export const ANONYMOUS: Identity = Object.freeze({
  subject: "",
  clientId: "",
  scopes: Object.freeze([]),
  claims: Object.freeze({}),
  userInfo: EMPTY_PROFILE,
  audience: "",
  issuedAt: 0,
});

/** A response may be returned as a message or as its init shape (e.g. `{}`). */
export type Reply<O extends DescMessage> = MessageShape<O> | MessageInitShape<O>;

export type Handler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  ctx: CallContext,
) => Promise<Reply<O>> | Reply<O>;

/** The handlers of one service, keyed by the generated method names (`createTask`, ...). */
export type ServiceImpl<S> =
  S extends GenService<infer T extends GenServiceMethods>
    ? { [K in keyof T]?: Handler<T[K]["input"], T[K]["output"]> }
    : never;
