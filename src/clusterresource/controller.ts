/**
 * The cluster resource controller (`flyteadmin clusterresource run|sync`):
 * for every project that is not archived and every configured domain, render
 * each `*.yaml` template of `cluster_resources.templatePath` for the project's
 * namespace and create or update it in every target cluster. A template whose
 * rendering has not changed since this process last applied it everywhere is
 * skipped (FlyteAdmin keeps the same checksum per namespace and file).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { parse } from "yaml";
import { goDurationMs } from "../common/duration.js";
import type { Config } from "../config/schema.js";
import { namespaceFor } from "../managers/executions/launch-settings.js";
import { MatchableResource } from "../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { Project_ProjectState } from "../proto/gen/flyteidl/admin/project_pb.js";
import type { Database } from "../store/database.js";
import { attributesFromRow } from "../store/repositories/resource-mapper.js";
import { ResourceRepository } from "../store/repositories/resource-repository.js";
import type { ClusterTarget } from "./cluster-targets.js";
import { type ApplyOutcome, ResourceApplier } from "./resource-applier.js";
import { customValues, renderTemplate, resolveDataSources, type TemplateValues } from "./template-values.js";

/** Counts of one sync, FlyteAdmin's ResourceSyncStats. */
export interface SyncStats {
  created: number;
  updated: number;
  alreadyThere: number;
  errored: number;
}

export class ClusterResourceSyncError extends Error {
  override name = "ClusterResourceSyncError";
  constructor(
    readonly errors: readonly string[],
    readonly stats: SyncStats,
  ) {
    super(`${errors.length} error(s) syncing cluster resources: ${errors.slice(0, 5).join("; ")}`);
  }
}

export interface ControllerOptions {
  readonly config: Config;
  /** Told about every pass (`clusterresource run` serves them). */
  readonly onSync?: (stats: SyncStats, ok: boolean) => void;
  readonly database: Database;
  readonly targets: readonly ClusterTarget[];
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Syncs cluster resources once or in a loop.
 *
 * @example
 * const controller = new ClusterResourceController({ config, database, targets: clusterTargets(config), logger });
 * const stats = await controller.sync();
 */
export class ClusterResourceController {
  readonly #o: ControllerOptions;
  readonly #appliers: ReadonlyArray<{ id: string; applier: ResourceApplier }>;
  /** namespace -> template file -> checksum of the manifest last applied to every target. */
  readonly #applied = new Map<string, Map<string, string>>();
  readonly #resources: ResourceRepository;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#appliers = options.targets.map((t) => ({ id: t.id, applier: new ResourceApplier(t.kubeConfig) }));
    this.#resources = new ResourceRepository(options.database);
  }

