/**
 * Builders for compiler fixtures (tests and the benchmark): short functions that produce the protobuf messages a
 * flytekit-registered workflow contains, so a test reads like the workflow it describes.
 */
import { create, type JsonObject } from "@bufbuild/protobuf";
import { type CompiledTask, CompiledTaskSchema } from "../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type BooleanExpression,
  BooleanExpressionSchema,
  ComparisonExpression_Operator,
  type Operand,
  OperandSchema,
} from "../proto/gen/flyteidl/core/condition_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import {
  type ParameterMap,
  ParameterMapSchema,
  ParameterSchema,
  type TypedInterface,
  TypedInterfaceSchema,
  type VariableMap,
  VariableMapSchema,
  VariableSchema,
} from "../proto/gen/flyteidl/core/interface_pb.js";
import {
  type Binding,
  type BindingData,
  BindingDataSchema,
  BindingSchema,
  type Literal,
  LiteralSchema,
  type Primitive,
  PrimitiveSchema,
} from "../proto/gen/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "../proto/gen/flyteidl/core/tasks_pb.js";
import {
  BlobType_BlobDimensionality,
  ErrorSchema,
  type LiteralType,
  LiteralTypeSchema,
  PromiseAttributeSchema,
  SchemaType_SchemaColumn_SchemaColumnType,
  SimpleType,
  TypeStructureSchema,
} from "../proto/gen/flyteidl/core/types_pb.js";
import {
  AliasSchema,
  ApproveConditionSchema,
  ArrayNodeSchema,
  BranchNodeSchema,
  GateNodeSchema,
  IfBlockSchema,
  IfElseBlockSchema,
  type Node,
  NodeMetadataSchema,
  NodeSchema,
  SignalConditionSchema,
  SleepConditionSchema,
  TaskNodeSchema,
  WorkflowNodeSchema,
  type WorkflowTemplate,
  WorkflowTemplateSchema,
} from "../proto/gen/flyteidl/core/workflow_pb.js";
import { collectionType, mapType, simpleType, unionType } from "./types/literal-inference.js";
import type { LaunchPlanInterfaceProvider } from "./workflow/context.js";

/** Literal types by name. */
export const t = {
  int: (): LiteralType => simpleType(SimpleType.INTEGER),
  float: (): LiteralType => simpleType(SimpleType.FLOAT),
  str: (): LiteralType => simpleType(SimpleType.STRING),
  bool: (): LiteralType => simpleType(SimpleType.BOOLEAN),
  none: (): LiteralType => simpleType(SimpleType.NONE),
  datetime: (): LiteralType => simpleType(SimpleType.DATETIME),
  struct: (metadata?: JsonObject, fields?: Record<string, LiteralType>): LiteralType =>
    create(LiteralTypeSchema, {
      type: { case: "simple", value: SimpleType.STRUCT },
      metadata,
      structure: fields === undefined ? undefined : { dataclassType: fields },
    }),
  list: collectionType,
  map: mapType,
  union: (...variants: LiteralType[]): LiteralType => unionType(variants),
  optional: (v: LiteralType): LiteralType => unionType([v, simpleType(SimpleType.NONE)]),
  tagged: (v: LiteralType, tag: string): LiteralType => ({ ...v, structure: create(TypeStructureSchema, { tag }) }),
  blob: (format = "", multipart = false): LiteralType =>
    create(LiteralTypeSchema, {
      type: {
        case: "blob",
        value: {
          format,
          dimensionality: multipart ? BlobType_BlobDimensionality.MULTIPART : BlobType_BlobDimensionality.SINGLE,
        },
      },
    }),
  enum: (...values: string[]): LiteralType =>
    create(LiteralTypeSchema, { type: { case: "enumType", value: { values } } }),
  schema: (columns: Record<string, SchemaType_SchemaColumn_SchemaColumnType> = {}): LiteralType =>
    create(LiteralTypeSchema, {
      type: { case: "schema", value: { columns: Object.entries(columns).map(([name, type]) => ({ name, type })) } },
    }),
  sd: (format = "", columns: Record<string, LiteralType> = {}): LiteralType =>
    create(LiteralTypeSchema, {
      type: {
        case: "structuredDatasetType",
        value: { format, columns: Object.entries(columns).map(([name, literalType]) => ({ name, literalType })) },
      },
    }),
};

/** Schema column types by name. */
export const col = SchemaType_SchemaColumn_SchemaColumnType;

/** A variable map from name → type. */
export function vars(types: Record<string, LiteralType> = {}): VariableMap {
  const variables = Object.fromEntries(Object.entries(types).map(([k, type]) => [k, create(VariableSchema, { type })]));
  return create(VariableMapSchema, { variables });
}

/** An interface from input and output types. */
export function iface(
  inputs: Record<string, LiteralType> = {},
  outputs: Record<string, LiteralType> = {},
): TypedInterface {
  return create(TypedInterfaceSchema, { inputs: vars(inputs), outputs: vars(outputs) });
}

