/**
 * The two Kubernetes calls FlyteAdmin makes, on `@kubernetes/client-node`:
 * create a FlyteWorkflow and delete one. Connection settings come from
 * FlyteAdmin's keys: `server.kube-config` (a kubeconfig file, `$HOME` and
 * other variables expanded, `server.master` overriding its server), else the
 * in-cluster service account. API failures come back as {@link KubeApiError}
 * carrying the Status reason, which is what FlyteAdmin branches on.
 */
import { existsSync } from "node:fs";
import { ApiException, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { goDurationMs } from "../../common/duration.js";
import { RateLimiter } from "../../common/rate-limiter.js";
import type { Config } from "../../config/schema.js";
import { FLYTE_GROUP, FLYTE_PLURAL, FLYTE_VERSION, type FlyteWorkflow } from "./flyteworkflow-types.js";

/**
 * A refused Kubernetes call: the HTTP code, the Status reason (`AlreadyExists`, `NotFound`, ...) and message.
 *
 * @example
 * try { await api.create(ns, resource); } catch (e) { if (e instanceof KubeApiError && e.alreadyExists) return; throw e; }
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = reason;
  }

  /** client-go's `IsAlreadyExists`. */
  get alreadyExists(): boolean {
    return this.reason === "AlreadyExists";
  }

  /** client-go's `IsNotFound`: the reason, or a 404 whose reason is not a known one. */
  get notFound(): boolean {
    return this.reason === "NotFound" || (this.code === 404 && !KNOWN_REASONS.has(this.reason));
  }
}

const KNOWN_REASONS = new Set([
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Gone",
  "Invalid",
  "ServerTimeout",
  "StoreReadError",
  "Timeout",
  "TooManyRequests",
  "BadRequest",
  "MethodNotAllowed",
  "NotAcceptable",
  "RequestEntityTooLarge",
  "UnsupportedMediaType",
  "InternalError",
  "Expired",
  "ServiceUnavailable",
]);

/** What the Kubernetes executor needs of the cluster. */
export interface FlyteWorkflowApi {
  create(namespace: string, workflow: FlyteWorkflow): Promise<void>;
  /** Deletes with background propagation. */
  delete(namespace: string, name: string): Promise<void>;
}

/**
 * FlyteWorkflow calls through a client-node `CustomObjectsApi`, paced by `server.kubeClientConfig` (qps, burst).
 *
 * @example
 * const api = KubeFlyteWorkflowApi.fromConfig(config);
 * await api.create("flytesnacks-development", resource);
 */
export class KubeFlyteWorkflowApi implements FlyteWorkflowApi {
  readonly #api: CustomObjectsApi;
  readonly #limiter: RateLimiter;
  readonly #timeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: { qps: number; burst: number; timeoutMs: number }) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#limiter = new RateLimiter({ tps: options.qps, burst: options.burst });
    this.#timeoutMs = options.timeoutMs;
  }

  /** The client FlyteAdmin's `server` keys describe; throws when neither a kubeconfig nor a cluster is found. */
  static fromConfig(config: Config, env: NodeJS.ProcessEnv = process.env): KubeFlyteWorkflowApi {
    const s = config.server;
    return new KubeFlyteWorkflowApi(kubeConfigFor(s["kube-config"], s.master, env), {
      qps: s.kubeClientConfig.qps,
      burst: s.kubeClientConfig.burst,
      timeoutMs: goDurationMs(s.kubeClientConfig.timeout, "server.kubeClientConfig.timeout"),
    });
  }

  async create(namespace: string, workflow: FlyteWorkflow): Promise<void> {
    await this.#limiter.take();
    await this.#call(() =>
      this.#api.createNamespacedCustomObject({
        group: FLYTE_GROUP,
        version: FLYTE_VERSION,
        namespace,
        plural: FLYTE_PLURAL,
        body: workflow,
      }),
    );
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.#limiter.take();
    await this.#call(() =>
      this.#api.deleteNamespacedCustomObject({
        group: FLYTE_GROUP,
        version: FLYTE_VERSION,
        namespace,
        plural: FLYTE_PLURAL,
        name,
        // client-go sends the options in the body; so do we.
        body: { propagationPolicy: "Background" },
      }),
    );
  }

  async #call(fn: () => Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (this.#timeoutMs > 0) {
        timer = setTimeout(
          () => reject(new Error(`context deadline exceeded (${this.#timeoutMs}ms)`)),
          this.#timeoutMs,
        );
      }
    });
    try {
      await Promise.race([fn(), timeout]);
    } catch (err) {
      throw toKubeError(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * FlyteAdmin's `GetRestClientConfig`: a kubeconfig file when `server.kube-config` is set (variables expanded,
 * `server.master` replacing its server), else in-cluster. Our addition: `server.master` alone means that API
 * server without credentials (a `kubectl proxy`, or a test double), where FlyteAdmin would ignore it.
 */
export function kubeConfigFor(kubeConfigPath: string, master: string, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (kubeConfigPath !== "") {
    const path = expandEnv(kubeConfigPath, env);
    if (!existsSync(path)) throw new Error(`Error building kubeconfig: stat ${path}: no such file or directory`);
    kc.loadFromFile(path);
    const current = kc.getCurrentCluster();
    kc.clusters = kc.clusters.map((c) => {
      const server = c === current && master !== "" ? master : c.server;
      return { ...c, server, skipTLSVerify: c.skipTLSVerify || isPlainHttp(server) };
    });
    return kc;
  }
  if (master !== "") {
    kc.loadFromClusterAndUser(
      { name: "master", server: master, skipTLSVerify: isPlainHttp(master) },
      { name: "anonymous" },
    );
    return kc;
  }
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new Error(
      "Cannot get incluster kubeconfig : unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and " +
        "KUBERNETES_SERVICE_PORT must be defined (set server.kube-config outside a cluster)",
    );
  }
  kc.loadFromCluster();
  return kc;
}

/**
 * client-go talks plain HTTP to an `http://` server; client-node refuses unless TLS verification is "skipped",
 * which for plain HTTP changes nothing but lets the request through.
 */
function isPlainHttp(server: string): boolean {
  return server.startsWith("http://");
}

/** Go's `os.ExpandEnv`: `$VAR` and `${VAR}`, unknown variables empty. */
function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_, braced, bare) => env[braced ?? bare] ?? "");
}

/** The Status of a refused call (client-node throws an ApiException with the body), or the transport error. */
function toKubeError(err: unknown): Error {
  if (!(err instanceof ApiException)) return err instanceof Error ? err : new Error(String(err));
  const status = parseStatus(err.body);
  // client-go's texts when the server sends no Status (client-node drops the body of a 401).
  const fallback = err.code === 401 ? "Unauthorized" : `the server responded with HTTP ${err.code}`;
  return new KubeApiError(
    err.code,
    status?.reason ?? (err.code === 401 ? "Unauthorized" : ""),
    status?.message || fallback,
  );
}

function parseStatus(body: unknown): { message?: string; reason?: string } | undefined {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== "object") return undefined;
  const s = value as { kind?: unknown; message?: unknown; reason?: unknown };
  return {
    message: typeof s.message === "string" ? s.message : undefined,
    reason: typeof s.reason === "string" ? s.reason : undefined,
  };
}
