/**
 * JSON the way Go's `encoding/json` writes a protoc-gen-go struct that has no
 * MarshalJSON of its own. The FlyteWorkflow resource embeds a few protobuf
 * structs that way (`securityContext`, `executionId`, `rawOutputDataConfig`,
 * `executionConfig.RecoveryExecution`), so their keys are the proto field
 * names (`run_as`, `k8s_service_account`), zero values are omitted
 * (`omitempty`), enums and 64-bit integers are numbers, and a oneof is an
 * object keyed by its Go field name. Everything else in the resource is
 * jsonpb (`toJson`).
 */
import type { DescField, DescMessage, DescOneof, JsonValue, MessageShape } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { type ReflectList, type ReflectMap, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";

/** A JSON object with Go's key order (struct field order), as `JSON.stringify` keeps insertion order. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The Go `encoding/json` rendering of a protobuf message struct; `{}` for an
 * absent message, as Go renders a nil embedded pointer.
 *
 * @example
 * goStructJson(SecurityContextSchema, ctx); // {"run_as":{"k8s_service_account":"sa"}}
 */
export function goStructJson<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc> | undefined,
): JsonObject {
  return message === undefined ? {} : structOf(reflect(schema, message));
}

function structOf(m: ReflectMessage): JsonObject {
  const out: JsonObject = {};
  const oneofsDone = new Set<DescOneof>();
  for (const field of m.desc.members) {
    if (field.kind === "oneof") {
      if (oneofsDone.has(field)) continue;
      oneofsDone.add(field);
      const chosen = m.oneofCase(field);
      if (chosen !== undefined) out[goName(field.name)] = { [goName(chosen.name)]: fieldValue(chosen, m) };
      continue;
    }
    // isSet mirrors omitempty: zero scalars of implicit presence and empty lists and maps are left out, while an
    // explicitly present field (a Go pointer) is written even when zero.
    if (m.isSet(field)) out[field.name] = fieldValue(field, m);
  }
  return out;
}

function fieldValue(field: DescField, m: ReflectMessage): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalarOf(field.scalar, m.get(field));
    case "enum":
      return m.get(field) as number;
    case "message":
      return structOf(m.get(field) as ReflectMessage);
    case "list":
      return [...(m.get(field) as ReflectList)].map((v) => itemOf(field, v));
    case "map": {
      const out: JsonObject = {};
      const entries = [...(m.get(field) as ReflectMap).entries()].map(([k, v]) => [String(k), v] as const);
      // Go writes map keys sorted.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of entries) out[k] = itemOf(field, v);
      return out;
    }
  }
}

function itemOf(field: DescField & { fieldKind: "list" | "map" }, v: unknown): JsonValue {
  if (field.message !== undefined) return structOf(v as ReflectMessage);
  if (field.enum !== undefined) return v as number;
  return scalarOf(field.scalar as ScalarType, v);
}

function scalarOf(type: ScalarType, v: unknown): JsonValue {
  if (type === ScalarType.BYTES) return Buffer.from(v as Uint8Array).toString("base64");
  if (typeof v === "bigint") return Number(v);
  return v as JsonValue;
}

/** protoc-gen-go's CamelCase of a proto name: `run_as` -> `RunAs`, `k8s_pod` -> `K8SPod`. */
export function goName(protoName: string): string {
  let out = "";
  let upper = true;
  for (const c of protoName) {
    if (c === "_") {
      upper = true;
      continue;
    }
    out += upper ? c.toUpperCase() : c;
    upper = /[0-9]/.test(c);
  }
  return out;
}
