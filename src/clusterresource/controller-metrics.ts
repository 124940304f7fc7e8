/**
 * Metrics of the cluster resource controller, served by `clusterresource run`
 * on `flyteadmin.profilerPort` at /metrics (where FlyteAdmin's controller
 * serves its own, and where the charts' scrape annotations point).
 */
import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import type { SyncStats } from "./controller.js";

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #syncs: Counter<"result">;
  readonly #resources: Counter<"outcome">;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#syncs = new Counter({
      name: "flyteadmin_clusterresource_syncs_total",
      help: "Cluster resource sync passes, by result (ok, error)",
      labelNames: ["result"],
      registers: [this.registry],
    });
    this.#resources = new Counter({
      name: "flyteadmin_clusterresource_resources_total",
      help: "Rendered templates per namespace and pass, by outcome (created, updated, unchanged, error)",
      labelNames: ["outcome"],
      registers: [this.registry],
    });
  }

  /** Records one pass. */
  recordSync(stats: SyncStats, ok: boolean): void {
    this.#syncs.inc({ result: ok ? "ok" : "error" });
    this.#resources.inc({ outcome: "created" }, stats.created);
    this.#resources.inc({ outcome: "updated" }, stats.updated);
    this.#resources.inc({ outcome: "unchanged" }, stats.alreadyThere);
    this.#resources.inc({ outcome: "error" }, stats.errored);
  }

  /** Serves /metrics on `port` (0: a free one) of every interface. */
  async serve(port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      void this.registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": this.registry.contentType }).end(text);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, resolve);
    });
    return server;
  }
}
