import type { Variable, VariableMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { ErrorScope } from "../error-scope.js";
import { duplicateAlias, parameterNotBound, variableNameNotFound } from "../errors.js";
import { ownValue, sortedKeys } from "../order.js";
import type { NodeState } from "./context.js";

/** A variable of a map, `undefined` when the map or the name is absent. */
export function findVariable(vars: VariableMap | undefined, name: string): Variable | undefined {
  return ownValue(vars?.variables, name);
}

/**
 * A node's outputs as other nodes address them: each aliased output is renamed (the original name is then gone).
 * Reports `DuplicateAlias` for a second alias of one output and `ParameterNotBound` for an alias of an output that
 * does not exist. `undefined` when the node has no interface yet.
 */
export function effectiveOutputs(state: NodeState, errs: ErrorScope): Map<string, Variable> | undefined {
  const { node } = state;
  const aliases = new Map<string, string>();
  for (const alias of node.outputAliases) {
    if (aliases.has(alias.var)) errs.collect(duplicateAlias(node.id, alias.alias));
    else aliases.set(alias.var, alias.alias);
  }
  if (state.iface === undefined) return undefined;
  const outputs = state.iface.outputs?.variables ?? {};
  const params = new Map<string, Variable>();
  for (const name of sortedKeys(outputs)) {
    params.set(aliases.get(name) ?? name, outputs[name]);
    aliases.delete(name);
  }
  for (const alias of aliases.values()) errs.collect(parameterNotBound(node.id, alias));
  return params;
}

/** The output a promise reads, or `VariableNameNotFound` on the source node. */
export function validateOutputVar(source: NodeState, name: string, errs: ErrorScope): Variable | undefined {
  const scope = errs.child();
  const outputs = effectiveOutputs(source, scope);
  if (scope.hasErrors()) return undefined;
  const param = outputs?.get(name);
  if (param === undefined) errs.collect(variableNameNotFound(source.node.id, source.node.id, name));
  return param;
}
