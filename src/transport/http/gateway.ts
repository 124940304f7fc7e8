/**
 * The HTTP transport: grpc-gateway's behaviour (routes from the descriptors,
 * path/query/body binding, the three marshalers, Status error bodies, CORS)
 * served by node:http and find-my-way, calling the shared CallPipeline
 * in-process. Non-RPC routes (health, metrics, blob URLs, auth pages) are
 * added with `addRawRoute`.
 */
import { type IncomingMessage, type ServerResponse, validateHeaderName, validateHeaderValue } from "node:http";
import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { Logger } from "pino";
import { toStatus } from "../../errors/admin-error.js";
import { Code, httpStatusFor } from "../../errors/codes.js";
import type { Metrics } from "../../observability/metrics.js";
import { type Status, StatusSchema } from "../../proto/gen/google/rpc/status_pb.js";
import { type CallPipeline, newCallContext } from "../pipeline.js";
import { chooseMarshalers, contentTypeOf, decodeMessage, encodeMessage, type Marshaler } from "./codec.js";
import { type CorsSettings, corsDecision } from "./cors.js";
import { BindError, bindValues } from "./fields.js";
import { bindQuery } from "./query.js";
import type { GatewayRoute, HttpVerb } from "./routes.js";

/** A handler for a route outside the RPC table. */
export type RawHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
) => void | Promise<void>;

export interface HttpGatewayOptions {
  readonly routes: readonly GatewayRoute[];
  readonly pipeline: CallPipeline;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** undefined when `server.security.allowCors` is false. */
  readonly cors: CorsSettings | undefined;
  /** Largest request body accepted, as the gRPC message size limit. */
  readonly maxBodyBytes: number;
  /**
   * Checks the caller of raw routes added with `{ authenticated: true }`;
   * throws an AdminError (UNAUTHENTICATED) to refuse. Undefined when auth is off.
   */
  readonly authenticateHttp?: ((headers: ReadonlyMap<string, readonly string[]>) => Promise<void>) | undefined;
}

export interface RawRouteOptions {
  /** Serve only to authenticated callers when auth is on (routes serving private data). */
  readonly authenticated?: boolean;
}

type Store =
  | { kind: "rpc"; route: GatewayRoute }
  | { kind: "raw"; name: string; handler: RawHandler; authenticated: boolean };

const ALL_VERBS: HTTPMethod[] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/**
 * Routes HTTP requests to RPC handlers and raw handlers.
 *
 * @example
 * const gateway = new HttpGateway({ routes: gatewayRoutes(servedServices), pipeline, metrics, logger, cors, maxBodyBytes });
 * gateway.addRawRoute("GET", "/healthcheck", "healthcheck", (_req, res) => res.end());
 * http.createServer(gateway.listener).listen(8088);
 */
export class HttpGateway {
  readonly #router = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 4096 });
  readonly #options: HttpGatewayOptions;

  constructor(options: HttpGatewayOptions) {
    this.#options = options;
    for (const route of options.routes) {
      this.#router.on(route.verb, route.pattern, () => {}, { kind: "rpc", route } satisfies Store);
    }
  }

