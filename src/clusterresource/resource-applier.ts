/**
 * Creates a rendered manifest in a cluster, or brings an existing object up to
 * it, as FlyteAdmin's controller does: create; on AlreadyExists read the
 * object and, unless it already holds every field of the manifest, patch it
 * (strategic merge for Kubernetes' own kinds, JSON merge for custom ones) at
 * the version read. Namespaced kinds go to the project's namespace whatever
 * the manifest says; the kind's scope comes from API discovery.
 */
import {
  ApiException,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";

/** What happened to one object. */
export type ApplyOutcome = "created" | "updated" | "unchanged";

/** KubernetesObjectApi with its discovery lookup reachable (it is protected there). */
class DiscoveringObjectApi extends KubernetesObjectApi {
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return resource.namespaced;
  }
}

/**
 * Applies manifests to one cluster.
 *
 * @example
 * const applier = new ResourceApplier(kubeConfig);
 * await applier.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "p-development" } }, "p-development");
 */
export class ResourceApplier {
  readonly #api: DiscoveringObjectApi;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(DiscoveringObjectApi);
  }

  async apply(manifest: KubernetesObject, namespace: string): Promise<ApplyOutcome> {
    const obj = structuredClone(manifest);
    if (!obj.apiVersion || !obj.kind) throw new Error("Object 'Kind' is missing in the template");
    obj.metadata = { ...(obj.metadata ?? {}) };
    if (await this.#api.isNamespaced(obj.apiVersion, obj.kind)) obj.metadata.namespace = namespace;
    else delete obj.metadata.namespace;
    try {
      await this.#api.create(obj);
      return "created";
    } catch (e) {
      if (!(e instanceof ApiException) || e.code !== 409) throw kubeError(e);
    }
    const header = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { name: obj.metadata.name ?? "", namespace: obj.metadata.namespace },
    };
    let current: KubernetesObject;
    try {
      current = await this.#api.read(header);
    } catch (e) {
      throw kubeError(e);
    }
    if (contains(current, obj)) return "unchanged";
    const patch = structuredClone(obj);
    patch.metadata = { ...patch.metadata, resourceVersion: current.metadata?.resourceVersion };
    const strategy = isBuiltInKind(obj.apiVersion) ? PatchStrategy.StrategicMergePatch : PatchStrategy.MergePatch;
    try {
      await this.#api.patch(patch, undefined, undefined, undefined, undefined, strategy);
    } catch (e) {
      throw kubeError(e);
    }
    return "updated";
  }
}

/** Kubernetes' own API groups (core, `apps`, `*.k8s.io`) take strategic merge patches; custom resources do not. */
function isBuiltInKind(apiVersion: string): boolean {
  if (!apiVersion.includes("/")) return true;
  const group = apiVersion.slice(0, apiVersion.indexOf("/"));
  return !group.includes(".") || group.endsWith(".k8s.io");
}

/** True when every field the manifest sets has the same value in `current` (a three-way patch would be `{}`). */
export function contains(current: unknown, wanted: unknown): boolean {
  if (wanted === null || typeof wanted !== "object") {
    if (current === undefined || current === null || typeof current === "object") return Object.is(current, wanted);
    // The API server answers quantities and numbers written in YAML as strings (`cpu: 5` reads back "5").
    return String(current) === String(wanted);
  }
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(current) && current.length === wanted.length && wanted.every((w, i) => contains(current[i], w))
    );
  }
  if (current === null || typeof current !== "object" || Array.isArray(current)) return false;
  const c = current as Record<string, unknown>;
  return Object.entries(wanted as Record<string, unknown>).every(([k, v]) => contains(c[k], v));
}

function kubeError(e: unknown): Error {
  if (!(e instanceof ApiException)) return e instanceof Error ? e : new Error(String(e));
  let message = `HTTP ${e.code}`;
  try {
    const body = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
    if (body && typeof body.message === "string") message = body.message;
  } catch {
    // not a Status body
  }
  return new Error(message);
}
