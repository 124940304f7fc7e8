/**
 * `serve` with `server.workers`: one process (the default on SQLite), or a
 * node:cluster primary and that many workers on the same ports, one of them
 * the leader (scheduler, local engine). See primary.ts and engine-link.ts.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import type { LoadedConfig } from "../config/load.js";
import { createLogger } from "../observability/logger.js";
import { ForwardingExecutor, serveEngine } from "./engine-link.js";
import { exposeClusterMetrics, serveClusterMetrics } from "./metrics-link.js";
import { READY_MESSAGE, ROLE_ENV, runPrimary } from "./primary.js";

/** Whether the configuration uses PostgreSQL (as `Database.open` decides). */
function onPostgres(config: LoadedConfig["config"]): boolean {
  return config.database.sqlite.file === "" && config.database.postgres.host !== "";
}

/**
 * How many worker processes `server.workers` asks for: 0 (the default) means one per CPU on PostgreSQL and one
 * on SQLite. SQLite is kept to one process: its writers would queue on the file lock across processes.
 */
export function workerCount(config: LoadedConfig["config"]): { workers: number; note?: string } {
  const asked = config.server.workers;
  if (!onPostgres(config)) {
    return asked > 1
      ? { workers: 1, note: "server.workers > 1 needs PostgreSQL; running one process" }
      : { workers: 1 };
  }
  return { workers: asked > 0 ? asked : availableParallelism() };
}

/**
 * Runs `serve` until SIGTERM/SIGINT: a single server, or the cluster's primary or one of its workers.
 *
 * @example
 * await serveProcess(loadConfig({ files: ["flyteadmin.yaml"] }));
 */
export async function serveProcess(loaded: LoadedConfig): Promise<void> {
  const { workers, note } = workerCount(loaded.config);
  if (cluster.isPrimary && workers > 1) {
    const logger = createLogger(loaded.config.logger);
    // Workers get the drain time, plus the local engine's own wait for its runs to stop.
    const stopTimeoutMs = loaded.config.server.gracefulShutdownTimeoutSeconds * 1000 + 15_000;
    runPrimary({ workers, logger, stopTimeoutMs });
    serveClusterMetrics();
    return;
  }
  // The primary serves nothing: only a server process loads the server's modules.
  const [{ startServer }, { ExecutorRegistry }] = await Promise.all([
    import("../server.js"),
    import("../engine/executor-registry.js"),
  ]);
  const role = cluster.isWorker && process.env[ROLE_ENV] === "follower" ? "follower" : "leader";
  const executors =
    role === "follower" ? ExecutorRegistry.builtIn().with("local", () => new ForwardingExecutor(process)) : undefined;
  const server = await startServer(loaded, { role, ...(executors ? { executors } : {}) });
  if (note) server.logger.warn(note);
  let signals = 0;
  const stop = (reason: string) => {
    signals++;
    if (signals > 1) process.exit(1);
    server.logger.info({ reason }, "shutting down");
    void server.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (cluster.isWorker) {
    if (role === "leader" && server.localEngine) serveEngine(process, server.localEngine);
    exposeClusterMetrics(server.metrics);
    // Ctrl-C reaches the whole process group; the primary then sends SIGTERM to each worker, once.
    process.on("SIGINT", () => undefined);
    // A primary that is gone (killed) leaves nobody to stop this worker: stop now.
    process.on("disconnect", () => stop("primary gone"));
    process.send?.(READY_MESSAGE);
  } else {
    process.on("SIGINT", () => stop("SIGINT"));
  }
}
