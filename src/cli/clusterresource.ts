/**
 * `flyteadmin clusterresource run|sync`: the cluster resource controller, as
 * the charts' sync deployment (`run`) and init container (`sync`) call it.
 */
import type { Command } from "commander";
import type { ClusterResourceController } from "../clusterresource/controller.js";
import type { ControllerMetrics } from "../clusterresource/controller-metrics.js";
import { Database } from "../store/database.js";
import { commandLogger, loadFromCommand } from "./options.js";

async function withController(
  cmd: Command,
  body: (c: ClusterResourceController, logger: ReturnType<typeof commandLogger>) => Promise<void>,
  metrics?: ControllerMetrics,
): Promise<void> {
  const loaded = loadFromCommand(cmd);
  const logger = commandLogger(loaded).child({ component: "clusterresource" });
  if (loaded.config.cluster_resources.standaloneDeployment) {
    logger.warn("cluster_resources.standaloneDeployment is not supported: reading projects from the database");
  }
  // The controller and the Kubernetes client are loaded only by these commands: `serve` starts without them.
  const [{ clusterTargets }, { ClusterResourceController }] = await Promise.all([
    import("../clusterresource/cluster-targets.js"),
    import("../clusterresource/controller.js"),
  ]);
  const database = Database.open(loaded.config, loaded.dataDir);
  try {
    const controller = new ClusterResourceController({
      config: loaded.config,
      database,
      targets: clusterTargets(loaded.config),
      logger,
      onSync: metrics && ((stats, ok) => metrics.recordSync(stats, ok)),
    });
    await body(controller, logger);
  } finally {
    await database.close();
  }
}

export function registerClusterResource(program: Command): void {
  const group = program
    .command("clusterresource")
    .description("the cluster resource controller: namespaces, quotas, service accounts... per project and domain");
  group
    .command("run")
    .description("sync cluster resources every cluster_resources.refreshInterval until stopped")
    .action(async (_opts: unknown, cmd: Command) => {
      const { ControllerMetrics } = await import("../clusterresource/controller-metrics.js");
      const metrics: ControllerMetrics = new ControllerMetrics();
      const port = loadFromCommand(cmd).config.flyteadmin.profilerPort;
      const server = await metrics.serve(port);
      try {
        await withController(
          cmd,
          async (controller, logger) => {
            const stop = new AbortController();
            const onSignal = () => stop.abort();
            process.once("SIGINT", onSignal);
            process.once("SIGTERM", onSignal);
            logger.info({ metricsPort: port }, "running cluster resource controller");
            await controller.run(stop.signal);
          },
          metrics,
        );
      } finally {
        server.close();
      }
    });
  group
    .command("sync")
    .description("sync cluster resources once")
    .action(async (_opts: unknown, cmd: Command) => {
      await withController(cmd, async (controller, logger) => {
        await controller.sync();
        logger.info("cluster resources synced successfully");
      });
    });
}
