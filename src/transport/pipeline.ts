/**
 * The one call pipeline both transports use: request id, authentication,
 * the handler, error mapping, logging and metrics, in-process. FlyteAdmin's
 * gateway re-dials its own gRPC port for every HTTP call; we call the same
 * pipeline directly.
 */
import { randomBytes } from "node:crypto";
import { create, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { AdminError, Code, codeName, toStatus } from "../errors/admin-error.js";
import type { Metrics } from "../observability/metrics.js";
import type { Status } from "../proto/gen/google/rpc/status_pb.js";
import type { CallContext, Handler } from "../services/types.js";
import { ANONYMOUS } from "../services/types.js";

/** Runs before the handler; throws (UNAUTHENTICATED) to refuse the call. */
export type Authenticator = (method: DescMethod, ctx: CallContext) => Promise<void> | void;

type AnyHandler = Handler<DescMethod["input"], DescMethod["output"]>;

interface Entry {
  readonly method: DescMethod;
  readonly handler: AnyHandler | undefined;
}

export interface PipelineOptions {
  readonly services: readonly DescService[];
  /** Handlers per service type name, keyed by method local name. */
  readonly handlers: ReadonlyMap<string, Readonly<Record<string, AnyHandler | undefined>>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly authenticate?: Authenticator;
}

/** Outcome of a call, for the transport to encode. */
export type CallResult = { ok: true; response: Message } | { ok: false; status: Status };

/**
 * Dispatches calls by method to their handlers.
 *
 * @example
 * const pipeline = new CallPipeline({ services, handlers, logger, metrics });
 * const result = await pipeline.call(method, request, ctx);
 */
export class CallPipeline {
  readonly #entries = new Map<DescMethod, Entry>();
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #authenticate: Authenticator | undefined;

  constructor(options: PipelineOptions) {
    for (const service of options.services) {
      const impl = options.handlers.get(service.typeName) ?? {};
      for (const method of service.methods) {
        this.#entries.set(method, { method, handler: impl[method.localName] });
      }
    }
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#authenticate = options.authenticate;
  }

  /** Calls the method's handler; never throws. */
  async call(method: DescMethod, request: Message, ctx: CallContext): Promise<CallResult> {
    const started = process.hrtime.bigint();
    let result: CallResult;
    try {
      const response = await this.#invoke(method, request, ctx);
      result = { ok: true, response };
    } catch (err) {
      result = { ok: false, status: toStatus(err) };
      this.#logFailure(method, ctx, err, result.status);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const code = result.ok ? Code.OK : (result.status.code as Code);
    this.#metrics.recordCall(ctx.transport, method.parent.typeName, method.name, codeName(code), seconds);
    return result;
  }

  async #invoke(method: DescMethod, request: Message, ctx: CallContext): Promise<Message> {
    const entry = this.#entries.get(method);
    if (!entry) throw new AdminError(Code.UNIMPLEMENTED, `unknown method ${method.parent.typeName}/${method.name}`);
    if (this.#authenticate) await this.#authenticate(method, ctx);
    if (!entry.handler) {
      throw new AdminError(Code.UNIMPLEMENTED, `method ${method.parent.typeName}/${method.name} is not served yet`);
    }
    const reply = await entry.handler(request as never, ctx);
    return create(method.output, reply as never);
  }

  #logFailure(method: DescMethod, ctx: CallContext, err: unknown, status: Status): void {
    const fields = {
      requestId: ctx.requestId,
      transport: ctx.transport,
      method: `${method.parent.typeName}/${method.name}`,
      code: codeName(status.code as Code),
    };
    if (err instanceof AdminError && err.code !== Code.INTERNAL && err.code !== Code.UNKNOWN) {
      this.#logger.debug({ ...fields, msg: status.message }, "call refused");
    } else {
      this.#logger.error({ ...fields, err }, "call failed");
    }
  }
}

/** Random bytes drawn in batches: one `randomBytes` call per request costs more than the rest of a GetVersion. */
const ID_LENGTH = 20;
const pool = { bytes: Buffer.alloc(0), offset: 0 };

/** FlyteAdmin's request id: the caller's `x-request-id`, else `a-` and 20 random characters. */
export function requestIdFrom(metadata: ReadonlyMap<string, readonly string[]>): string {
  const given = metadata.get("x-request-id")?.[0];
  if (given) return given;
  if (pool.offset + ID_LENGTH > pool.bytes.length) {
    pool.bytes = randomBytes(ID_LENGTH * 256);
    pool.offset = 0;
  }
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "a-";
  for (let i = 0; i < ID_LENGTH; i++) id += alphabet[(pool.bytes[pool.offset + i] as number) % alphabet.length];
  pool.offset += ID_LENGTH;
  return id;
}

/**
 * A fresh context for one call. It carries no cancellation signal: no
 * handler would act on one (a call's statements are short and a write must
 * not stop halfway), and making one per call cost 4% of a GetVersion.
 */
export function newCallContext(
  transport: CallContext["transport"],
  metadata: ReadonlyMap<string, readonly string[]>,
): CallContext {
  return {
    transport,
    requestId: requestIdFrom(metadata),
    metadata,
    identity: ANONYMOUS,
    responseHeaders: new Map(),
  };
}
