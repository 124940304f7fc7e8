/**
 * The configuration schema. Key names are FlyteAdmin's own (flytestdlib
 * sections: `server`, `database`, `storage`, `flyteadmin`, `domains`, ...) so
 * that an operator's existing YAML keeps working; keys FlyteAdmin does not
 * have (`executor`, `server.host`, `storage.local`) are our additions and are
 * documented in the README. Every key has a default: no file is needed to
 * start. Unknown keys are ignored, as FlyteAdmin ignores them.
 */
import { z } from "zod";

const str = (d = "") => z.string().default(d);
const bool = (d = false) => z.boolean().default(d);
const int = (d: number) => z.number().int().default(d);
const strList = (d: string[]) => z.array(z.string()).default(d);
const strMap = () => z.record(z.string(), z.string()).default({});

const grpcSchema = z
  .object({
    port: int(8089),
    serverReflection: bool(true),
    maxMessageSizeBytes: int(0),
    maxConcurrentStreams: int(0),
    enableGrpcLatencyMetrics: bool(false),
  })
  .prefault({});

const securitySchema = z
  .object({
    secure: bool(),
    ssl: z.object({ certificateFile: str(), keyFile: str() }).prefault({}),
    useAuth: bool(),
    auditAccess: bool(),
    allowCors: bool(true),
    allowedOrigins: strList(["*"]),
    allowedHeaders: strList(["Content-Type", "flyte-authorization"]),
    insecureCookieHeader: bool(),
  })
  .prefault({});

const dataProxySchema = z
  .object({
    upload: z
      .object({
        maxSize: str("6Mi"),
        maxExpiresIn: str("1h"),
        defaultFileNameLength: int(20),
        storagePrefix: str(),
      })
      .prefault({}),
    download: z.object({ maxExpiresIn: str("1h") }).prefault({}),
  })
  .prefault({});

const serverSchema = z
  .object({
    /** Our addition: the address both listeners bind. FlyteAdmin binds every interface. */
    host: str("127.0.0.1"),
    /**
     * Our addition: the origin clients reach this server's HTTP port at (e.g. `https://flyte.example.com`), used
     * in the local store's signed URLs. Default: `http://<host>:<httpPort>` of this server as bound (a wildcard
     * host becomes `localhost`). Set it when clients come through a proxy or another host name.
     */
    publicUrl: str(),
    httpPort: int(8088),
    grpc: grpcSchema,
    /** Deprecated FlyteAdmin aliases, honoured as FlyteAdmin honours them. */
    grpcPort: int(0),
    grpcServerReflection: bool(false),
    security: securitySchema,
    readHeaderTimeoutSeconds: int(32),
    /**
     * Our addition: worker processes accepting on the same ports (node:cluster); one of them runs the scheduler
     * and the local engine. 0 (default): one per CPU on PostgreSQL; SQLite always runs one.
     */
    workers: int(0),
    gracefulShutdownTimeoutSeconds: int(10),
    "kube-config": str(),
    master: str(),
    kubeClientConfig: z.object({ qps: int(100), burst: int(25), timeout: str("30s") }).prefault({}),
    dataProxy: dataProxySchema,
  })
  .prefault({});

const databaseSchema = z
  .object({
    postgres: z
      .object({
        host: str(),
        readReplicaHost: str(),
        port: int(5432),
        dbname: str("postgres"),
        username: str("postgres"),
        password: str(),
        passwordPath: str(),
        options: str(),
        debug: bool(),
        /**
         * Ours: the PostgreSQL schema our tables live in (default: the connection's, `public`). Set it to share a
         * database with Go FlyteAdmin's tables (which stay untouched in `public`), e.g. `flyteadmin_ts`.
         */
        schema: z
          .string()
          .regex(/^([a-z_][a-z0-9_]*)?$/, "a lower-case SQL identifier")
          .default(""),
      })
      .prefault({}),
    sqlite: z.object({ file: str() }).prefault({}),
    maxIdleConnections: int(10),
    maxOpenConnections: int(100),
    connMaxLifeTime: str("1h"),
    enableForeignKeyConstraintWhenMigrating: bool(),
  })
  .prefault({});

