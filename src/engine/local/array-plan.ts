/**
 * The arithmetic of array nodes (map tasks), as FlytePropeller's array node
 * handler does it: how many sub-nodes (the common length of the unbound list
 * inputs), each sub-node's inputs (element i of every unbound list, bound
 * inputs whole), how many may run at once, and how many must succeed.
 */
import { create } from "@bufbuild/protobuf";
import { type Literal, type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { ArrayNode } from "../../proto/gen/flyteidl/core/workflow_pb.js";

/** An array node that cannot run; `code` as FlytePropeller reports it. */
export class ArrayPlanError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export const INVALID_ARRAY_LENGTH = "InvalidArrayLength";

/** The number of sub-nodes: the length shared by every unbound list input. */
export function arraySize(inputs: LiteralMap, boundInputs: readonly string[]): number {
  let size = -1;
  for (const [name, literal] of Object.entries(inputs.literals)) {
    if (boundInputs.includes(name)) continue;
    if (literal.value.case !== "collection") continue;
    const length = literal.value.value.literals.length;
    if (size === -1) size = length;
    else if (size !== length) {
      throw new ArrayPlanError(
        INVALID_ARRAY_LENGTH,
        `input arrays have different lengths: expecting '${size}' found '${length}'`,
      );
    }
  }
  if (size === -1) {
    if (boundInputs.length === Object.keys(inputs.literals).length) return 1;
    throw new ArrayPlanError(INVALID_ARRAY_LENGTH, "no input array provided");
  }
  return size;
}

/** The inputs of sub-node `index`: element `index` of each unbound list, everything else as is. */
export function subNodeInputs(inputs: LiteralMap, index: number, boundInputs: readonly string[]): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const [name, literal] of Object.entries(inputs.literals)) {
    if (literal.value.case === "collection" && !boundInputs.includes(name)) {
      const items = literal.value.value.literals;
      if (index >= items.length) throw new Error(`index ${index} out of bounds for literal collection ${name}`);
      literals[name] = items[index]!;
    } else {
      literals[name] = literal;
    }
  }
  return create(LiteralMapSchema, { literals });
}

/**
 * How many sub-nodes may run at once: the node's `parallelism` when set and
 * positive, else all of them (FlytePropeller's default "hybrid" behaviour
 * with `parallelism: 0`), else (unset) what the workflow's `max_parallelism`
 * leaves, or all of them when that is unlimited (0).
 */
export function arrayParallelism(node: ArrayNode, size: number, workflowMaxParallelism: number): number {
  const p = node.parallelismOption;
  if (p.case === "parallelism" && p.value > 0) return Math.min(p.value, Math.max(size, 1));
  if (p.case === "parallelism") return Math.max(size, 1);
  if (workflowMaxParallelism > 0) return Math.max(1, Math.min(workflowMaxParallelism, size));
  return Math.max(size, 1);
}

/** How many sub-nodes must succeed: `min_successes`, else ceil(`min_success_ratio` × size), else all. */
export function minSuccesses(node: ArrayNode, size: number): number {
  const c = node.successCriteria;
  if (c.case === "minSuccesses") return c.value;
  if (c.case === "minSuccessRatio") return Math.ceil(c.value * size);
  return size;
}

/** Counts of sub-node outcomes so far. */
export interface ArrayTally {
  readonly size: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** "failing" once success is out of reach, "succeeding" once enough succeeded and none is left running, else "running". */
export function arrayVerdict(tally: ArrayTally, required: number): "running" | "failing" | "succeeding" {
  if (tally.size - tally.failed < required) return "failing";
  if (tally.succeeded >= required && tally.succeeded + tally.failed === tally.size) return "succeeding";
  return "running";
}
