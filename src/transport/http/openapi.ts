/**
 * An OpenAPI v2 (swagger) document of the gateway, generated from the same
 * descriptors and routes the gateway serves (FlyteAdmin ships a generated
 * `admin.swagger.json` at `/api/v1/openapi`).
 */
import { type DescEnum, type DescField, type DescMessage, getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import { StatusSchema } from "../../proto/gen/google/rpc/status_pb.js";
import { openapiv2_operation } from "../../proto/gen/protoc-gen-openapiv2/options/annotations_pb.js";
import type { GatewayRoute } from "./routes.js";

type Schema = Record<string, unknown>;

/** grpc-gateway's definition names: `flyteidl.admin.Task` -> `adminTask`. */
function defName(typeName: string): string {
  const parts = typeName.split(".");
  const pkg = parts.length > 2 ? (parts[parts.length - 2] as string) : "";
  return `${pkg}${parts[parts.length - 1]}`;
}

const WKT: Record<string, Schema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string" },
  "google.protobuf.Struct": { type: "object" },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.FieldMask": { type: "string" },
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BytesValue": { type: "string", format: "byte" },
  "google.protobuf.Int32Value": { type: "integer", format: "int32" },
  "google.protobuf.UInt32Value": { type: "integer", format: "int64" },
  "google.protobuf.Int64Value": { type: "string", format: "int64" },
  "google.protobuf.UInt64Value": { type: "string", format: "uint64" },
  "google.protobuf.FloatValue": { type: "number", format: "float" },
  "google.protobuf.DoubleValue": { type: "number", format: "double" },
};

function scalarSchema(t: ScalarType): Schema {
  switch (t) {
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int64" };
    default:
      return { type: "integer", format: "int32" };
  }
}

class Definitions {
  readonly defs: Record<string, Schema> = {};

  message(desc: DescMessage): Schema {
    const wkt = WKT[desc.typeName];
    if (wkt) return wkt;
    if (desc.typeName === "google.protobuf.Any") return this.#ref("protobufAny", () => this.#anySchema());
    return this.#ref(defName(desc.typeName), () => {
      const properties: Record<string, Schema> = {};
      for (const f of desc.fields) properties[f.jsonName] = this.field(f);
      return { type: "object", properties };
    });
  }

  enumeration(desc: DescEnum): Schema {
    return this.#ref(defName(desc.typeName), () => ({
      type: "string",
      enum: desc.values.map((v) => v.name),
      default: desc.values[0]?.name,
    }));
  }

  field(f: DescField): Schema {
    switch (f.fieldKind) {
      case "scalar":
        return scalarSchema(f.scalar);
      case "enum":
        return this.enumeration(f.enum);
      case "message":
        return this.message(f.message);
      case "list":
        return { type: "array", items: this.#element(f.listKind, f) };
      case "map":
        return { type: "object", additionalProperties: this.#element(f.mapKind, f) };
    }
  }

  #element(kind: "scalar" | "enum" | "message", f: DescField): Schema {
    if (kind === "enum" && f.enum) return this.enumeration(f.enum);
    if (kind === "message" && f.message) return this.message(f.message);
    return scalarSchema(f.scalar as ScalarType);
  }

  #ref(name: string, build: () => Schema): Schema {
    if (!(name in this.defs)) {
      this.defs[name] = {};
      this.defs[name] = build();
    }
    return { $ref: `#/definitions/${name}` };
  }

  #anySchema(): Schema {
    return { type: "object", properties: { "@type": { type: "string" } }, additionalProperties: {} };
  }
}

/** Query parameters of a GET route: the scalar leaves of the request not bound by the path. */
function queryParameters(desc: DescMessage, bound: Set<string>, prefix = "", depth = 0): Schema[] {
  const out: Schema[] = [];
  for (const f of desc.fields) {
    const name = prefix + f.name;
    if (bound.has(name)) continue;
    if (f.fieldKind === "message") {
      if (WKT[f.message.typeName]) out.push({ name, in: "query", required: false, ...WKT[f.message.typeName] });
      else if (depth < 4) out.push(...queryParameters(f.message, bound, `${name}.`, depth + 1));
    } else if (f.fieldKind === "scalar") {
      out.push({ name, in: "query", required: false, ...scalarSchema(f.scalar) });
    } else if (f.fieldKind === "enum") {
      out.push({ name, in: "query", required: false, type: "string", enum: f.enum.values.map((v) => v.name) });
    } else if (f.fieldKind === "list" && f.listKind !== "message") {
      out.push({ name, in: "query", required: false, type: "array", items: { type: "string" } });
    }
  }
  return out;
}

/**
 * The swagger document for these routes.
 *
 * @example
 * const doc = openApiDocument(gatewayRoutes(servedServices));
 */
export function openApiDocument(routes: readonly GatewayRoute[]): Schema {
  const defs = new Definitions();
  const paths: Record<string, Record<string, Schema>> = {};
  const seen = new Map<string, number>();
  const statusRef = defs.message(StatusSchema);
  for (const r of routes) {
    const path = r.template.replace(/\{([^}=]+)(=[^}]*)?\}/g, "{$1}");
    const base = `${r.method.parent.name}_${r.method.name}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const bound = new Set(r.variables.map((v) => v.fieldPath));
    const parameters: Schema[] = r.variables.map((v) => ({
      name: v.fieldPath,
      in: "path",
      required: true,
      ...defs.field(v.fields[v.fields.length - 1] as DescField),
    }));
    if (r.body === "*")
      parameters.push({ name: "body", in: "body", required: true, schema: defs.message(r.method.input) });
    else if (r.bodyField)
      parameters.push({ name: "body", in: "body", required: true, schema: defs.field(r.bodyField) });
    else parameters.push(...queryParameters(r.method.input, bound));
    const op: Schema = {
      operationId: n === 1 ? base : `${base}${n}`,
      tags: [r.method.parent.name],
      parameters,
      responses: {
        "200": { description: "A successful response.", schema: defs.message(r.method.output) },
        default: { description: "An unexpected error response.", schema: statusRef },
      },
    };
    if (hasOption(r.method, openapiv2_operation)) {
      const o = getOption(r.method, openapiv2_operation);
      if (o.description) op.description = o.description;
      if (o.summary) op.summary = o.summary;
    }
    paths[path] ??= {};
    (paths[path] as Record<string, Schema>)[r.verb.toLowerCase()] = op;
  }
  return {
    swagger: "2.0",
    info: { title: "flyteidl/service/admin.proto", version: "version not set" },
    schemes: ["http", "https"],
    consumes: ["application/json"],
    produces: ["application/json"],
    paths,
    definitions: defs.defs,
  };
}