const storageSchema = z
  .object({
    /** `local` (embedded default: a directory), `s3` or `minio` (S3-compatible), `mem` is treated as local. */
    type: z.enum(["local", "s3", "minio", "mem", "stow"]).default("local"),
    container: str("flyte"),
    connection: z
      .object({
        endpoint: str(),
        "auth-type": str("accesskey"),
        "access-key": str(),
        "secret-key": str(),
        region: str("us-east-1"),
        "disable-ssl": bool(),
      })
      .prefault({}),
    /** Values may be written as YAML booleans or numbers (`disable_ssl: true`); they are read as strings. */
    stow: z
      .object({
        kind: str(),
        config: z
          .record(
            z.string(),
            z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
          )
          .default({}),
      })
      .prefault({}),
    /** FlyteAdmin's: stow settings used only for signing URLs; we honour `endpoint` (the address clients reach the store at). */
    signedUrl: z.object({ stowConfigOverride: strMap() }).prefault({}),
    /**
     * Our addition: the local store. `root` is its directory (default `<data dir>/blobs`); `signingKey` is the
     * secret (at least 16 bytes) its signed URLs are HMAC-signed with, by default a random key generated into
     * `<data dir>/blob-signing.key` (mode 0600) on first start.
     */
    local: z.object({ root: str(), signingKey: str() }).prefault({}),
    "enable-multicontainer": bool(),
    limits: z.object({ maxDownloadMBs: int(2) }).prefault({}),
    /**
     * FlyteAdmin's in-memory cache of blob store data. We read `max_size_mbs` as the memory for what we keep in
     * memory (registered specs, decoded answers, workflow closures); 0 or absent: 128 (the charts set 0, which in
     * FlyteAdmin turns off only its blob cache). `target_gc_percent` is accepted and ignored (a Go GC setting).
     */
    cache: z.object({ max_size_mbs: z.number().int().min(0).default(0), target_gc_percent: int(0) }).prefault({}),
  })
  .prefault({});

const domainSchema = z.object({ id: z.string().min(1), name: z.string().default("") });

/** A quantity; YAML may give it as a number (`cpu: 2`), as FlyteAdmin's charts do. */
const quantity = () =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .default("");

const resourceSetSchema = z
  .object({
    cpu: quantity(),
    gpu: quantity(),
    memory: quantity(),
    storage: quantity(),
    ephemeralStorage: quantity(),
  })
  .partial();

/** A cluster resource template value: given, or read from an environment variable or a file. */
const dataSourceSchema = z.object({
  value: z
    .union([z.string(), z.number(), z.boolean()])
    .transform((v) => String(v))
    .default(""),
  valueFrom: z.object({ env: str(), filePath: str() }).prefault({}),
});

/** FlyteAdmin's `cluster_resources` (the cluster resource controller, `flyteadmin clusterresource run|sync`). */
const clusterResourcesSchema = z
  .object({
    templatePath: str(),
    templateData: z.record(z.string(), dataSourceSchema).default({}),
    refreshInterval: str("1m"),
    /** Per domain, variables for the templates (the charts write lists of one-key maps; they are merged). */
    customData: z.record(z.string(), z.record(z.string(), dataSourceSchema)).default({}),
    standaloneDeployment: bool(),
  })
  .prefault({});

/** FlyteAdmin's `clusters`: the execution clusters (the controller syncs every enabled one). */
const clustersSchema = z
  .object({
    clusterConfigs: z
      .array(
        z.object({
          name: str(),
          endpoint: str(),
          auth: z.object({ tokenPath: str(), certPath: str(), type: str() }).prefault({}),
          enabled: bool(),
          inCluster: bool(),
        }),
      )
      .default([]),
    labelClusterMap: z.record(z.string(), z.array(z.object({ id: str(), weight: z.number().default(0) }))).default({}),
    defaultExecutionLabel: str(),
  })
  .prefault({});

