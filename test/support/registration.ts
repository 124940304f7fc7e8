/** Helpers for registration tests: JSON bodies over HTTP and project set-up. */
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import { typeRegistry } from "../../src/proto/registry.js";
import type { TestServer } from "./server.js";

export const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

/** The protojson body grpc-gateway would accept for a message. */
export function jsonBody<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  return JSON.stringify(toJson(schema, message, { registry: typeRegistry, useProtoFieldName: true }));
}

/** GET a gateway path and parse its JSON body. */
export async function getJson<T = Record<string, unknown>>(
  srv: TestServer,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await srv.http(path, { headers: { Accept: "application/json" } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Registers each project unless it exists. */
export async function ensureProjects(srv: TestServer, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await srv.admin.registerProject({ project: { id, name: id } });
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e;
    }
  }
}