  /** Adds a route outside the RPC table; `name` labels its metrics. */
  addRawRoute(
    verb: HttpVerb | "HEAD" | readonly HTTPMethod[],
    path: string,
    name: string,
    handler: RawHandler,
    options: RawRouteOptions = {},
  ): void {
    const verbs = typeof verb === "string" ? [verb as HTTPMethod] : [...verb];
    const store: Store = { kind: "raw", name, handler, authenticated: options.authenticated ?? false };
    this.#router.on(verbs, path, () => {}, store);
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.#handle(req, res).catch((err: unknown) => {
      this.#options.logger.error({ err }, "http handler failed");
      if (!res.headersSent) sendStatus(res, "default", Code.INTERNAL, "internal error");
      else res.destroy();
    });
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = (req.method ?? "GET").toUpperCase();
    const rawUrl = req.url ?? "/";
    const { outbound } = chooseMarshalers(req.headersDistinct.accept, req.headersDistinct["content-type"]);
    if (this.#options.cors) {
      const d = corsDecision(this.#options.cors, method, req.headers as Record<string, string | undefined>);
      if (d.kind === "preflight") {
        res.writeHead(d.status, d.headers).end();
        return;
      }
      if (d.kind === "actual") for (const [k, v] of Object.entries(d.headers)) res.setHeader(k, v);
    }
    if (!rawUrl.startsWith("/")) {
      sendStatus(res, outbound, Code.INVALID_ARGUMENT, "Bad Request");
      return;
    }
    const url = new URL(rawUrl, "http://gateway");
    const found = this.#router.find(method as HTTPMethod, url.pathname);
    if (found) {
      const store = found.store as Store;
      if (store.kind === "raw") {
        res.once("finish", () => {
          this.#options.metrics.recordHttp(store.name, res.statusCode, secondsSince(started));
        });
        if (store.authenticated && !(await this.#admitted(req, res, outbound))) return;
        await store.handler(req, res, found.params, url.searchParams);
        return;
      }
      await this.#serveRpc(store.route, req, res, found.params, url.searchParams);
      return;
    }
    if (await this.#pathLengthFallback(method, req, res, url)) return;
    const elsewhere = ALL_VERBS.some((v) => v !== method && this.#router.find(v, url.pathname));
    if (elsewhere) sendStatus(res, outbound, Code.UNIMPLEMENTED, "Method Not Allowed");
    else sendStatus(res, outbound, Code.NOT_FOUND, "Not Found");
  }

  /** Runs the auth check of a private raw route; answers 401 and returns false when it fails. */
  async #admitted(req: IncomingMessage, res: ServerResponse, outbound: Marshaler): Promise<boolean> {
    const check = this.#options.authenticateHttp;
    if (!check) return true;
    try {
      await check(headerMap(req));
      return true;
    } catch (err) {
      const status = toStatus(err);
      sendStatus(res, outbound, status.code as Code, status.message);
      return false;
    }
  }

  /**
   * grpc-gateway serves a form POST to a GET-only path as that GET (long
   * filter strings that do not fit in a URL), honouring X-HTTP-Method-Override.
   */
  async #pathLengthFallback(method: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (method !== "POST" || req.headers["content-type"] !== "application/x-www-form-urlencoded") return false;
    const override = req.headers["x-http-method-override"];
    const verb = (typeof override === "string" ? override.toUpperCase() : "GET") as HTTPMethod;
    const found = this.#router.find(verb, url.pathname);
    if (!found || (found.store as Store).kind !== "rpc") return false;
    const form = new URLSearchParams((await readBody(req, this.#options.maxBodyBytes)).toString("utf8"));
    await this.#serveRpc((found.store as { route: GatewayRoute }).route, req, res, found.params, form, true);
    return true;
  }

  async #serveRpc(
    route: GatewayRoute,
    req: IncomingMessage,
    res: ServerResponse,
    params: Readonly<Record<string, string | undefined>>,
    query: URLSearchParams,
    bodyConsumed = false,
  ): Promise<void> {
    const { inbound, outbound } = chooseMarshalers(req.headersDistinct.accept, req.headersDistinct["content-type"]);
    let request: Message;
    try {
      request = await this.#buildRequest(route, req, params, query, inbound, bodyConsumed);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendStatus(res, outbound, Code.RESOURCE_EXHAUSTED, err.message);
        return;
      }
      const message = err instanceof BindError ? err.message : `malformed request body: ${(err as Error).message}`;
      sendStatus(res, outbound, Code.INVALID_ARGUMENT, message);
      return;
    }
    const ctx = newCallContext("http", headerMap(req));
    const result = await this.#options.pipeline.call(route.method, request, ctx);
    setResponseHeaders(res, ctx.responseHeaders);
    if (!result.ok) {
      sendStatusMessage(res, outbound, result.status);
      return;
    }
    const body = encodeMessage(outbound, route.method.output, result.response);
    res.writeHead(200, { "Content-Type": contentTypeOf(outbound), "Content-Length": body.length });
    res.end(body);
  }

  async #buildRequest(
    route: GatewayRoute,
    req: IncomingMessage,
    params: Readonly<Record<string, string | undefined>>,
    query: URLSearchParams,
    inbound: Marshaler,
    bodyConsumed: boolean,
  ): Promise<Message> {
    const input = route.method.input;
    let msg = reflect(input);
    if (route.body === "*") {
      const body = bodyConsumed ? Buffer.alloc(0) : await readBody(req, this.#options.maxBodyBytes);
      msg = reflect(input, decodeMessage(inbound, input, body));
    } else if (route.bodyField) {
      const body = bodyConsumed ? Buffer.alloc(0) : await readBody(req, this.#options.maxBodyBytes);
      const f = route.bodyField;
      if (f.fieldKind === "message" && body.length > 0) {
        msg.set(f, reflect(f.message, decodeMessage(inbound, f.message, body)));
      }
    } else {
      bindQuery(
        msg,
        query,
        route.variables.map((v) => v.fields),
      );
    }
    // Path values are bound last so they override body values, as grpc-gateway does.
    route.variables.forEach((v, i) => {
      bindValues(msg, v.fields, [params[`v${i}`] ?? ""], v.fieldPath);
    });
    return msg.message;
  }
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`request body larger than the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Request headers as call metadata, keys lower-cased, plus grpc-gateway's forwarded host. */
function headerMap(req: IncomingMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    const k = key.startsWith("grpc-metadata-") ? key.slice("grpc-metadata-".length) : key;
    out.set(k, values);
  }
  const fwd = req.headers["x-forwarded-host"] ?? req.headers.host;
  if (typeof fwd === "string") out.set("x-forwarded-host", [fwd]);
  return out;
}

/** Writes a `google.rpc.Status` error body with the HTTP status grpc-gateway gives its code. */
export function sendStatus(res: ServerResponse, m: Marshaler, code: Code, message: string): void {
  sendStatusMessage(res, m, create(StatusSchema, { code, message, details: [] }));
}

function sendStatusMessage(res: ServerResponse, m: Marshaler, status: Status): void {
  const body = encodeMessage(m, StatusSchema, status);
  const headers: Record<string, string | number> = { "Content-Type": contentTypeOf(m), "Content-Length": body.length };
  if (status.code === Code.UNAUTHENTICATED) headers["WWW-Authenticate"] = status.message;
  res.writeHead(httpStatusFor(status.code as Code), headers);
  res.end(body);
}

/** Headers a handler added (ctx.responseHeaders); one HTTP cannot carry is left out rather than failing the call. */
function setResponseHeaders(res: ServerResponse, headers: ReadonlyMap<string, string> | undefined): void {
  for (const [name, value] of headers ?? []) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      continue;
    }
    res.setHeader(name, value);
  }
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export type { DescMethod };