const flyteAdminSchema = z
  .object({
    profilerPort: int(10254),
    metricsScope: str("flyte:"),
    metadataStoragePrefix: strList(["metadata", "admin"]),
    eventVersion: int(2),
    asyncEventsBufferSize: int(100),
    maxParallelism: int(25),
    interruptible: bool(),
    overwriteCache: bool(),
    k8sServiceAccount: str(),
    assumableIamRole: str(),
    outputLocationPrefix: str(),
    labels: strMap(),
    annotations: strMap(),
    envs: strMap(),
    roleNameKey: str(),
    useOffloadedWorkflowClosure: bool(),
    useOffloadedInputs: bool(),
    consoleUrl: str(),
    featureGates: z.object({ enableArtifacts: bool() }).prefault({}),
    injectIdentityAnnotations: bool(),
    identityAnnotationPrefix: str(),
    identityAnnotationKeys: strList([]),
  })
  .prefault({});

const registrationSchema = z
  .object({
    maxWorkflowNodes: int(100),
    workflowSizeLimit: str(),
    maxLabelEntries: int(0),
    maxAnnotationEntries: int(0),
  })
  .prefault({});

const remoteDataSchema = z
  .object({
    scheme: str("none"),
    region: str(),
    maxSizeInBytes: int(2 * 1024 * 1024),
    inlineEventDataPolicy: z.enum(["Offload", "StoreInline"]).default("Offload"),
    signedUrls: z.object({ enabled: bool(), durationMinutes: int(0) }).prefault({}),
  })
  .prefault({});

const executorSchema = z
  .object({
    /** Our addition: what runs executions. */
    type: z.enum(["local", "external", "kubernetes"]).default("local"),
    local: z
      .object({
        /** The environment of task processes (e.g. a virtualenv's bin first on PATH); the server's is never passed. */
        env: strMap(),
        /** `process` runs task commands on this machine; `docker` runs them in the task's image. */
        runtime: z.enum(["process", "docker"]).default("process"),
        /** Task processes running at once across all executions; 0 = the number of CPUs. */
        maxParallelTasks: int(0),
        /** Working directories and task logs (default `<data dir>/engine`). */
        workDir: str(),
        /** Retries of an attempt that failed with a system error (FlytePropeller's `max-node-retries-system-failures`). */
        maxSystemRetries: int(3),
        /** How often gate nodes and launch plan nodes look for a change (Go duration). */
        pollInterval: str("500ms"),
        docker: z.object({ command: str("docker"), runArgs: strList([]) }).prefault({}),
        /**
         * Start flytekit tasks (pyflyte-execute, pyflyte-fast-execute, pyflyte-map-execute) by forking a Python worker
         * that has imported flytekit already, instead of a new interpreter per attempt (runtime `process` only).
         */
        warmPython: bool(true),
      })
      .prefault({}),
  })
  .prefault({});

/** A fosite `DefaultClient`, as FlyteAdmin's `auth.appAuth.selfAuthServer.staticClients` entries spell it. */
const staticClientSchema = z.object({
  id: str(),
  /** bcrypt hash of the secret, raw (`$2a$...`) or base64-encoded as FlyteAdmin's []byte field is. */
  client_secret: str(),
  redirect_uris: strList([]),
  grant_types: strList([]),
  response_types: strList([]),
  scopes: strList([]),
  audience: strList([]),
  public: bool(),
});

/** A public CLI client as FlyteAdmin registers `flyte-cli` and `flytectl`. */
const publicCliClient = (id: string): z.input<typeof staticClientSchema> => ({
  id,
  redirect_uris: ["http://localhost:53593/callback", "http://localhost:12345/callback"],
  response_types: ["code", "token"],
  grant_types: ["refresh_token", "authorization_code"],
  scopes: ["all", "offline", "access_token"],
  public: true,
});

/** FlyteAdmin's built-in static clients; configured clients are merged over them by id, as viper merges the map. */
export const DEFAULT_STATIC_CLIENTS: Record<string, z.input<typeof staticClientSchema>> = {
  "flyte-cli": publicCliClient("flyte-cli"),
  flytectl: publicCliClient("flytectl"),
  flytepropeller: {
    id: "flytepropeller",
    // FlyteAdmin's default hash (not of any published secret): deployments configure their own.
    client_secret: "$2a$06$d6PQn2QAFU3cL5V8MDkeuuk63xubqUxNxjtfPw.Fc9MgV6vpmyOIy",
    redirect_uris: ["http://localhost:3846/callback"],
    response_types: ["token"],
    grant_types: ["refresh_token", "client_credentials"],
    scopes: ["all", "offline", "access_token"],
  },
};

