/**
 * `/metrics` of a replica with several workers: whichever worker answers asks
 * the primary, which collects every worker's registry through prom-client's
 * AggregatorRegistry (counters and histograms summed) and sends the text
 * back. Without this, a scrape would see one worker's counters, a different
 * one at each scrape.
 */
import cluster from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { Metrics } from "../observability/metrics.js";

interface MetricsRequest {
  readonly kind: "flyteadmin:metrics-request";
  readonly id: number;
}

interface MetricsResponse {
  readonly kind: "flyteadmin:metrics-response";
  readonly id: number;
  readonly text?: string | undefined;
  readonly error?: string | undefined;
}

const isKind = <T>(m: unknown, kind: string): m is T =>
  typeof m === "object" && m !== null && (m as { kind?: unknown }).kind === kind;

/**
 * In the primary: answers workers' requests for the cluster's metrics.
 *
 * @example
 * serveClusterMetrics();
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, m: unknown) => {
    if (!isKind<MetricsRequest>(m, "flyteadmin:metrics-request")) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ kind: "flyteadmin:metrics-response", id: m.id, text } satisfies MetricsResponse),
      (err: unknown) =>
        worker.send({ kind: "flyteadmin:metrics-response", id: m.id, error: String(err) } satisfies MetricsResponse),
    );
  });
}

/**
 * In a worker: offers this server's registry to the primary's collection, and serves `/metrics` from it.
 *
 * @example
 * exposeClusterMetrics(server.metrics);
 */
export function exposeClusterMetrics(metrics: Metrics): void {
  AggregatorRegistry.setRegistries(metrics.registry);
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
  const pending = new Map<number, (r: MetricsResponse) => void>();
  let next = 0;
  process.on("message", (m: unknown) => {
    if (!isKind<MetricsResponse>(m, "flyteadmin:metrics-response")) return;
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  metrics.exposeFrom(async () => {
    const id = next++;
    const response = new Promise<MetricsResponse>((resolve) => pending.set(id, resolve));
    process.send?.({ kind: "flyteadmin:metrics-request", id } satisfies MetricsRequest);
    const r = await response;
    if (r.text === undefined) throw new Error(`cluster metrics: ${r.error ?? "no answer"}`);
    return r.text;
  });
}