/** An identifier of the given kind in project `p`, domain `d`, version `v1`. */
export function id(name: string, resourceType = ResourceType.TASK): Identifier {
  return create(IdentifierSchema, { resourceType, project: "p", domain: "d", name, version: "v1" });
}

/** A compiled container task with the given interface. */
export function task(name: string, taskIface: TypedInterface = iface()): CompiledTask {
  return create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: id(name),
      type: "python-task",
      interface: taskIface,
      target: { case: "container", value: { image: "img:1", args: ["pyflyte-execute"] } },
    }),
  });
}

/** A primitive from a JavaScript value (integers for bigint, floats for non-integral numbers). */
export function primitive(v: bigint | number | string | boolean): Primitive {
  if (typeof v === "bigint") return create(PrimitiveSchema, { value: { case: "integer", value: v } });
  if (typeof v === "number") return create(PrimitiveSchema, { value: { case: "floatValue", value: v } });
  if (typeof v === "string") return create(PrimitiveSchema, { value: { case: "stringValue", value: v } });
  return create(PrimitiveSchema, { value: { case: "boolean", value: v } });
}

/** A scalar literal. */
export function lit(v: bigint | number | string | boolean): Literal {
  return create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "primitive", value: primitive(v) } } },
  });
}

/** A list literal. */
export function litList(items: Literal[]): Literal {
  return create(LiteralSchema, { value: { case: "collection", value: { literals: items } } });
}

/** Binding data by kind. */
export const bd = {
  value: (v: bigint | number | string | boolean): BindingData =>
    create(BindingDataSchema, {
      value: { case: "scalar", value: { value: { case: "primitive", value: primitive(v) } } },
    }),
  none: (): BindingData =>
    create(BindingDataSchema, { value: { case: "scalar", value: { value: { case: "noneType", value: {} } } } }),
  promise: (nodeId: string, variable: string, attrPath: string[] = []): BindingData =>
    create(BindingDataSchema, {
      value: {
        case: "promise",
        value: {
          nodeId,
          var: variable,
          attrPath: attrPath.map((a) => create(PromiseAttributeSchema, { value: { case: "stringValue", value: a } })),
        },
      },
    }),
  list: (...items: BindingData[]): BindingData =>
    create(BindingDataSchema, { value: { case: "collection", value: { bindings: items } } }),
  map: (items: Record<string, BindingData>): BindingData =>
    create(BindingDataSchema, { value: { case: "map", value: { bindings: items } } }),
};

/** A binding of an input name to binding data. */
export function bind(variable: string, data: BindingData): Binding {
  return create(BindingSchema, { var: variable, binding: data });
}

/** A promise binding `variable ← nodeId.output`. */
export function wire(variable: string, nodeId: string, output = "o0"): Binding {
  return bind(variable, bd.promise(nodeId, output));
}

/** Extra node fields a test may set. */
export interface NodeOptions {
  upstream?: string[];
  /** The node's display name (`metadata.name`), which FlytePropeller uses in type-mismatch messages. */
  name?: string;
  aliases?: Array<[string, string]>;
}

function nodeBase(nodeId: string, inputs: Binding[], opts: NodeOptions): Node {
  return create(NodeSchema, {
    id: nodeId,
    inputs,
    upstreamNodeIds: opts.upstream ?? [],
    metadata: opts.name === undefined ? undefined : create(NodeMetadataSchema, { name: opts.name }),
    outputAliases: (opts.aliases ?? []).map(([v, alias]) => create(AliasSchema, { var: v, alias })),
  });
}

/** A task node running task `taskName`. */
export function taskNode(nodeId: string, taskName: string, inputs: Binding[] = [], opts: NodeOptions = {}): Node {
  const node = nodeBase(nodeId, inputs, opts);
  node.target = {
    case: "taskNode",
    value: create(TaskNodeSchema, { reference: { case: "referenceId", value: id(taskName) } }),
  };
  return node;
}

/** A node with an arbitrary target. */
export function nodeWith(nodeId: string, target: Node["target"], inputs: Binding[] = [], opts: NodeOptions = {}): Node {
  const node = nodeBase(nodeId, inputs, opts);
  node.target = target;
  return node;
}

/** A workflow template named `name` with the given interface, nodes and output bindings. */
export function workflow(
  name: string,
  wfIface: TypedInterface,
  nodes: Node[],
  outputs: Binding[] = [],
  failureNode?: Node,
): WorkflowTemplate {
  return create(WorkflowTemplateSchema, {
    id: id(name, ResourceType.WORKFLOW),
    interface: wfIface,
    nodes,
    outputs,
    failureNode,
    metadata: {},
  });
}

