/**
 * What a service handler is: `handler(request, context) -> response`, the
 * same for both transports. Handlers live in services/ and know nothing of
 * gRPC or HTTP.
 */
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";

/** Who is calling, once authentication has run. */
export interface Identity {
  /** The token subject; "" for an anonymous caller. */
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Per-call context handed to every handler. */
export interface CallContext {
  readonly transport: "grpc" | "http";
  readonly requestId: string;
  /** Request metadata (gRPC) or headers (HTTP), keys lower-cased. */
  readonly metadata: ReadonlyMap<string, readonly string[]>;
  /** Set by the authentication stage; anonymous when auth is off. */
  identity: Identity;
  /** Aborted when the client goes away or its deadline passes. */
  readonly signal: AbortSignal;
}

export const ANONYMOUS: Identity = Object.freeze({ subject: "", clientId: "", scopes: [], claims: {} });

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
