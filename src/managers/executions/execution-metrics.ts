/**
 * GetExecutionMetrics (executions.md §2.8): an execution as a span from its
 * creation to its last update, broken down `depth` levels into categorical
 * spans (setup, transitions, task runtime, teardown...) and the spans of its
 * nodes, task attempts and child executions, read through the managers that
 * serve them, as FlyteAdmin's metrics manager does.
 */
import { create } from "@bufbuild/protobuf";
import { type Duration, type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { END_NODE_ID, START_NODE_ID } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import { type ObjectGetRequest, ObjectGetRequestSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import {
  type Execution,
  type WorkflowExecutionGetMetricsRequest,
  type WorkflowExecutionGetMetricsResponse,
  WorkflowExecutionGetMetricsResponseSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import {
  type NodeExecution,
  type NodeExecutionGetDataRequest,
  NodeExecutionGetDataRequestSchema,
  type NodeExecutionGetDataResponse,
  type NodeExecutionList,
  type NodeExecutionListRequest,
  NodeExecutionListRequestSchema,
} from "../../proto/gen/flyteidl/admin/node_execution_pb.js";
import {
  type TaskExecution,
  type TaskExecutionList,
  type TaskExecutionListRequest,
  TaskExecutionListRequestSchema,
} from "../../proto/gen/flyteidl/admin/task_execution_pb.js";
import type { Workflow } from "../../proto/gen/flyteidl/admin/workflow_pb.js";
import type { CompiledWorkflowClosure } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type Span, SpanSchema } from "../../proto/gen/flyteidl/core/metrics_pb.js";
import type { BranchNode, Node } from "../../proto/gen/flyteidl/core/workflow_pb.js";

/** FlyteAdmin pages its node and task execution reads by 50. */
const PAGE = 50;

export interface MetricsSources {
  getExecution(id: WorkflowExecutionIdentifier | undefined): Promise<Execution>;
  getWorkflow(req: ObjectGetRequest): Promise<Workflow>;
  listNodeExecutions(req: NodeExecutionListRequest): Promise<NodeExecutionList>;
  getNodeExecutionData(req: NodeExecutionGetDataRequest): Promise<NodeExecutionGetDataResponse>;
  listTaskExecutions(req: TaskExecutionListRequest): Promise<TaskExecutionList>;
}

type Time = Timestamp | undefined;

function op(start: Time, end: Time, operation: string): Span {
  return create(SpanSchema, { startTime: start, endTime: end, id: { case: "operationId", value: operation } });
}

/** A timestamp in nanoseconds, exactly (absent: 0). */
const nanos = (t: Time): bigint => (t ? t.seconds * 1_000_000_000n + BigInt(t.nanos) : 0n);
const byCreation = (a: { closure?: { createdAt?: Timestamp } }, b: { closure?: { createdAt?: Timestamp } }) => {
  const d = nanos(a.closure?.createdAt) - nanos(b.closure?.createdAt);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
/** `!end.Before(start)`: the teardown span exists only when the parent ended no earlier than the child. */
const notBefore = (end: Time, start: Time) => nanos(end) >= nanos(start);
const unset = (t: Time) => !t || (t.seconds === 0n && t.nanos === 0);

/**
 * The metrics of executions.
 *
 * @example
 * const { span } = await metrics.get({ id, depth: 2 });
 */
export class ExecutionMetricsManager {
  readonly #s: MetricsSources;

  constructor(sources: MetricsSources) {
    this.#s = sources;
  }

  async get(req: WorkflowExecutionGetMetricsRequest): Promise<WorkflowExecutionGetMetricsResponse> {
    const execution = await this.#s.getExecution(req.id);
    return create(WorkflowExecutionGetMetricsResponseSchema, { span: await this.#execution(execution, req.depth) });
  }

  async #execution(execution: Execution, depth: number): Promise<Span> {
    const c = execution.closure;
    const spans: Span[] = [];
    if (depth !== 0) {
      const workflow = await this.#s.getWorkflow(create(ObjectGetRequestSchema, { id: c?.workflowId }));
      const nodes = await this.#nodeExecutions(execution.id, "");
      const start = nodes.get(START_NODE_ID)?.closure?.updatedAt;
      if (unset(start)) {
        spans.push(op(c?.createdAt, c?.updatedAt, "WORKFLOW_SETUP"));
      } else {
        spans.push(op(c?.createdAt, start, "WORKFLOW_SETUP"));
        const compiled = workflow.closure?.compiledWorkflow;
        await this.#nodes(nodes, compiled, spans, depth - 1);
        this.#teardown(nodes, compiled, c?.updatedAt, spans, "WORKFLOW_TEARDOWN");
      }
    }
    return create(SpanSchema, {
      startTime: c?.createdAt,
      endTime: c?.updatedAt,
      id: execution.id ? { case: "workflowId", value: execution.id } : { case: undefined },
      spans,
    });
  }

  /** The node executions of an execution (top level, or the children of `parent`), by spec node id. */
  async #nodeExecutions(id: WorkflowExecutionIdentifier | undefined, parent: string) {
    const out = new Map<string, NodeExecution>();
    let token = "";
    for (;;) {
      const page = await this.#s.listNodeExecutions(
        create(NodeExecutionListRequestSchema, { workflowExecutionId: id, limit: PAGE, token, uniqueParentId: parent }),
      );
      for (const n of page.nodeExecutions) out.set(n.metadata?.specNodeId ?? "", n);
      if (page.nodeExecutions.length < PAGE) return out;
      token = page.token;
    }
  }

  async #taskExecutions(node: NodeExecution): Promise<TaskExecution[]> {
    const out: TaskExecution[] = [];
    let token = "";
    for (;;) {
      const page = await this.#s.listTaskExecutions(
        create(TaskExecutionListRequestSchema, { nodeExecutionId: node.id, limit: PAGE, token }),
      );
      out.push(...page.taskExecutions);
      if (page.taskExecutions.length < PAGE) break;
      token = page.token;
    }
    return out.sort(byCreation);
  }

  /** The node whose update was the latest among `nodeId`'s upstream nodes. */
  #latestUpstream(nodeId: string, compiled: CompiledWorkflowClosure | undefined, nodes: Map<string, NodeExecution>) {
    let latest: NodeExecution | undefined;
    for (const up of compiled?.primary?.connections?.upstream[nodeId]?.ids ?? []) {
      const n = nodes.get(up);
      if (n && nanos(n.closure?.updatedAt) > nanos(latest?.closure?.updatedAt)) latest = n;
    }
    return latest;
  }

  #teardown(
    nodes: Map<string, NodeExecution>,
    compiled: CompiledWorkflowClosure | undefined,
    end: Time,
    spans: Span[],
    operation: string,
  ): void {
    const last = this.#latestUpstream(END_NODE_ID, compiled, nodes);
    if (last && notBefore(end, last.closure?.updatedAt)) spans.push(op(last.closure?.updatedAt, end, operation));
  }

  /** Every node but start and end, in creation order, each preceded by its transition from its upstream nodes. */
  async #nodes(
    nodes: Map<string, NodeExecution>,
    compiled: CompiledWorkflowClosure | undefined,
    spans: Span[],
    depth: number,
  ): Promise<void> {
    const sorted = [...nodes.values()].sort(byCreation);
    for (const n of sorted) {
      const specId = n.metadata?.specNodeId ?? "";
      if (specId === START_NODE_ID || specId === END_NODE_ID) continue;
      const node = compiled?.primary?.template?.nodes.find((x) => x.id === specId);
      if (!node) {
        throw AdminError.internal(
          `failed to discover workflow node '${specId}' in workflow '${compiled?.primary?.template?.id?.name ?? ""}'`,
        );
      }
      const span = await this.#node(n, node, depth);
      const up = this.#latestUpstream(specId, compiled, nodes);
      if (up) span.spans.unshift(op(up.closure?.updatedAt, n.closure?.createdAt, "NODE_TRANSITION"));
      spans.push(span);
    }
  }

  async #node(n: NodeExecution, node: Node, depth: number): Promise<Span> {
    const spans: Span[] = [];
    if (depth !== 0) {
      const t = node.target;
      if (t.case === "branchNode") await this.#branch(n, t.value, spans, depth - 1);
      else if (t.case === "gateNode") gate(n, spans);
      else if (t.case === "taskNode" && n.metadata?.isParentNode) await this.#dynamic(n, spans, depth - 1);
      else if (t.case === "taskNode") await this.#taskNode(n, spans, depth - 1);
      else if (t.case === "workflowNode" && t.value.reference.case === "launchplanRef") {
        await this.#launchPlanNode(n, spans, depth - 1);
      } else if (t.case === "workflowNode" && t.value.reference.case === "subWorkflowRef") {
        await this.#subWorkflow(n, t.value.reference.value, spans, depth - 1);
      }
      // Other node kinds (array nodes...) have no breakdown; FlyteAdmin v1.16 skips them too.
    }
    return create(SpanSchema, {
      startTime: n.closure?.createdAt,
      endTime: n.closure?.updatedAt,
      id: n.id ? { case: "nodeId", value: n.id } : { case: undefined },
      spans,
    });
  }

  /**
   * NODE_SETUP until the first task attempt, then the attempts; the last
   * attempt, or undefined (all setup) when there is none.
   */
  async #attempts(n: NodeExecution, spans: Span[], depth: number): Promise<TaskExecution | undefined> {
    const tasks = await this.#taskExecutions(n);
    const last = tasks.at(-1);
    if (!last) {
      spans.push(op(n.closure?.createdAt, n.closure?.updatedAt, "NODE_SETUP"));
      return undefined;
    }
    spans.push(op(n.closure?.createdAt, tasks[0]?.closure?.createdAt, "NODE_SETUP"));
    taskSpans(tasks, spans, depth);
    return last;
  }

  async #taskNode(n: NodeExecution, spans: Span[], depth: number): Promise<void> {
    const last = await this.#attempts(n, spans, depth);
    if (last && notBefore(n.closure?.updatedAt, last.closure?.updatedAt)) {
      spans.push(op(last.closure?.updatedAt, n.closure?.updatedAt, "NODE_TEARDOWN"));
    }
  }

  async #dynamic(n: NodeExecution, spans: Span[], depth: number): Promise<void> {
    const last = await this.#attempts(n, spans, depth);
    if (!last) return;
    const children = await this.#nodeExecutions(n.id?.executionId, n.id?.nodeId ?? "");
    if (children.size === 0) {
      if (notBefore(n.closure?.updatedAt, last.closure?.updatedAt)) {
        spans.push(op(last.closure?.updatedAt, n.closure?.updatedAt, "NODE_RESET"));
      }
      return;
    }
    spans.push(op(last.closure?.updatedAt, children.get(START_NODE_ID)?.closure?.updatedAt, "NODE_RESET"));
    const data = await this.#s.getNodeExecutionData(create(NodeExecutionGetDataRequestSchema, { id: n.id }));
    const compiled = data.dynamicWorkflow?.compiledWorkflow;
    await this.#nodes(children, compiled, spans, depth);
    this.#teardown(children, compiled, n.closure?.updatedAt, spans, "NODE_TEARDOWN");
  }

  async #branch(n: NodeExecution, branch: BranchNode, spans: Span[], depth: number): Promise<void> {
    const children = await this.#nodeExecutions(n.id?.executionId, n.id?.nodeId ?? "");
    if (children.size === 0) {
      spans.push(op(n.closure?.createdAt, n.closure?.updatedAt, "NODE_SETUP"));
      return;
    }
    if (children.size !== 1) {
      throw AdminError.internal(
        `invalid branch node execution: expected 1 but found ${children.size} node execution(s)`,
      );
    }
    const [taken] = [...children.values()] as [NodeExecution];
    const specId = taken.metadata?.specNodeId ?? "";
    const node = branchNodeNamed(specId, branch);
    if (!node) {
      throw AdminError.internal(`failed to identify branch node final node definition for nodeID '${specId}'`);
    }
    spans.push(op(n.closure?.createdAt, taken.closure?.createdAt, "NODE_SETUP"));
    spans.push(await this.#node(taken, node, depth));
    if (notBefore(n.closure?.updatedAt, taken.closure?.updatedAt)) {
      spans.push(op(taken.closure?.updatedAt, n.closure?.updatedAt, "NODE_TEARDOWN"));
    }
  }

  async #launchPlanNode(n: NodeExecution, spans: Span[], depth: number): Promise<void> {
    const meta = n.closure?.targetMetadata;
    if (meta?.case !== "workflowNodeMetadata") {
      spans.push(op(n.closure?.createdAt, n.closure?.updatedAt, "NODE_SETUP"));
      return;
    }
    const child = await this.#s.getExecution(meta.value.executionId);
    spans.push(op(n.closure?.createdAt, child.closure?.createdAt, "NODE_SETUP"));
    spans.push(await this.#execution(child, depth));
    if (notBefore(n.closure?.updatedAt, child.closure?.updatedAt)) {
      spans.push(op(child.closure?.updatedAt, n.closure?.updatedAt, "NODE_TEARDOWN"));
    }
  }

  async #subWorkflow(n: NodeExecution, id: Identifier, spans: Span[], depth: number): Promise<void> {
    const children = await this.#nodeExecutions(n.id?.executionId, n.id?.nodeId ?? "");
    if (children.size === 0) {
      spans.push(op(n.closure?.createdAt, n.closure?.updatedAt, "NODE_SETUP"));
      return;
    }
    spans.push(op(n.closure?.createdAt, children.get(START_NODE_ID)?.closure?.updatedAt, "NODE_SETUP"));
    const compiled = (await this.#s.getWorkflow(create(ObjectGetRequestSchema, { id }))).closure?.compiledWorkflow;
    await this.#nodes(children, compiled, spans, depth);
    this.#teardown(children, compiled, n.closure?.updatedAt, spans, "NODE_TEARDOWN");
  }
}