/** A launch plan interface provider: `required` inputs must be bound, `defaults` may be. */
export function launchPlan(
  name: string,
  required: Record<string, LiteralType>,
  defaults: Record<string, LiteralType>,
  outputs: Record<string, LiteralType>,
): LaunchPlanInterfaceProvider {
  const parameters: ParameterMap = create(ParameterMapSchema);
  for (const [k, type] of Object.entries(required)) {
    parameters.parameters[k] = create(ParameterSchema, {
      var: create(VariableSchema, { type }),
      behavior: { case: "required", value: true },
    });
  }
  for (const [k, type] of Object.entries(defaults)) {
    parameters.parameters[k] = create(ParameterSchema, {
      var: create(VariableSchema, { type }),
      behavior: { case: "default", value: lit(0n) },
    });
  }
  return { id: id(name, ResourceType.LAUNCH_PLAN), expectedInputs: parameters, expectedOutputs: vars(outputs) };
}

/** A condition operand: a branch input name, or a primitive value. */
export function operand(v: string | { value: bigint | number | string | boolean }): Operand {
  return typeof v === "string"
    ? create(OperandSchema, { val: { case: "var", value: v } })
    : create(OperandSchema, { val: { case: "primitive", value: primitive(v.value) } });
}

/** `left == right`. */
export function eq(left: Operand | undefined, right: Operand | undefined): BooleanExpression {
  return create(BooleanExpressionSchema, {
    expr: {
      case: "comparison",
      value: { operator: ComparisonExpression_Operator.EQ, leftValue: left, rightValue: right },
    },
  });
}

/** `left and right`. */
export function and(left: BooleanExpression | undefined, right: BooleanExpression | undefined): BooleanExpression {
  return create(BooleanExpressionSchema, {
    expr: { case: "conjunction", value: { leftExpression: left, rightExpression: right } },
  });
}

/** A branch node: `if`/`elif` cases in order, then an else node or an else error (or neither). */
export function branchNode(
  nodeId: string,
  cases: Array<{ when?: BooleanExpression; node?: Node }>,
  otherwise: Node | "fail" | undefined,
  inputs: Binding[] = [],
  opts: NodeOptions = {},
): Node {
  const [first, ...rest] = cases.map((c) => create(IfBlockSchema, { condition: c.when, thenNode: c.node }));
  const fallback =
    otherwise === undefined
      ? undefined
      : otherwise === "fail"
        ? { case: "error" as const, value: create(ErrorSchema, { message: "no case matched" }) }
        : { case: "elseNode" as const, value: otherwise };
  const ifElse = create(IfElseBlockSchema, { case: first, other: rest, default: fallback });
  return nodeWith(nodeId, { case: "branchNode", value: create(BranchNodeSchema, { ifElse }) }, inputs, opts);
}

/** A gate node: approve, signal (with output type and name), sleep, or no condition at all. */
export function gateNode(
  nodeId: string,
  condition: "approve" | "sleep" | "none" | { signal: string; type?: LiteralType; output?: string },
  inputs: Binding[] = [],
  opts: NodeOptions = {},
): Node {
  const gate = create(GateNodeSchema);
  if (condition === "approve")
    gate.condition = { case: "approve", value: create(ApproveConditionSchema, { signalId: "ok" }) };
  else if (condition === "sleep")
    gate.condition = { case: "sleep", value: create(SleepConditionSchema, { duration: { seconds: 5n } }) };
  else if (condition !== "none") {
    gate.condition = {
      case: "signal",
      value: create(SignalConditionSchema, {
        signalId: condition.signal,
        type: condition.type,
        outputVariableName: condition.output ?? "",
      }),
    };
  }
  return nodeWith(nodeId, { case: "gateNode", value: gate }, inputs, opts);
}

/** An array (map) node running `sub` over its list inputs. */
export function arrayNode(nodeId: string, sub: Node | undefined, inputs: Binding[] = [], opts: NodeOptions = {}): Node {
  return nodeWith(
    nodeId,
    {
      case: "arrayNode",
      value: create(ArrayNodeSchema, { node: sub, parallelismOption: { case: "parallelism", value: 4 } }),
    },
    inputs,
    opts,
  );
}

/** A node launching launch plan `name`. */
export function launchPlanNode(nodeId: string, name: string, inputs: Binding[] = [], opts: NodeOptions = {}): Node {
  const value = create(WorkflowNodeSchema, {
    reference: { case: "launchplanRef", value: id(name, ResourceType.LAUNCH_PLAN) },
  });
  return nodeWith(nodeId, { case: "workflowNode", value }, inputs, opts);
}

/** A node running sub-workflow `name`. */
export function subWorkflowNode(nodeId: string, name: string, inputs: Binding[] = [], opts: NodeOptions = {}): Node {
  const value = create(WorkflowNodeSchema, {
    reference: { case: "subWorkflowRef", value: id(name, ResourceType.WORKFLOW) },
  });
  return nodeWith(nodeId, { case: "workflowNode", value }, inputs, opts);
}
