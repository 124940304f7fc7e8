/**
 * A node's inputs from its bindings, as FlytePropeller resolves them:
 * scalars as given, collections and maps element by element, promises read
 * from the upstream node's outputs (the start node's outputs are the
 * workflow inputs), then walked along the promise's attribute path: list
 * indexes and map keys on literals, then into a dataclass carried as a
 * msgpack binary or a protobuf Struct.
 */
import { create } from "@bufbuild/protobuf";
import { decode, encode } from "@msgpack/msgpack";
import type { Binding } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  type BindingData,
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
  type Primitive,
  PrimitiveSchema,
  ScalarSchema,
} from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { PromiseAttribute } from "../../proto/gen/flyteidl/core/types_pb.js";

export const BINDING_RESOLUTION_FAILURE = "BindingResolutionFailure";

/** A binding that cannot be resolved. */
export class BindingError extends Error {}

/** Outputs of the nodes a binding may refer to; undefined when the node has none (yet). */
export type OutputLookup = (nodeId: string) => LiteralMap | undefined;

/** Resolves every binding of a node into its input map. */
export function resolveBindings(nodeId: string, bindings: readonly Binding[], outputs: OutputLookup): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const b of bindings) {
    try {
      literals[b.var] = resolveBindingData(b.binding, outputs);
    } catch (err) {
      throw new BindingError(`Error binding Var [wf].[${b.var}] of node [${nodeId}]: ${(err as Error).message}`);
    }
  }
  return create(LiteralMapSchema, { literals });
}

export function resolveBindingData(data: BindingData | undefined, outputs: OutputLookup): Literal {
  const v = data?.value;
  switch (v?.case) {
    case "scalar":
      return create(LiteralSchema, { value: { case: "scalar", value: v.value } });
    case "collection":
      return create(LiteralSchema, {
        value: { case: "collection", value: { literals: v.value.bindings.map((b) => resolveBindingData(b, outputs)) } },
      });
    case "map": {
      const literals: Record<string, Literal> = {};
      for (const [k, b] of Object.entries(v.value.bindings)) literals[k] = resolveBindingData(b, outputs);
      return create(LiteralSchema, { value: { case: "map", value: { literals } } });
    }
    case "promise": {
      const { nodeId, var: name, attrPath } = v.value;
      if (nodeId === "") throw new BindingError("No nodeId (missing) specified for binding in Workflow.");
      const literal = outputs(nodeId)?.literals[name];
      if (literal === undefined) throw new BindingError(`Failed to find output [${name}] of node [${nodeId}]`);
      return attrPath.length > 0 ? resolveAttrPath(nodeId, literal, attrPath) : literal;
    }
    case "offloadedMetadata":
      return create(LiteralSchema, { value: { case: "offloadedMetadata", value: v.value } });
    default:
      return create(LiteralSchema, {});
  }
}

const attrText = (a: PromiseAttribute) => String(a.value.value);

/** Walks `path` into `literal` (FlytePropeller's `resolveAttrPathInPromise`). */
export function resolveAttrPath(nodeId: string, literal: Literal, path: readonly PromiseAttribute[]): Literal {
  let current = literal;
  let i = 0;
  for (; i < path.length; i++) {
    const attr = path[i]!;
    const v = current.value;
    if (v.case === "map") {
      const next = v.value.literals[attrText(attr)];
      if (next === undefined)
        throw new BindingError(`key [${attrText(attr)}] does not exist in literal of node [${nodeId}]`);
      current = next;
    } else if (v.case === "collection") {
      const index = Number(attr.value.value);
      const next = v.value.literals[index];
      if (next === undefined)
        throw new BindingError(`index [${index}] is out of range of collection of node [${nodeId}]`);
      current = next;
    } else {
      break;
    }
  }
  const rest = path.slice(i);
  if (rest.length === 0) return current;
  const scalar = current.value.case === "scalar" ? current.value.value.value : undefined;
  if (scalar?.case === "binary") {
    if (scalar.value.tag !== "msgpack") {
      throw new BindingError(`Unsupported format '${scalar.value.tag}' found for literal value.`);
    }
    return fromMsgpackValue(walk(nodeId, decode(scalar.value.value), rest), scalar.value.tag);
  }
  if (scalar?.case === "generic") return fromJsonValue(walk(nodeId, scalar.value, rest));
  return current;
}

function walk(nodeId: string, value: unknown, path: readonly PromiseAttribute[]): unknown {
  let current = value;
  for (const attr of path) {
    if (Array.isArray(current)) {
      if (attr.value.case !== "intValue")
        throw new BindingError(`unexpected attribute type for value ${attrText(attr)}`);
      if (attr.value.value < 0 || attr.value.value >= current.length) {
        throw new BindingError(`index [${attr.value.value}] is out of range in node [${nodeId}]`);
      }
      current = current[attr.value.value];
    } else if (current instanceof Map || (typeof current === "object" && current !== null)) {
      const key = attrText(attr);
      const next = current instanceof Map ? current.get(key) : (current as Record<string, unknown>)[key];
      const has = current instanceof Map ? current.has(key) : Object.hasOwn(current, key);
      if (!has) throw new BindingError(`key [${key}] does not exist in literal of node [${nodeId}]`);
      current = next;
    } else {
      throw new BindingError(`unexpected type for value ${String(current)} in node [${nodeId}]`);
    }
  }
  return current;
}

function primitive(value: Primitive["value"]): Literal {
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: create(ScalarSchema, { value: { case: "primitive", value: create(PrimitiveSchema, { value }) } }),
    },
  });
}

function primitiveFor(value: unknown): Literal | undefined {
  if (typeof value === "string") return primitive({ case: "stringValue", value });
  if (typeof value === "boolean") return primitive({ case: "boolean", value });
  if (typeof value === "bigint") return primitive({ case: "integer", value });
  if (typeof value === "number") {
    return Number.isInteger(value)
      ? primitive({ case: "integer", value: BigInt(value) })
      : primitive({ case: "floatValue", value });
  }
  return undefined;
}

/** A value taken out of a msgpack dataclass: primitives become primitives, lists lists of binaries, the rest a binary. */
function fromMsgpackValue(value: unknown, tag: string): Literal {
  const binary = (v: unknown) =>
    create(LiteralSchema, {
      value: { case: "scalar", value: { value: { case: "binary", value: { value: encode(v), tag } } } },
    });
  if (Array.isArray(value)) {
    return create(LiteralSchema, { value: { case: "collection", value: { literals: value.map(binary) } } });
  }
  return primitiveFor(value) ?? binary(value);
}

/** A value taken out of a Struct dataclass: objects stay Structs, lists become collections. */
function fromJsonValue(value: unknown): Literal {
  if (Array.isArray(value)) {
    return create(LiteralSchema, { value: { case: "collection", value: { literals: value.map(fromJsonValue) } } });
  }
  if (value !== null && typeof value === "object") {
    return create(LiteralSchema, {
      value: { case: "scalar", value: { value: { case: "generic", value: value as never } } },
    });
  }
  const p = typeof value === "number" ? primitive({ case: "floatValue", value }) : primitiveFor(value);
  if (p === undefined) throw new BindingError("Failed to resolve interface to literal scalar");
  return p;
}
