/** HTTP routes outside the RPC table that every server has: health, metrics, the OpenAPI document. */
import type { DescService } from "@bufbuild/protobuf";
import type { Metrics } from "../../observability/metrics.js";
import type { HttpGateway } from "./gateway.js";
import { openApiDocument } from "./openapi.js";
import { gatewayRoutes } from "./routes.js";

export interface OperationalDeps {
  readonly metrics: Metrics;
  readonly services: readonly DescService[];
}

const ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] as const;

/** Adds `/healthcheck` (200, empty, any method, as FlyteAdmin), `/metrics` and `/api/v1/openapi`. */
export function addOperationalRoutes(gateway: HttpGateway, deps: OperationalDeps): void {
  gateway.addRawRoute(ANY_METHOD, "/healthcheck", "healthcheck", (_req, res) => {
    res.writeHead(200).end();
  });
  gateway.addRawRoute("GET", "/metrics", "metrics", async (_req, res) => {
    const body = await deps.metrics.text();
    res.writeHead(200, { "Content-Type": deps.metrics.registry.contentType }).end(body);
  });
  let openapi: string | undefined;
  gateway.addRawRoute(ANY_METHOD, "/api/v1/openapi", "openapi", (_req, res) => {
    openapi ??= JSON.stringify(openApiDocument(gatewayRoutes(deps.services)));
    res.writeHead(200, { "Content-Type": "application/json" }).end(openapi);
  });
}
