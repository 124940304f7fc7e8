/**
 * The options every command shares, as FlyteAdmin's root command has them:
 * `--config` (repeatable, a glob allowed: `--config '/etc/flyte/config/*.yaml'`),
 * `--master`, and our `--data-dir`. Each command loads the configuration from
 * them the same way.
 */
import cluster from "node:cluster";
import type { Command } from "commander";
import type { Logger } from "pino";
import { type LoadedConfig, loadConfig } from "../config/load.js";
import { createLogger } from "../observability/logger.js";

export interface GlobalOptions {
  config: string[];
  dataDir?: string;
  master?: string;
}

/** Adds the shared options to the root command. */
export function withGlobalOptions(program: Command): Command {
  return program
    .option(
      "-c, --config <file>",
      "YAML configuration file or glob (e.g. '/etc/flyte/config/*.yaml'); repeat to merge several, later wins",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--master <url>", "the Kubernetes API server address, overriding the kubeconfig's (server.master)")
    .option("-d, --data-dir <dir>", "data directory of the embedded profile (SQLite file, local blobs)");
}

/** The configuration the command line names. */
export function loadFromCommand(cmd: Command): LoadedConfig {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const overrides = opts.master ? { server: { master: opts.master } } : undefined;
  return loadConfig({ files: opts.config ?? [], dataDir: opts.dataDir, defaults: inClusterDefaults(), overrides });
}

/**
 * Inside a Kubernetes pod (KUBERNETES_SERVICE_HOST is set) the defaults are FlyteAdmin's: listen on every
 * interface and run executions as FlyteWorkflow resources, so that the charts' config files, which say neither,
 * work unchanged. Outside, the embedded profile's defaults stay (loopback, local engine).
 */
export function inClusterDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | undefined {
  if (!env.KUBERNETES_SERVICE_HOST) return undefined;
  return { server: { host: "0.0.0.0" }, executor: { type: "kubernetes" } };
}

/** A logger for a command other than `serve` (which builds its own), configured by `logger.*`. */
export function commandLogger(loaded: LoadedConfig): Logger {
  return createLogger(loaded.config.logger);
}

/**
 * Lists, once and at warn level, the configuration keys we accept but do not act on (a worker process of a
 * multi-process server leaves it to the primary).
 */
export function warnIgnoredKeys(loaded: LoadedConfig, logger: Logger = commandLogger(loaded)): void {
  if (cluster.isWorker) return;
  const keys = loaded.ignoredKeys ?? [];
  if (keys.length === 0) return;
  logger.warn({ keys }, "configuration keys not used by flyteadmin-ts (accepted and ignored)");
}