function branchNodeNamed(id: string, branch: BranchNode): Node | undefined {
  const ie = branch.ifElse;
  if (ie?.case?.thenNode?.id === id) return ie.case.thenNode;
  for (const other of ie?.other ?? []) if (other.thenNode?.id === id) return other.thenNode;
  return ie?.default.case === "elseNode" && ie.default.value.id === id ? ie.default.value : undefined;
}

/** Where a started run ended: started_at + duration (exact), or undefined while it runs. */
function endOf(startedAt: Time, duration: Duration | undefined): Time {
  if (!startedAt || !duration || (duration.seconds === 0n && duration.nanos === 0)) return undefined;
  const end = nanos(startedAt) + duration.seconds * 1_000_000_000n + BigInt(duration.nanos);
  const seconds = end / 1_000_000_000n - (end % 1_000_000_000n < 0n ? 1n : 0n);
  return create(TimestampSchema, { seconds, nanos: Number(end - seconds * 1_000_000_000n) });
}

function gate(n: NodeExecution, spans: Span[]): void {
  const c = n.closure;
  if (unset(c?.startedAt)) {
    spans.push(op(c?.createdAt, c?.updatedAt, "NODE_SETUP"));
    return;
  }
  spans.push(op(c?.createdAt, c?.startedAt, "NODE_SETUP"));
  const end = endOf(c?.startedAt, c?.duration);
  if (!end) {
    spans.push(op(c?.startedAt, c?.updatedAt, "NODE_IDLE"));
    return;
  }
  spans.push(op(c?.startedAt, end, "NODE_IDLE"), op(end, c?.updatedAt, "NODE_TEARDOWN"));
}

