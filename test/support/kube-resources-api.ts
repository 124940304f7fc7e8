/**
 * A recording Kubernetes API server for plain resources (namespaces, resource
 * quotas, service accounts, secrets, config maps, limit ranges, RBAC roles and
 * bindings): API discovery (`/api/v1`, `/apis/<group>/<version>`), create
 * (409 AlreadyExists), get (404 NotFound), merge / strategic-merge patch
 * (lists replaced; a stale resourceVersion is a 409 Conflict) and replace,
 * with a log of every request. What the cluster resource controller and
 * `secret create` need; no cluster required.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RecordingApiServer } from "./recording-api-server.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface ResourceInfo {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const CORE: ResourceInfo[] = [
  { name: "namespaces", kind: "Namespace", namespaced: false },
  { name: "resourcequotas", kind: "ResourceQuota", namespaced: true },
  { name: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
  { name: "secrets", kind: "Secret", namespaced: true },
  { name: "configmaps", kind: "ConfigMap", namespaced: true },
  { name: "limitranges", kind: "LimitRange", namespaced: true },
];
const GROUPS: Record<string, ResourceInfo[]> = {
  "rbac.authorization.k8s.io/v1": [
    { name: "roles", kind: "Role", namespaced: true },
    { name: "rolebindings", kind: "RoleBinding", namespaced: true },
    { name: "clusterroles", kind: "ClusterRole", namespaced: false },
  ],
};

export class RecordingResourceApi extends RecordingApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Objects by `<apiVersion>/<resource>/<namespace or "">/<name>`. */
  readonly objects = new Map<string, Obj>();
  #version = 100;

  /** A kubeconfig file named after this server's port, so that several clusters' files can share `dir`. */
  override writeKubeconfig(dir: string, token = "test-token"): string {
    return super.writeKubeconfig(dir, token, `kubeconfig-${this.url.split(":").pop()}.yaml`);
  }

  /** The stored object, or undefined. */
  get(apiVersion: string, resource: string, namespace: string, name: string): Obj | undefined {
    return this.objects.get(`${apiVersion}/${resource}/${namespace}/${name}`);
  }

  /** Requests that changed something (POST, PATCH, PUT). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "POST" || r.method === "PATCH" || r.method === "PUT");
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://x");
    const body = text === "" ? undefined : JSON.parse(text);
    const method = req.method ?? "";
    this.requests.push({
      method,
      path: url.pathname,
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
      body,
    });
    const route = parseRoute(url.pathname);
    if (!route) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    const resources = route.apiVersion === "v1" ? CORE : GROUPS[route.apiVersion];
    if (!resources) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    if (route.resource === undefined) {
      if (method !== "GET") return send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
      return send(res, 200, {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: route.apiVersion,
        resources: resources.map((r) => ({ ...r, singularName: "", verbs: ["create", "get", "patch", "update"] })),
      });
    }
    const info = resources.find((r) => r.name === route.resource);
    if (!info) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    const namespace = info.namespaced ? (route.namespace ?? "") : "";
    const key = (name: string) => `${route.apiVersion}/${info.name}/${namespace}/${name}`;
    const what = (name: string) => `${info.name} "${name}"`;
    if (method === "POST" && route.name === undefined) {
      const obj = body as Obj;
      const name = String(obj?.metadata?.name ?? "");
      if (this.objects.has(key(name)))
        return send(res, 409, status(409, "AlreadyExists", `${what(name)} already exists`));
      const stored = this.#stamp({ ...obj, metadata: { ...obj.metadata, ...(namespace ? { namespace } : {}) } });
      stored.metadata.uid = randomUUID();
      this.objects.set(key(name), stored);
      return send(res, 201, stored);
    }
    if (route.name === undefined) return send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
    const existing = this.objects.get(key(route.name));
    if (!existing) return send(res, 404, status(404, "NotFound", `${what(route.name)} not found`));
    if (method === "GET") return send(res, 200, existing);
    const given = body as Obj;
    const rv = given?.metadata?.resourceVersion;
    if (rv !== undefined && rv !== existing.metadata.resourceVersion) {
      return send(
        res,
        409,
        status(409, "Conflict", `Operation cannot be fulfilled on ${what(route.name)}: the object has been modified`),
      );
    }
    const next =
      method === "PATCH"
        ? (mergePatch(existing, given) as Obj)
        : method === "PUT"
          ? { ...given, metadata: { ...given.metadata, uid: existing.metadata.uid } }
          : undefined;
    if (!next) return send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
    const stored = this.#stamp(next);
    this.objects.set(key(route.name), stored);
    return send(res, 200, stored);
  }

  #stamp(obj: Obj): Obj {
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.#version) } };
  }
}

/** RFC 7386 merge (a strategic merge patch of scalar and map fields behaves the same). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parseRoute(
  path: string,
): { apiVersion: string; namespace?: string; resource?: string; name?: string } | undefined {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let apiVersion: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1]) {
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts[1] && parts[2]) {
    apiVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return { apiVersion };
  if (rest[0] === "namespaces" && rest.length >= 3) {
    return { apiVersion, namespace: rest[1], resource: rest[2], name: rest[3] };
  }
  return { apiVersion, resource: rest[0], name: rest[1] };
}

function status(code: number, reason: string, message: string): unknown {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
