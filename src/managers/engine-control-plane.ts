/**
 * The local engine's view of the admin, over the managers the RPC handlers
 * call: events go through the event managers (the path FlytePropeller's
 * events take), child executions through the execution manager's
 * CreateExecution pipeline, signals through the signal manager. The engine
 * acts as the system, not as a user: its calls carry an empty caller.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { type DataStore, readProto } from "../blob/data-store.js";
import { nowMicros } from "../common/time.js";
import type {
  EngineControlPlane,
  RecordedNode,
  RecoverableNode,
  UnfinishedExecution,
  UnfinishedNode,
} from "../engine/local/control-plane.js";
import { AdminError } from "../errors/admin-error.js";
import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "../proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionTerminateRequestSchema } from "../proto/gen/flyteidl/admin/execution_pb.js";
import type { LaunchPlan } from "../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { NodeExecutionClosureSchema } from "../proto/gen/flyteidl/admin/node_execution_pb.js";
import type { Signal, SignalGetOrCreateRequest } from "../proto/gen/flyteidl/admin/signal_pb.js";
import { TaskExecutionClosureSchema } from "../proto/gen/flyteidl/admin/task_execution_pb.js";
import { ExecutionError_ErrorKind } from "../proto/gen/flyteidl/core/execution_pb.js";
import {
  IdentifierSchema,
  ResourceType,
  type WorkflowExecutionIdentifier,
} from "../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../proto/gen/flyteidl/core/literals_pb.js";
import type { Database } from "../store/database.js";
import { launchPlanFromRow } from "../store/repositories/launch-plan-mapper.js";
import type { LaunchPlanRepository } from "../store/repositories/launch-plan-repository.js";
import { NodeExecutionRepository } from "../store/repositories/node-execution-repository.js";
import type { ExecutionManager } from "./executions/execution-manager.js";
import { entityKey } from "./validation/identifier.js";

/** The event managers, as the engine calls them. */
export interface EngineEventSink {
  readonly workflow: { create(request: WorkflowExecutionEventRequest): Promise<void> };
  readonly node: { create(request: NodeExecutionEventRequest): Promise<void> };
  readonly task: { create(request: TaskExecutionEventRequest): Promise<void> };
}

export interface EngineControlPlaneDeps {
  readonly database: Database;
  readonly blobs: DataStore;
  readonly executions: ExecutionManager;
  readonly launchPlans: LaunchPlanRepository;
  readonly events: EngineEventSink;
  readonly signals: { getOrCreate(request: SignalGetOrCreateRequest): Promise<Signal> };
}

const TERMINAL_WORKFLOW = ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"];
const TERMINAL_NODE = ["SUCCEEDED", "FAILED", "ABORTED", "SKIPPED", "TIMED_OUT", "RECOVERED"];
const TERMINAL_TASK = ["SUCCEEDED", "FAILED", "ABORTED"];
const SYSTEM_CALLER = { subject: "" };

/**
 * The control plane the local engine is bound to.
 *
 * @example
 * await engine.bind(engineControlPlane({ database, blobs, executions, launchPlans, events, signals }), publicUrl);
 */
