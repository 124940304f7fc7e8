import { type LiteralType, LiteralTypeSchema, type OutputReference } from "../../proto/gen/flyteidl/core/types_pb.js";
import type { ErrorScope } from "../error-scope.js";
import {
  fieldNotFound,
  mismatchingVariables,
  nodeReferenceNotFound,
  parameterNotBound,
  syntaxError,
} from "../errors.js";
import { ownValue } from "../order.js";
import { protoText } from "../text-format.js";
import { areTypesCastable } from "../types/castability.js";
import { literalTypeToStr } from "../types/type-text.js";
import type { BindingResult } from "./bindings.js";
import { type NodeState, START_NODE_ID, type WorkflowContext } from "./context.js";
import { validateOutputVar } from "./outputs.js";
import { parseVarName } from "./var-name.js";

const failed: BindingResult = { type: undefined, upstream: [], ok: false };

/** The node a promise reads from: `""` is the start node; anything else must be a top-level node. */
function sourceNode(ctx: WorkflowContext, nodeId: string, errs: ErrorScope): NodeState | undefined {
  const found = ctx.nodes.get(nodeId === "" ? START_NODE_ID : nodeId);
  if (found === undefined) errs.collect(nodeReferenceNotFound(nodeId, nodeId));
  return found;
}

/**
 * Checks a promise binding (compiler.md §2.4): the source node and output must exist, an `[n].` index needs a list
 * output, the attribute path is walked through lists, maps and dataclass fields, and the resulting type must cast
 * to the expected one. On success the promise's node id is normalised to the real id (`""` → `start-node`).
 * The resolved type is the whole output's type (before index and attribute path), as FlytePropeller returns it.
 */
export function validatePromise(
  ctx: WorkflowContext,
  state: NodeState,
  param: string,
  promise: OutputReference,
  expected: LiteralType,
  errs: ErrorScope,
  validateParamTypes: boolean,
): BindingResult {
  const node = state.node;
  const sourceScope = errs.child();
  const source = sourceNode(ctx, promise.nodeId, sourceScope);
  if (source !== undefined && !sourceScope.hasErrors()) {
    const v = parseVarName(promise.var);
    if (v === undefined) {
      errs.collect(syntaxError(node.id, promise.var));
      return failed;
    }
    const inputVar = node.metadata === undefined ? param : `${node.metadata.name}.${param}`;
    const outputVar = source.node.metadata === undefined ? promise.var : `${source.node.metadata.name}.${promise.var}`;
    const output = validateOutputVar(source, v.name, errs.child());
    if (output !== undefined) {
      let sourceType = output.type;
      if (v.index !== undefined) {
        if (sourceType?.type.case === "collectionType") sourceType = sourceType.type.value;
        else {
          errs.collect(
            mismatchingVariables(
              node.id,
              outputVar,
              literalTypeToStr(sourceType),
              inputVar,
              literalTypeToStr(expected),
            ),
          );
        }
      }
      const walked = walkAttributePath(node.id, promise, sourceType, errs);
      if (walked === "missing") return failed;
      if (!validateParamTypes || areTypesCastable(walked, expected)) {
        promise.nodeId = source.node.id;
        return { type: output.type, upstream: [source.node.id], ok: true };
      }
      errs.collect(
        mismatchingVariables(node.id, outputVar, literalTypeToStr(walked), inputVar, literalTypeToStr(expected)),
      );
      return failed;
    }
  }
  errs.collect(parameterNotBound(node.id, param));
  return failed;
}

/** Follows `attr_path`: list → element, map → value, dataclass STRUCT → field type, anything else unchanged. */
function walkAttributePath(
  nodeId: string,
  promise: OutputReference,
  start: LiteralType | undefined,
  errs: ErrorScope,
): LiteralType | undefined | "missing" {
  let current = start;
  for (const attr of promise.attrPath) {
    const kind = current?.type;
    if (kind?.case === "collectionType" || kind?.case === "mapValueType") {
      current = kind.value;
      continue;
    }
    const fields = current?.structure?.dataclassType;
    if (fields === undefined || Object.keys(fields).length === 0) continue;
    const key = attr.value.case === "stringValue" ? attr.value.value : "";
    const field = ownValue(fields, key);
    if (field === undefined) {
      errs.collect(fieldNotFound(nodeId, promise.var, protoText(LiteralTypeSchema, current), key));
      return "missing";
    }
    current = field;
  }
  return current;
}