  /** One pass over every project and domain; throws {@link ClusterResourceSyncError} when anything failed. */
  async sync(): Promise<SyncStats> {
    const { config, logger } = this.#o;
    const cr = config.cluster_resources;
    const errors: string[] = [];
    const stats: SyncStats = { created: 0, updated: 0, alreadyThere: 0, errored: 0 };
    let global: TemplateValues = new Map();
    try {
      global = resolveDataSources(cr.templateData, this.#o.env);
    } catch (e) {
      errors.push((e as Error).message);
    }
    const byDomain = new Map<string, TemplateValues>();
    for (const [domain, data] of Object.entries(cr.customData)) {
      try {
        byDomain.set(domain, resolveDataSources(data, this.#o.env));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    const templates = this.#templates(errors);
    for (const project of await this.#activeProjects()) {
      for (const domain of config.domains) {
        // As FlyteAdmin: the namespace takes the domain's name, the `{{ domain }}` variable its id.
        const namespace = namespaceFor(config.namespace_mapping.template, project, domain.name);
        const custom = customValues(byDomain.get(domain.id), await this.#attributes(project, domain.id));
        for (const [file, template] of templates) {
          const manifest = renderTemplate(template, custom, global, { namespace, project, domain: domain.id });
          const outcome = await this.#applyEverywhere(namespace, file, manifest, errors);
          if (outcome === "error") stats.errored++;
          else if (outcome === "created") stats.created++;
          else if (outcome === "updated") stats.updated++;
          else stats.alreadyThere++;
        }
        logger.debug({ namespace }, "cluster resources synced for namespace");
      }
    }
    logger.info({ ...stats, errors: errors.length }, "completed cluster resource creation loop");
    this.#o.onSync?.(stats, errors.length === 0);
    if (errors.length > 0) throw new ClusterResourceSyncError(errors, stats);
    return stats;
  }

  /** Syncs every `cluster_resources.refreshInterval` until the signal aborts; a failed pass is logged, not fatal. */
  async run(signal: AbortSignal): Promise<void> {
    const interval = goDurationMs(
      this.#o.config.cluster_resources.refreshInterval,
      "cluster_resources.refreshInterval",
    );
    while (!signal.aborted) {
      try {
        await this.sync();
      } catch (e) {
        this.#o.logger.error({ err: e }, "failed cluster resource creation loop");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  /** The `.yaml` files of the template folder in name order (symlinks included: a mounted ConfigMap is links). */
  #templates(errors: string[]): Array<[string, string]> {
    const dir = this.#o.config.cluster_resources.templatePath;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      errors.push(`Failed to read config template dir [${dir}]: ${(e as Error).message}`);
      return [];
    }
    const out: Array<[string, string]> = [];
    for (const name of names) {
      if (extname(name) !== ".yaml") continue;
      try {
        out.push([name, readFileSync(join(dir, name), "utf8")]);
      } catch (e) {
        errors.push(`failed to read config template from path [${name}]: ${(e as Error).message}`);
      }
    }
    return out;
  }

  async #activeProjects(): Promise<string[]> {
    const rows = await this.#o.database.kysely
      .selectFrom("projects")
      .select("identifier")
      .where("state", "!=", Project_ProjectState.ARCHIVED)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((r) => r.identifier);
  }

  /** The CLUSTER_RESOURCE attributes most specific to the project and domain. */
  async #attributes(project: string, domain: string): Promise<Record<string, string> | undefined> {
    const row = await this.#resources.mostSpecific({
      project,
      domain,
      workflow: "",
      launchPlan: "",
      resourceType: MatchableResource[MatchableResource.CLUSTER_RESOURCE],
    });
    if (!row) return undefined;
    const target = attributesFromRow(row).target;
    return target.case === "clusterResourceAttributes" ? target.value.attributes : undefined;
  }

  async #applyEverywhere(
    namespace: string,
    file: string,
    manifest: string,
    errors: string[],
  ): Promise<ApplyOutcome | "error"> {
    const checksum = createHash("md5").update(manifest).digest("hex");
    const applied = this.#applied.get(namespace) ?? new Map<string, string>();
    if (applied.get(file) === checksum) return "unchanged";
    let obj: KubernetesObject;
    try {
      obj = parse(manifest) as KubernetesObject;
    } catch (e) {
      errors.push(`template [${file}] for namespace [${namespace}] is not valid YAML: ${(e as Error).message}`);
      return "error";
    }
    let outcome: ApplyOutcome = "unchanged";
    let failed = false;
    for (const { id, applier } of this.#appliers) {
      try {
        const o = await applier.apply(obj, namespace);
        if (o !== "unchanged") outcome = o;
      } catch (e) {
        failed = true;
        const message = `Failed to create kubernetes object from config template [${file}] for namespace [${namespace}] in cluster [${id}] with err: ${(e as Error).message}`;
        this.#o.logger.warn({ namespace, file, cluster: id }, message);
        errors.push(message);
      }
    }
    if (failed) return "error";
    applied.set(file, checksum);
    this.#applied.set(namespace, applied);
    return outcome;
  }
}