export function engineControlPlane(d: EngineControlPlaneDeps): EngineControlPlane {
  const db = d.database.kysely;
  const nodes = new NodeExecutionRepository(d.database);
  return {
    createWorkflowEvent: (r) => d.events.workflow.create(r),
    createNodeEvent: (r) => d.events.node.create(r),
    createTaskEvent: (r) => d.events.task.create(r),
    async createExecution(request) {
      await d.executions.create(request, SYSTEM_CALLER, nowMicros());
    },
    getExecution: (id) => d.executions.get(id),
    async getExecutionOutputs(id: WorkflowExecutionIdentifier): Promise<LiteralMap> {
      const execution = await d.executions.get(id);
      const result = execution.closure?.outputResult;
      if (result?.case === "outputData") return result.value;
      if (result?.case === "outputs" && result.value.data.case === "uri" && result.value.data.value) {
        return readProto(d.blobs, result.value.data.value, LiteralMapSchema);
      }
      if (result?.case === "outputs" && result.value.data.case === "values") return result.value.data.value;
      return create(LiteralMapSchema);
    },
    async terminateExecution(id, cause) {
      await d.executions.terminate(create(ExecutionTerminateRequestSchema, { id, cause }), SYSTEM_CALLER);
    },
    async getLaunchPlan(id): Promise<LaunchPlan> {
      const row = await d.launchPlans.get(
        entityKey(create(IdentifierSchema, { ...id, resourceType: ResourceType.LAUNCH_PLAN })),
      );
      if (!row)
        throw AdminError.notFound(`missing entity of type LAUNCH_PLAN with identifier ${id.name}:${id.version}`);
      return launchPlanFromRow(row, d.database.codec);
    },
    getOrCreateSignal: (request) => d.signals.getOrCreate(request),
    async listUnfinishedExecutions(cluster): Promise<UnfinishedExecution[]> {
      const rows = await db
        .selectFrom("executions")
        .select(["execution_project", "execution_domain", "execution_name", "phase", "cluster"])
        // "": the server stopped after handing the run to the engine but before recording its cluster.
        .where("cluster", "in", [cluster, ""])
        .where("phase", "not in", TERMINAL_WORKFLOW)
        .execute();
      return rows.map((r) => ({
        id: {
          $typeName: "flyteidl.core.WorkflowExecutionIdentifier",
          project: r.execution_project,
          domain: r.execution_domain,
          name: r.execution_name,
          org: "",
        },
        phase: r.phase,
        cluster: r.cluster,
      }));
    },
    async recoverableNode(id, nodeId): Promise<RecoverableNode | undefined> {
      const row = await nodes.get({ project: id.project, domain: id.domain, name: id.name, nodeId });
      if (!row || (row.phase !== "SUCCEEDED" && row.phase !== "RECOVERED")) return undefined;
      const out = fromBinary(NodeExecutionClosureSchema, row.closure).outputResult;
      if (out.case === "outputData") return { outputs: out.value };
      if (out.case !== "outputUri" || out.value === "") return { outputs: undefined };
      const outputs = await readProto(d.blobs, out.value, LiteralMapSchema).catch(() => undefined);
      return { outputs };
    },
    async listRecordedNodes(id): Promise<RecordedNode[]> {
      const byExecution = { project: id.project, domain: id.domain, name: id.name };
      const [nodeRows, taskRows] = await Promise.all([
        db
          .selectFrom("node_executions")
          .select(["node_id", "closure"])
          .where("execution_project", "=", byExecution.project)
          .where("execution_domain", "=", byExecution.domain)
          .where("execution_name", "=", byExecution.name)
          .execute(),
        db
          .selectFrom("task_executions")
          .select(["node_id", "retry_attempt", "closure"])
          .where("execution_project", "=", byExecution.project)
          .where("execution_domain", "=", byExecution.domain)
          .where("execution_name", "=", byExecution.name)
          .where("phase", "=", "FAILED")
          .execute(),
      ]);
      const systemFailed = new Map<string, number[]>();
      for (const t of taskRows) {
        const out = fromBinary(TaskExecutionClosureSchema, t.closure).outputResult;
        if (out.case !== "error" || out.value.kind !== ExecutionError_ErrorKind.SYSTEM) continue;
        systemFailed.set(t.node_id, [...(systemFailed.get(t.node_id) ?? []), t.retry_attempt]);
      }
      return nodeRows.map((n) => {
        const closure = fromBinary(NodeExecutionClosureSchema, n.closure);
        const out = closure.outputResult;
        const at = closure.startedAt ?? closure.createdAt;
        return {
          nodeId: n.node_id,
          phase: closure.phase,
          outputUri: out.case === "outputUri" ? out.value : "",
          error: out.case === "error" ? out.value : undefined,
          startedAtMs: at ? Number(at.seconds) * 1000 + Math.floor(at.nanos / 1e6) : Date.now(),
          systemFailedAttempts: systemFailed.get(n.node_id) ?? [],
        };
      });
    },
    async listUnfinishedNodes(id): Promise<UnfinishedNode[]> {
      const nodes = await db
        .selectFrom("node_executions")
        .select(["node_id", "phase"])
        .where("execution_project", "=", id.project)
        .where("execution_domain", "=", id.domain)
        .where("execution_name", "=", id.name)
        .where("phase", "not in", TERMINAL_NODE)
        .execute();
      const tasks = await db
        .selectFrom("task_executions")
        .select(["project", "domain", "name", "version", "node_id", "retry_attempt", "phase"])
        .where("execution_project", "=", id.project)
        .where("execution_domain", "=", id.domain)
        .where("execution_name", "=", id.name)
        .where("phase", "not in", TERMINAL_TASK)
        .execute();
      return nodes.map((n) => ({
        nodeId: n.node_id,
        phase: n.phase,
        tasks: tasks
          .filter((t) => t.node_id === n.node_id)
          .map((t) => ({
            taskId: create(IdentifierSchema, {
              resourceType: ResourceType.TASK,
              project: t.project,
              domain: t.domain,
              name: t.name,
              version: t.version,
            }),
            retryAttempt: t.retry_attempt,
            phase: t.phase,
          })),
      }));
    },
  };
}
