/**
 * GetExecutionMetrics (executions.md §2.8): the execution as a span from its
 * creation to its last update, broken down (depth ≠ 0) into categorical
 * spans: WORKFLOW_SETUP until the start node ran, then the nodes' own spans
 * and WORKFLOW_TEARDOWN after the end node's last upstream finished.
 */
import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Execution } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { type Span, SpanSchema } from "../../proto/gen/flyteidl/core/metrics_pb.js";

export const WORKFLOW_SETUP = "WORKFLOW_SETUP";
export const WORKFLOW_TEARDOWN = "WORKFLOW_TEARDOWN";

export function operationSpan(start: Timestamp | undefined, end: Timestamp | undefined, operation: string): Span {
  return create(SpanSchema, { startTime: start, endTime: end, id: { case: "operationId", value: operation } });
}

/**
 * The node-level breakdown of a started execution: given the execution and
 * the remaining depth, the spans after WORKFLOW_SETUP (nodes and teardown),
 * and when the start node finished; undefined when the execution has not
 * started (no start node).
 */
export type NodeBreakdown = (
  execution: Execution,
  depth: number,
) => Promise<{ startedAt: Timestamp; spans: Span[] } | undefined>;

/**
 * The execution's span.
 *
 * @example
 * const span = await executionSpan(await executions.get(id), 2, breakdown);
 */
export async function executionSpan(execution: Execution, depth: number, breakdown: NodeBreakdown): Promise<Span> {
  const closure = execution.closure;
  const spans: Span[] = [];
  if (depth !== 0) {
    const nodes = await breakdown(execution, depth - 1);
    if (!nodes) {
      spans.push(operationSpan(closure?.createdAt, closure?.updatedAt, WORKFLOW_SETUP));
    } else {
      spans.push(operationSpan(closure?.createdAt, nodes.startedAt, WORKFLOW_SETUP), ...nodes.spans);
    }
  }
  return create(SpanSchema, {
    startTime: closure?.createdAt,
    endTime: closure?.updatedAt,
    id: execution.id ? { case: "workflowId", value: execution.id } : { case: undefined },
    spans,
  });
}