const authSchema = z
  .object({
    httpAuthorizationHeader: str("flyte-authorization"),
    grpcAuthorizationHeader: str("flyte-authorization"),
    disableForHttp: bool(),
    disableForGrpc: bool(),
    authorizedUris: strList([]),
    httpProxyURL: str(),
    userAuth: z
      .object({
        redirectUrl: str("/console"),
        openId: z
          .object({
            clientId: str(),
            clientSecretName: str("oidc_client_secret"),
            clientSecretFile: str(),
            baseUrl: str(),
            issuerUrl: str(),
            scopes: strList(["openid", "profile"]),
          })
          .prefault({}),
        httpProxyURL: str(),
        cookieHashKeySecretName: str("cookie_hash_key"),
        cookieBlockKeySecretName: str("cookie_block_key"),
        cookieSetting: z
          .object({
            sameSitePolicy: z.enum(["DefaultMode", "LaxMode", "StrictMode", "NoneMode"]).default("DefaultMode"),
            domain: str(),
          })
          .prefault({}),
        idpQueryParameter: str(),
      })
      .prefault({}),
    appAuth: z
      .object({
        authServerType: z.enum(["Self", "External"]).default("Self"),
        selfAuthServer: z
          .object({
            issuer: str(),
            accessTokenLifespan: str("30m"),
            refreshTokenLifespan: str("60m"),
            authorizationCodeLifespan: str("5m"),
            claimSymmetricEncryptionKeySecretName: str("claim_symmetric_key"),
            tokenSigningRSAKeySecretName: str("token_rsa_key.pem"),
            oldTokenSigningRSAKeySecretName: str("token_rsa_key_old.pem"),
            staticClients: z
              .record(z.string(), staticClientSchema)
              .default({})
              .transform((given) => {
                const merged: Record<string, z.output<typeof staticClientSchema>> = {};
                for (const [k, v] of Object.entries(DEFAULT_STATIC_CLIENTS)) merged[k] = staticClientSchema.parse(v);
                return Object.assign(merged, given);
              }),
          })
          .prefault({}),
        externalAuthServer: z
          .object({
            baseUrl: str(),
            allowedAudience: strList([]),
            metadataUrl: str(),
            httpProxyURL: str(),
            retryAttempts: int(5),
            retryDelay: str("1s"),
          })
          .prefault({}),
        thirdPartyConfig: z
          .object({
            flyteClient: z
              .object({
                clientId: str("flytectl"),
                redirectUri: str("http://localhost:53593/callback"),
                scopes: strList(["all", "offline"]),
                audience: str(),
              })
              .prefault({}),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * FlyteAdmin's `scheduler` section (its native scheduler runs as its own deployment; ours runs in every replica and
 * only the leader fires). `eventScheduler.local` is empty in FlyteAdmin; our knobs live there.
 */
const schedulerSchema = z
  .object({
    profilerPort: int(10254),
    eventScheduler: z
      .object({
        /** `local` is the native scheduler; `aws` (CloudWatch) is not supported here, and turns ours off. */
        scheme: str("local"),
        region: str(),
        scheduleRole: str(),
        targetName: str(),
        scheduleNamePrefix: str(),
        local: z
          .object({
            /** Ours: run the native scheduler in this process. */
            enabled: bool(true),
            /** Ours: missed fires made up per schedule after downtime (FlyteAdmin: all of them). */
            catchUpLimit: int(10),
            /** Ours: how often schedules are re-read (FlyteAdmin: 30s). */
            reloadInterval: str("30s"),
            /** Ours: how often last fire times are saved (FlyteAdmin: 30s). */
            snapshotInterval: str("30s"),
            /** Ours: how often a follower replica tries to take the lead. */
            leaderRetryInterval: str("10s"),
          })
          .prefault({}),
      })
      .prefault({}),
    workflowExecutor: z
      .object({
        scheme: str("local"),
        region: str(),
        scheduleQueueName: str(),
        accountId: str(),
        local: z
          .object({
            adminRateLimit: z.object({ tps: z.number().nonnegative().default(100), burst: int(10) }).prefault({}),
            useUTCTz: bool(),
          })
          .prefault({}),
      })
      .prefault({}),
    reconnectAttempts: int(0),
    reconnectDelaySeconds: int(0),
  })
  .prefault({});

/**
 * FlyteAdmin's `notifications` section. `type` picks the queue (`sandbox`: in-process; `aws`, `gcp`: theirs), the
 * emailer's `serviceName` picks how mail goes out (`smtp` here; `sendgrid` and SES are not built in).
 */
const notificationsSchema = z
  .object({
    type: str("local"),
    region: str(),
    aws: z.object({ region: str(), accountId: str() }).prefault({}),
    gcp: z.object({ projectId: str() }).prefault({}),
    publisher: z.object({ topicName: str() }).prefault({}),
    processor: z.object({ queueName: str(), accountId: str() }).prefault({}),
    emailer: z
      .object({
        emailServerConfig: z
          .object({
            serviceName: str(),
            apiKeyEnvVar: str(),
            apiKeyFilePath: str(),
            smtpServer: str(),
            smtpPort: str(),
            smtpSkipTLSVerify: bool(),
            smtpUsername: str(),
            smtpPasswordSecretName: str(),
          })
          .prefault({}),
        subject: str(),
        sender: str(),
        body: str(),
      })
      .prefault({}),
    reconnectAttempts: int(0),
    reconnectDelaySeconds: int(0),
  })
  .prefault({});

const loggerSchema = z
  .object({
    level: z.union([z.enum(["trace", "debug", "info", "warn", "error", "fatal"]), z.number().int()]).default("info"),
    formatter: z.object({ type: str("json") }).prefault({}),
  })
  .prefault({});

export const configSchema = z
  .object({
    server: serverSchema,
    database: databaseSchema,
    storage: storageSchema,
    flyteadmin: flyteAdminSchema,
    domains: z.array(domainSchema).default([
      { id: "development", name: "development" },
      { id: "staging", name: "staging" },
      { id: "production", name: "production" },
    ]),
    registration: registrationSchema,
    task_resources: z
      .object({
        defaults: resourceSetSchema.default({ cpu: "2", memory: "200Mi" }),
        limits: resourceSetSchema.default({ cpu: "2", memory: "1Gi", gpu: "1" }),
      })
      .prefault({}),
    task_type_whitelist: z.record(z.string(), z.array(z.object({ project: str(), domain: str() }))).default({}),
    remoteData: remoteDataSchema,
    namespace_mapping: z.object({ template: str("{{ project }}-{{ domain }}") }).prefault({}),
    executor: executorSchema,
    /** Execution queues (`child_queue` of container tasks), by EXECUTION_QUEUE attribute tags or per domain. */
    queues: z
      .object({
        executionQueues: z.array(z.object({ dynamic: str(), attributes: strList([]) })).default([]),
        workflowConfigs: z.array(z.object({ domain: str(), tags: strList([]) })).default([]),
      })
      .prefault({}),
    /** The cluster pool of each domain's executions, unless a CLUSTER_ASSIGNMENT attribute says otherwise. */
    clusterPools: z
      .object({ clusterPoolAssignments: z.record(z.string(), z.object({ pool: str() })).default({}) })
      .prefault({}),
    scheduler: schedulerSchema,
    notifications: notificationsSchema,
    logger: loggerSchema,
    auth: authSchema,
    cluster_resources: clusterResourcesSchema,
    clusters: clustersSchema,
    secrets: z.object({ "secrets-prefix": str("/etc/secrets"), "env-prefix": str("FLYTE_SECRET_") }).prefault({}),
  })
  .prefault({});

/** The validated configuration, every key filled in. */
export type Config = z.output<typeof configSchema>;
