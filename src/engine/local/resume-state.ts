/**
 * What a previous server recorded of an execution it was running, read back
 * on start so that the run continues where it was (as FlytePropeller picks a
 * FlyteWorkflow's node statuses up after its own restart): finished nodes
 * keep their result and are not run again, running ones go on.
 */
import { create } from "@bufbuild/protobuf";
import { readProto } from "../../blob/data-store.js";
import { type ExecutionError, NodeExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { RecordedNode } from "./control-plane.js";
import type { EngineServices, NodeResult } from "./run-context.js";

/**
 * The recorded nodes of one execution, by the id their events carry.
 *
 * @example
 * const resume = new ResumeState(await controlPlane.listNodeStates(executionId));
 * const recorded = resume.node("n0");
 */
export class ResumeState {
  readonly #nodes: ReadonlyMap<string, RecordedNode>;

  constructor(nodes: readonly RecordedNode[]) {
    this.#nodes = new Map(nodes.map((n) => [n.nodeId, n]));
  }

  node(uniqueId: string): RecordedNode | undefined {
    return this.#nodes.get(uniqueId);
  }

  get size(): number {
    return this.#nodes.size;
  }
}

/** Phases at which the node has been reported RUNNING already (QUEUED and RUNNING again would go backwards). */
export function pastRunning(phase: NodeExecution_Phase): boolean {
  return phase === NodeExecution_Phase.RUNNING || phase === NodeExecution_Phase.DYNAMIC_RUNNING;
}

/** The result of a node that ended under a previous server; undefined while it has not ended. */
export async function recordedResult(services: EngineServices, node: RecordedNode): Promise<NodeResult | undefined> {
  const error = (): ExecutionError | undefined => node.error;
  switch (node.phase) {
    case NodeExecution_Phase.SUCCEEDED:
    case NodeExecution_Phase.RECOVERED: {
      const outputs = node.outputUri
        ? await readProto(services.store, node.outputUri, LiteralMapSchema)
        : create(LiteralMapSchema, {});
      return { phase: "succeeded", outputs, outputUri: node.outputUri };
    }
    case NodeExecution_Phase.FAILED:
    case NodeExecution_Phase.TIMED_OUT: {
      const e = error();
      if (!e) return undefined;
      return { phase: node.phase === NodeExecution_Phase.FAILED ? "failed" : "timedOut", error: e };
    }
    case NodeExecution_Phase.SKIPPED:
      return { phase: "skipped" };
    case NodeExecution_Phase.ABORTED:
      return { phase: "aborted", reason: node.error?.message ?? "aborted" };
    default:
      return undefined;
  }
}
