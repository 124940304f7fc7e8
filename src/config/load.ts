/**
 * Loading the YAML configuration: files are merged in order (later wins, as
 * flytestdlib merges several `--config` files), validated against the schema
 * and frozen. Errors name the key path so an operator sees what to fix.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import type { ZodError } from "zod";
import { expandConfigArgs, normalizeFlyteAdminConfig, unusedKeys } from "./flyteadmin-compat.js";
import { type Config, configSchema } from "./schema.js";

/** Thrown for a configuration that cannot be read or does not validate. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface LoadedConfig {
  readonly config: Config;
  /** Where the embedded profile keeps its SQLite file and local blobs. */
  readonly dataDir: string;
  /** Dotted paths of keys given that we do not act on (FlyteAdmin sections we accept and ignore). */
  readonly ignoredKeys?: readonly string[];
}

export interface LoadOptions {
  /** YAML files, merged in order; a `*` pattern in a file name matches that folder's files in name order. */
  files?: string[];
  /** `--data-dir`; defaults to FLYTEADMIN_DATA_DIR, then `./.flyteadmin`. */
  dataDir?: string;
  /** Values the files are merged over (defaults that depend on where we run). */
  defaults?: Record<string, unknown>;
  /** Values merged over the files (tests and CLI flags use this). */
  overrides?: Record<string, unknown>;
}

/**
 * Reads, merges and validates the configuration.
 *
 * @example
 * const { config, dataDir } = loadConfig({ files: ["flyteadmin.yaml"], dataDir: "/var/lib/flyteadmin" });
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  let merged: Record<string, unknown> = options.defaults ?? {};
  let files: string[];
  try {
    files = expandConfigArgs(options.files ?? []);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  for (const file of files) {
    merged = deepMerge(merged, readYaml(file));
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides);
  // After merging, as viper decodes the merged tree: a deprecated `database.host` in any file wins over `postgres.host`.
  merged = normalizeFlyteAdminConfig(merged);
  const ignoredKeys = unusedKeys(configSchema, merged);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  const config = parsed.data;
  for (const d of config.domains) if (d.name === "") d.name = d.id;
  const dataDir = resolve(options.dataDir ?? process.env.FLYTEADMIN_DATA_DIR ?? ".flyteadmin");
  return { config: deepFreeze(config), dataDir, ignoredKeys };
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  return doc;
}

function formatIssues(error: ZodError): string {
  const lines = error.issues.map((i) => `  ${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
  return `invalid configuration:\n${lines.join("\n")}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges b over a; nested mappings merge, everything else (lists included) is replaced. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