/** Attempts in creation order, NODE_RESET between them, each attempt's own span at depth ≠ 0. */
function taskSpans(tasks: TaskExecution[], spans: Span[], depth: number): void {
  tasks.forEach((t, i) => {
    if (i > 0) spans.push(op(tasks[i - 1]?.closure?.updatedAt, t.closure?.createdAt, "NODE_RESET"));
    if (depth !== 0) spans.push(taskSpan(t));
  });
}

function taskSpan(t: TaskExecution): Span {
  const c = t.closure;
  const spans: Span[] = [];
  if (unset(c?.startedAt)) {
    spans.push(op(c?.createdAt, c?.updatedAt, "TASK_SETUP"));
  } else {
    spans.push(op(c?.createdAt, c?.startedAt, "TASK_SETUP"));
    const end = endOf(c?.startedAt, c?.duration);
    if (!end) {
      spans.push(op(c?.startedAt, c?.updatedAt, "TASK_RUNTIME"));
    } else {
      spans.push(op(c?.startedAt, end, "TASK_RUNTIME"));
      if (notBefore(c?.updatedAt, end)) spans.push(op(end, c?.updatedAt, "TASK_TEARDOWN"));
    }
  }
  return create(SpanSchema, {
    startTime: c?.createdAt,
    endTime: c?.updatedAt,
    id: t.id ? { case: "taskId", value: t.id } : { case: undefined },
    spans,
  });
}
