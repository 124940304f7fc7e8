/**
 * What an event's output result becomes in a closure (executions.md §3.1):
 * an output URI is kept as is; inline output data is stored inline or
 * offloaded to the blob store, as `remoteData.inlineEventDataPolicy` says; an
 * error is kept. Pure: the caller writes offloaded data (outside any
 * transaction) and passes the resulting URI on.
 */
import { toBinary } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import type { ExecutionError } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";

export type InlineEventDataPolicy = "Offload" | "StoreInline";

/** An output result as events carry it and node/task closures store it. */
export type OutputResult =
  | { readonly case: "outputUri"; readonly value: string }
  | { readonly case: "outputData"; readonly value: LiteralMap }
  | { readonly case: "error"; readonly value: ExecutionError }
  | { readonly case: undefined; readonly value?: undefined };

/** How an event's output result is to be stored. */
export type OutputPlan =
  /** Nothing to store: the closure keeps its previous result. */
  | { readonly kind: "keep" }
  /** Store this result in the closure as it is. */
  | { readonly kind: "store"; readonly result: Exclude<OutputResult, { case: undefined }> }
  /** Write these literals to the blob store and store the URI. */
  | { readonly kind: "offload"; readonly data: LiteralMap };

/**
 * The plan for an event's output result under a policy.
 *
 * @example
 * planOutput(event.outputResult, config.remoteData.inlineEventDataPolicy)
 */
export function planOutput(result: OutputResult, policy: InlineEventDataPolicy): OutputPlan {
  switch (result.case) {
    case undefined:
      return { kind: "keep" };
    case "outputData":
      return policy === "StoreInline" ? { kind: "store", result } : { kind: "offload", data: result.value };
    default:
      return { kind: "store", result };
  }
}

/** The serialized size of inline literals, as protobuf counts it. */
export function literalMapSize(data: LiteralMap): number {
  return toBinary(LiteralMapSchema, data).length;
}

/**
 * RESOURCE_EXHAUSTED when inline output data is larger than
 * `remoteData.maxSizeInBytes` (workflow and task events; FlyteAdmin does not
 * check node events).
 */
export function checkOutputSize(result: OutputResult, maxSizeInBytes: number): void {
  if (result.case !== "outputData") return;
  const size = literalMapSize(result.value);
  if (size > maxSizeInBytes) {
    throw new AdminError(
      Code.RESOURCE_EXHAUSTED,
      `Output data size exceeds platform configured threshold (${size} > ${maxSizeInBytes})`,
    );
  }
}
