/**
 * The gateway's route table, read from the `google.api.http` rules (with
 * their additional_bindings) of the served services. Nothing here is typed
 * by hand: adding an RPC to the protos adds its route.
 */
import { type DescField, type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../../proto/gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../proto/gen/google/api/http_pb.js";
import { resolveFieldPath } from "./fields.js";

export type HttpVerb = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

/** One path variable: which request field a segment binds. */
export interface PathVariable {
  /** As written in the template, e.g. `id.project`. */
  readonly fieldPath: string;
  readonly fields: DescField[];
}

export interface GatewayRoute {
  readonly method: DescMethod;
  readonly verb: HttpVerb;
  /** The template as written in the proto, e.g. `/api/v1/tasks/{id.project}/{id.domain}`. */
  readonly template: string;
  /** The router pattern, variables as `:v0`, `:v1`, ... */
  readonly pattern: string;
  readonly variables: readonly PathVariable[];
  /** "" (no body: the query string fills the request), "*" (the whole request), or a field name. */
  readonly body: string;
  readonly bodyField: DescField | undefined;
}

/**
 * Every HTTP binding of the given services.
 *
 * @example
 * for (const r of gatewayRoutes(servedServices)) router.on(r.verb, r.pattern, handlerFor(r));
 */
export function gatewayRoutes(services: readonly DescService[]): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      for (const r of [rule, ...rule.additionalBindings]) {
        const route = routeFor(method, r);
        if (route) routes.push(route);
      }
    }
  }
  return routes;
}

function routeFor(method: DescMethod, rule: HttpRule): GatewayRoute | undefined {
  const { pattern: p } = rule;
  let verb: HttpVerb;
  let template: string;
  switch (p.case) {
    case "get":
      verb = "GET";
      template = p.value;
      break;
    case "post":
      verb = "POST";
      template = p.value;
      break;
    case "put":
      verb = "PUT";
      template = p.value;
      break;
    case "delete":
      verb = "DELETE";
      template = p.value;
      break;
    case "patch":
      verb = "PATCH";
      template = p.value;
      break;
    default:
      return undefined;
  }
  const variables: PathVariable[] = [];
  const pattern = template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, fieldPath: string) => {
    const fields = resolveFieldPath(method.input, fieldPath);
    if (!fields)
      throw new Error(`${method.name}: path variable ${fieldPath} names no field of ${method.input.typeName}`);
    variables.push({ fieldPath, fields });
    return `:v${variables.length - 1}`;
  });
  const bodyField = rule.body && rule.body !== "*" ? method.input.fields.find((f) => f.name === rule.body) : undefined;
  return { method, verb, template, pattern, variables, body: rule.body, bodyField };
}
