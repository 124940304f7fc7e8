/**
 * The composition root: builds the store, managers, handlers and both
 * transports from a loaded configuration, and starts and stops them.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { createAuthStack } from "./auth/auth-stack.js";
import type { DataStore } from "./blob/data-store.js";
import { openDataStore } from "./blob/open-store.js";
import { parseQuantity, quantityValue } from "./compiler/index.js";
import type { LoadedConfig } from "./config/load.js";
import { ExecutorRegistry } from "./engine/executor-registry.js";
import { localEngineExposure } from "./engine/local/exposure-check.js";
import { LocalExecutor } from "./engine/local/local-executor.js";
import { engineSettings } from "./engine/local/settings.js";
import { addTaskLogRoute } from "./engine/local/task-logs.js";
import { engineControlPlane } from "./managers/engine-control-plane.js";
import { createManagers } from "./managers/index.js";
import { createNotifier } from "./notifications/index.js";
import { createLogger } from "./observability/logger.js";
import { Metrics } from "./observability/metrics.js";
import { servedServices } from "./proto/registry.js";
import { createScheduler } from "./scheduler/index.js";
import { handlerTable } from "./services/index.js";
import { Database } from "./store/database.js";
import { keepStatisticsFresh } from "./store/postgres/fresh-statistics.js";
import { createGrpcServer } from "./transport/grpc/server.js";
import { addBlobRoutes } from "./transport/http/blob-routes.js";
import { addConsoleRoutes } from "./transport/http/console-routes.js";
import { HttpGateway } from "./transport/http/gateway.js";
import { addOperationalRoutes } from "./transport/http/operational-routes.js";
import { gatewayRoutes } from "./transport/http/routes.js";
import { CallPipeline } from "./transport/pipeline.js";
import { SharedPorts } from "./transport/port/shared-port.js";

const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** A started server. */
export interface RunningServer {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly host: string;
  readonly database: Database;
  readonly blobs: DataStore;
  /** The origin of the HTTP server as clients reach it (`server.publicUrl`, or the bound address). */
  readonly publicUrl: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The local engine this process runs (`executor.type: local`, and not a follower worker). */
  readonly localEngine: LocalExecutor | undefined;
  /** Stops accepting, drains for `server.gracefulShutdownTimeoutSeconds`, then closes everything. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  /** The engines `executor.type` chooses from (default: the built-in ones). */
  readonly executors?: ExecutorRegistry;
  /**
   * `leader` (the default) runs the scheduler and the local engine; a `follower` worker (see `server.workers`)
   * runs neither, and `executors` then says how it reaches the leader's engine.
   */
  readonly role?: "leader" | "follower";
}

/**
 * Opens the database (migrating it), builds everything and starts listening.
 *
 * @example
 * const server = await startServer(loadConfig({ files: ["flyteadmin.yaml"] }));
 * // ... later
 * await server.stop();
 */
