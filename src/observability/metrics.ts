/**
 * Prometheus metrics. Each server owns its registry, so several servers in
 * one process (tests) never collide. Every RPC is counted and timed per
 * transport, service, method and code; every other HTTP route per route and
 * status. `grpc_server_handled_total` keeps grpc-prometheus' name and labels,
 * which FlyteAdmin dashboards use.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's metrics.
 *
 * @example
 * const metrics = new Metrics();
 * metrics.recordCall("grpc", "flyteidl.service.AdminService", "GetVersion", "OK", 0.001);
 * const text = await metrics.registry.metrics();
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #calls: Counter<"transport" | "service" | "method" | "code">;
  readonly #latency: Histogram<"transport" | "service" | "method" | "code">;
  readonly #grpcHandled: Counter<"grpc_type" | "grpc_service" | "grpc_method" | "grpc_code">;
  readonly #http: Histogram<"route" | "status">;
  readonly #scheduleFires: Counter<"outcome" | "catch_up">;
  readonly #scheduleLateness: Histogram;
  /** Where `/metrics` text comes from when not this registry alone (the cluster's sum over its workers). */
  #exposition: (() => Promise<string>) | undefined;

  /** The text `/metrics` serves: this registry's, or what `exposeFrom` set. */
  text(): Promise<string> {
    return this.#exposition ? this.#exposition() : this.registry.metrics();
  }

  /** Serves `/metrics` from `source` instead (e.g. every worker's metrics summed by the cluster's primary). */
  exposeFrom(source: () => Promise<string>): void {
    this.#exposition = source;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#calls = new Counter({
      name: "flyteadmin_rpc_requests_total",
      help: "RPCs handled, by transport, service, method and status code",
      labelNames: ["transport", "service", "method", "code"],
      registers: [this.registry],
    });
    this.#latency = new Histogram({
      name: "flyteadmin_rpc_duration_seconds",
      help: "RPC handling time, by transport, service, method and status code",
      labelNames: ["transport", "service", "method", "code"],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.#grpcHandled = new Counter({
      name: "grpc_server_handled_total",
      help: "Total number of RPCs completed on the gRPC server, regardless of success or failure",
      labelNames: ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
      registers: [this.registry],
    });
    this.#http = new Histogram({
      name: "flyteadmin_http_request_duration_seconds",
      help: "HTTP requests outside the RPC routes (health, metrics, blobs, auth pages), by route and status",
      labelNames: ["route", "status"],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.#scheduleFires = new Counter({
      name: "flyteadmin_scheduler_fires_total",
      help: "Schedule fires by this replica, by outcome and whether they made up a missed time",
      labelNames: ["outcome", "catch_up"],
      registers: [this.registry],
    });
    this.#scheduleLateness = new Histogram({
      name: "flyteadmin_scheduler_fire_lateness_seconds",
      help: "How long after its scheduled time an on-time fire started",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
  }

  /** A schedule fire: its outcome (created, already_exists, ...) and how late it started. */
  recordScheduleFire(outcome: string, catchUp: boolean, lateSeconds: number): void {
    this.#scheduleFires.inc({ outcome, catch_up: String(catchUp) });
    if (!catchUp) this.#scheduleLateness.observe(lateSeconds);
  }

  recordCall(transport: string, service: string, method: string, code: string, seconds: number): void {
    const labels = { transport, service, method, code };
    this.#calls.inc(labels);
    this.#latency.observe(labels, seconds);
    if (transport === "grpc") {
      this.#grpcHandled.inc({ grpc_type: "unary", grpc_service: service, grpc_method: method, grpc_code: code });
    }
  }

  recordHttp(route: string, status: number, seconds: number): void {
    this.#http.observe({ route, status: String(status) }, seconds);
  }
}
