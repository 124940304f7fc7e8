/** Opens the blob store the `storage` section configures. */
import { join } from "node:path";
import { cacheBudget } from "../config/cache-budget.js";
import type { Config } from "../config/schema.js";
import type { DataStore } from "./data-store.js";
import { cacheImmutableReads } from "./immutable-reads.js";
import { LocalStore } from "./local-store.js";
import type { S3Store } from "./s3-store.js";
import { UrlSigner } from "./url-signer.js";

export interface OpenStoreOptions {
  /** The origin of our HTTP server, for the local store's signed URLs; read when a URL is signed. */
  readonly publicUrl: () => string;
}

/**
 * - `storage.type: local` (the default; also `mem`): a directory, by default
 *   `<data dir>/blobs`, holding the container; signed URLs point at our HTTP server.
 * - `s3` / `minio`, or `stow` with `stow.kind: s3`: the bucket `storage.container`
 *   at `storage.connection` (path-style addressing for MinIO and custom endpoints).
 */
export async function openDataStore(config: Config, dataDir: string, options?: OpenStoreOptions): Promise<DataStore> {
  const store = await openConfigured(config, dataDir, options);
  cacheImmutableReads(store, cacheBudget(config).blobs);
  return store;
}

async function openConfigured(config: Config, dataDir: string, options?: OpenStoreOptions): Promise<DataStore> {
  const s = config.storage;
  switch (s.type) {
    case "local":
    case "mem": {
      const root = s.local.root || s.stow.config.path || join(dataDir, "blobs");
      const urls = options && {
        signer: UrlSigner.fromConfig(s.local.signingKey, dataDir),
        publicUrl: options.publicUrl,
      };
      return new LocalStore(root, s.container, urls);
    }
    case "s3":
    case "minio":
      return s3FromConnection(await loadS3(), config, s.type === "minio");
    case "stow":
      if (s.stow.kind === "s3") return s3FromStow(await loadS3(), config);
      throw new Error(`storage.stow.kind ${s.stow.kind} is not supported (supported: s3)`);
    default:
      throw new Error(`storage.type ${s.type} is not supported`);
  }
}

/** The S3 store's module, loaded only when configured: the AWS SDK is a large part of start-up otherwise. */
async function loadS3(): Promise<typeof S3Store> {
  return (await import("./s3-store.js")).S3Store;
}

function s3FromConnection(S3: typeof S3Store, config: Config, minio: boolean): S3Store {
  const s = config.storage;
  const c = s.connection;
  const endpoint = withScheme(c.endpoint, c["disable-ssl"]);
  const iam = c["auth-type"] === "iam";
  return new S3({
    bucket: s.container,
    endpoint,
    region: c.region,
    accessKeyId: iam ? "" : c["access-key"],
    secretAccessKey: iam ? "" : c["secret-key"],
    forcePathStyle: minio || endpoint !== "",
    signingEndpoint: withScheme(s.signedUrl.stowConfigOverride.endpoint ?? "", c["disable-ssl"]) || undefined,
    multiContainer: s["enable-multicontainer"],
  });
}

/** flytestdlib's stow S3 config keys (`auth_type`, `access_key_id`, `secret_key`, `region`, `endpoint`, `disable_ssl`). */
function s3FromStow(S3: typeof S3Store, config: Config): S3Store {
  const s = config.storage;
  const k = s.stow.config;
  const disableSsl = k.disable_ssl === "true";
  const endpoint = withScheme(k.endpoint ?? "", disableSsl);
  const iam = k.auth_type === "iam";
  return new S3({
    bucket: s.container,
    endpoint,
    region: k.region ?? "us-east-1",
    accessKeyId: iam ? "" : (k.access_key_id ?? ""),
    secretAccessKey: iam ? "" : (k.secret_key ?? ""),
    forcePathStyle: endpoint !== "",
    signingEndpoint: withScheme(s.signedUrl.stowConfigOverride.endpoint ?? "", disableSsl) || undefined,
    multiContainer: s["enable-multicontainer"],
  });
}

/** An endpoint without a scheme gets http:// with `disable-ssl`, https:// otherwise. */
function withScheme(endpoint: string, disableSsl: boolean): string {
  if (endpoint === "" || endpoint.includes("://")) return endpoint;
  return `${disableSsl ? "http" : "https"}://${endpoint}`;
}
