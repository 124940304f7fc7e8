/**
 * A recording Kubernetes API server for the FlyteWorkflow resource: enough
 * of the real API for FlyteAdmin's two calls (create, delete with options)
 * with the real Status bodies for 409 AlreadyExists, 404 NotFound, 403
 * Forbidden and 422 Invalid, and a log of every request received. No cluster
 * is needed; the client under test speaks real HTTP to it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RecordingApiServer } from "./recording-api-server.js";

const PREFIX = "/apis/flyte.lyft.com/v1alpha1/namespaces/";
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One request as received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  /** The parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
}

type Stored = Record<string, unknown> & { metadata: Record<string, unknown> };

export class RecordingKubeApi extends RecordingApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Resources by `<namespace>/<name>`. */
  readonly objects = new Map<string, Stored>();
  /** Namespaces in which the service account may not create or delete (403). */
  readonly forbiddenNamespaces = new Set<string>();

  /** The requests of one method. */
  received(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://x");
    const body = text === "" ? undefined : JSON.parse(text);
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.search,
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
      body,
    });
    const route = parseRoute(url.pathname);
    if (route === undefined) {
      send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    const { namespace, name } = route;
    const verb = req.method === "POST" ? "create" : req.method === "DELETE" ? "delete" : req.method?.toLowerCase();
    if (this.forbiddenNamespaces.has(namespace)) {
      const what = name ? `flyteworkflows.flyte.lyft.com "${name}"` : "flyteworkflows.flyte.lyft.com";
      send(
        res,
        403,
        status(
          403,
          "Forbidden",
          `${what} is forbidden: User "system:serviceaccount:flyte:flyteadmin" cannot ${verb} resource "flyteworkflows" in API group "flyte.lyft.com" in the namespace "${namespace}"`,
          { name, group: "flyte.lyft.com", kind: "flyteworkflows" },
        ),
      );
      return;
    }
    if (req.method === "POST" && name === undefined) this.#create(res, namespace, body as Stored);
    else if (req.method === "DELETE" && name !== undefined) this.#delete(res, namespace, name);
    else
      send(
        res,
        405,
        status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
      );
  }

  #create(res: ServerResponse, namespace: string, obj: Stored): void {
    const name = String(obj?.metadata?.name ?? "");
    if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
      send(
        res,
        422,
        status(
          422,
          "Invalid",
          `FlyteWorkflow.flyte.lyft.com "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
          { name, group: "flyte.lyft.com", kind: "FlyteWorkflow" },
        ),
      );
      return;
    }
    const key = `${namespace}/${name}`;
    if (this.objects.has(key)) {
      send(
        res,
        409,
        status(409, "AlreadyExists", `flyteworkflows.flyte.lyft.com "${name}" already exists`, {
          name,
          group: "flyte.lyft.com",
          kind: "flyteworkflows",
        }),
      );
      return;
    }
    const stored: Stored = {
      ...obj,
      metadata: {
        ...obj.metadata,
        namespace,
        uid: randomUUID(),
        resourceVersion: String(this.requests.length),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      },
    };
    this.objects.set(key, stored);
    send(res, 201, stored);
  }

  #delete(res: ServerResponse, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const existing = this.objects.get(key);
    if (!existing) {
      send(
        res,
        404,
        status(404, "NotFound", `flyteworkflows.flyte.lyft.com "${name}" not found`, {
          name,
          group: "flyte.lyft.com",
          kind: "flyteworkflows",
        }),
      );
      return;
    }
    this.objects.delete(key);
    // With a finalizer the real server keeps the object (now with deletionTimestamp) and answers with it.
    send(res, 200, { ...existing, metadata: { ...existing.metadata, deletionTimestamp: new Date().toISOString() } });
  }
}

function parseRoute(path: string): { namespace: string; name: string | undefined } | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const [namespace, plural, name, ...rest] = path.slice(PREFIX.length).split("/");
  if (!namespace || plural !== "flyteworkflows" || rest.length > 0) return undefined;
  return { namespace: decodeURIComponent(namespace), name: name ? decodeURIComponent(name) : undefined };
}

/** A `meta/v1` Status as the API server writes it for failures. */
function status(code: number, reason: string, message: string, details?: Record<string, unknown>): unknown {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details: Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)) } : {}),
    code,
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