export async function startServer(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningServer> {
  const { config, dataDir } = loaded;
  const logger = options.logger ?? createLogger(config.logger);
  const exposure = localEngineExposure(config);
  if (exposure) throw new Error(`refusing to start: ${exposure}`);
  const metrics = new Metrics();
  const database = Database.open(config, dataDir);
  let grpcServer: grpc.Server | undefined;
  let httpServer: HttpServer | undefined;
  let ports: SharedPorts | undefined;
  try {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied, dialect: database.dialect }, "database migrated");

    let publicUrl = config.server.publicUrl;
    const blobs = await openDataStore(config, dataDir, { publicUrl: () => publicUrl });
    let localEngine: LocalExecutor | undefined;
    const executors =
      options.executors ??
      ExecutorRegistry.builtIn().with("local", (d) => {
        localEngine = new LocalExecutor({ ...d, dataDir });
        return localEngine;
      });
    const managers = createManagers({ config, database, blobs, logger, executors });
    const notifier = createNotifier(config, logger);
    managers.events.listeners.add(notifier);
    const boundPorts = { http: config.server.httpPort, grpc: grpcListenPort(config.server) };
    const auth = await createAuthStack({ config, dataDir, logger, ports: boundPorts });
    const pipeline = new CallPipeline({
      services: servedServices,
      handlers: handlerTable(managers, auth.metadata),
      logger,
      metrics,
      authenticate: auth.authenticate,
    });

    const maxMessageBytes = config.server.grpc.maxMessageSizeBytes || DEFAULT_MAX_MESSAGE_BYTES;
    grpcServer = createGrpcServer({
      services: servedServices,
      pipeline,
      maxMessageSizeBytes: maxMessageBytes,
      maxConcurrentStreams: config.server.grpc.maxConcurrentStreams,
      reflection: config.server.grpc.serverReflection || config.server.grpcServerReflection,
    });
    const host = config.server.host;

    const security = config.server.security;
    const gateway = new HttpGateway({
      routes: gatewayRoutes(servedServices),
      pipeline,
      metrics,
      logger,
      cors: security.allowCors
        ? { allowedOrigins: security.allowedOrigins, allowedHeaders: security.allowedHeaders }
        : undefined,
      maxBodyBytes: maxMessageBytes,
      authenticateHttp: auth.authenticateHttp,
    });
    addOperationalRoutes(gateway, { metrics, services: servedServices });
    addBlobRoutes(gateway, blobs, {
      maxUploadBytes: uploadLimitBytes(config.server.dataProxy.upload.maxSize),
    });
    auth.addRoutes(gateway);
    addConsoleRoutes(gateway);
    const engine = localEngine as LocalExecutor | undefined;
    // Any worker serves the engine's task logs: they are files on this machine.
    if (config.executor.type === "local") {
      addTaskLogRoute(gateway, engine?.settings.workDir ?? engineSettings(config, dataDir).workDir);
    }
    httpServer = createHttpServer(
      {
        headersTimeout: config.server.readHeaderTimeoutSeconds * 1000,
        keepAliveTimeout: 65_000,
        // How often node:http looks for requests over their header or body time (its default, 30 s, would let a
        // slow client hold a connection up to twice `readHeaderTimeoutSeconds`).
        connectionsCheckingInterval: 1000,
      },
      gateway.listener,
    );
    // Both ports answer gRPC and HTTP alike (told apart by each connection's first bytes).
    ports = new SharedPorts({
      grpc: grpcServer,
      http: httpServer,
      firstBytesTimeoutMs: config.server.readHeaderTimeoutSeconds * 1000,
    });
    const httpPort = await ports.listen(host, config.server.httpPort);
    const grpcPort = await ports.listen(host, grpcListenPort(config.server));
    publicUrl ||= defaultPublicUrl(host, httpPort);
    boundPorts.http = httpPort;
    boundPorts.grpc = grpcPort;
    await engine?.bind(
      engineControlPlane({
        database,
        blobs,
        executions: managers.executions,
        launchPlans: managers.registrationRepos.launchPlans,
        events: managers.events,
        signals: managers.signals,
      }),
      () => publicUrl,
    );
    logger.info({ host, grpcPort, httpPort, dialect: database.dialect, dataDir }, "flyteadmin-ts listening");
    const leads = options.role !== "follower";
    const scheduler = leads && createScheduler({ config, database, executions: managers.executions, logger, metrics });
    if (scheduler) scheduler.start();
    // One process per replica watches the planner statistics; replicas doing it at once only repeat an ANALYZE.
    const statistics = leads && database.dialect === "postgres" ? keepStatisticsFresh({ database, logger }) : undefined;

    const graceMs = config.server.gracefulShutdownTimeoutSeconds * 1000;
    const portsRef = ports;
    let stopping: Promise<void> | undefined;
    return {
      grpcPort,
      httpPort,
      host,
      database,
      blobs,
      publicUrl,
      logger,
      localEngine: engine,
      metrics,
      stop: () => {
        stopping ??= (async () => {
          if (scheduler) await scheduler.stop();
          await statistics?.stop();
          await engine?.stop();
          await portsRef.shutdown(graceMs);
          await database.close();
          await notifier.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (ports) await ports.shutdown(0);
    else {
      grpcServer?.forceShutdown();
      httpServer?.close();
    }
    await database.close();
    throw err;
  }
}

/** `server.grpc.port`, unless it is negative and the deprecated `server.grpcPort` is set (FlyteAdmin's rule). */
function grpcListenPort(server: LoadedConfig["config"]["server"]): number {
  return server.grpc.port < 0 && server.grpcPort > 0 ? server.grpcPort : server.grpc.port;
}

/** `server.dataProxy.upload.maxSize` (a Kubernetes quantity such as `6Mi`) in bytes. */
function uploadLimitBytes(text: string): number {
  const q = parseQuantity(text);
  if (!q || q.nanos < 0n) throw new Error(`server.dataProxy.upload.maxSize: invalid quantity "${text}"`);
  return Number(quantityValue(q));
}

/** `http://<host>:<port>`; a wildcard bind address is not reachable as such, so it becomes localhost. */
function defaultPublicUrl(host: string, port: number): string {
  const h = host === "" || host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
