/**
 * The AdminService, SignalService and DataProxyService calls the console
 * makes, at their grpc-gateway paths (the `google.api.http` rules of
 * flyteidl's service protos).
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { NamedEntityListSchema } from "../../../src/proto/gen/flyteidl/admin/common_pb.js";
import { DescriptionEntitySchema } from "../../../src/proto/gen/flyteidl/admin/description_entity_pb.js";
import {
  ExecutionCreateRequestSchema as CreateReq,
  type ExecutionCreateRequestSchema,
  ExecutionCreateResponseSchema,
  ExecutionListSchema,
  ExecutionRecoverRequestSchema,
  ExecutionRelaunchRequestSchema,
  ExecutionSchema,
  ExecutionTerminateRequestSchema,
  ExecutionTerminateResponseSchema,
  WorkflowExecutionGetDataResponseSchema,
} from "../../../src/proto/gen/flyteidl/admin/execution_pb.js";
import {
  LaunchPlanListSchema,
  LaunchPlanSchema,
  LaunchPlanState,
  LaunchPlanUpdateRequestSchema,
  LaunchPlanUpdateResponseSchema,
} from "../../../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import {
  NodeExecutionGetDataResponseSchema,
  NodeExecutionListSchema,
} from "../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import {
  SignalListSchema,
  SignalSetRequestSchema,
  SignalSetResponseSchema,
} from "../../../src/proto/gen/flyteidl/admin/signal_pb.js";
import {
  TaskExecutionGetDataResponseSchema,
  TaskExecutionListSchema,
} from "../../../src/proto/gen/flyteidl/admin/task_execution_pb.js";
import { TaskListSchema, TaskSchema } from "../../../src/proto/gen/flyteidl/admin/task_pb.js";
import { WorkflowListSchema, WorkflowSchema } from "../../../src/proto/gen/flyteidl/admin/workflow_pb.js";
import type {
  Identifier,
  NodeExecutionIdentifier,
  TaskExecutionIdentifier,
  WorkflowExecutionIdentifier,
} from "../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { Literal } from "../../../src/proto/gen/flyteidl/core/literals_pb.js";
import {
  CreateUploadLocationRequestSchema,
  CreateUploadLocationResponseSchema,
} from "../../../src/proto/gen/flyteidl/service/dataproxy_pb.js";
import { call, type Query, seg } from "./client.js";
import { projectsApi } from "./projects.js";

export type EntityKind = "workflows" | "tasks" | "launch_plans";
export const RESOURCE_TYPE: Record<EntityKind, number> = { tasks: 1, workflows: 2, launch_plans: 3 };

/** Paging and filtering of list calls, as flyteconsole sends them. */
export interface ListOptions {
  limit?: number;
  token?: string;
  filters?: string;
  sortKey?: string;
  sortDirection?: "ASCENDING" | "DESCENDING";
}

function listQuery(o: ListOptions = {}, extra: Query = {}): Query {
  return {
    limit: o.limit ?? 100,
    token: o.token,
    filters: o.filters,
    "sort_by.key": o.sortKey,
    "sort_by.direction": o.sortKey ? (o.sortDirection ?? "DESCENDING") : undefined,
    ...extra,
  };
}

const execPath = (id: WorkflowExecutionIdentifier) => `${seg(id.project)}/${seg(id.domain)}/${seg(id.name)}`;
const nodePath = (id: NodeExecutionIdentifier) => `${execPath(id.executionId!)}/${seg(id.nodeId)}`;
const idPath = (id: { project: string; domain: string; name: string; version: string }) =>
  `${seg(id.project)}/${seg(id.domain)}/${seg(id.name)}/${seg(id.version)}`;
const taskExecPath = (id: TaskExecutionIdentifier) =>
  `${nodePath(id.nodeExecutionId!)}/${idPath(id.taskId!)}/${id.retryAttempt}`;

export const api = {
  ...projectsApi,

  executions: (project: string, domain: string, o?: ListOptions, signal?: AbortSignal) =>
    call("GET", `/api/v1/executions/${seg(project)}/${seg(domain)}`, ExecutionListSchema, {
      query: listQuery(o),
      signal,
    }),
  execution: (id: WorkflowExecutionIdentifier) => call("GET", `/api/v1/executions/${execPath(id)}`, ExecutionSchema),
  executionData: (id: WorkflowExecutionIdentifier) =>
    call("GET", `/api/v1/data/executions/${execPath(id)}`, WorkflowExecutionGetDataResponseSchema),
  createExecution: (req: MessageInitShape<typeof ExecutionCreateRequestSchema>) =>
    call("POST", "/api/v1/executions", ExecutionCreateResponseSchema, { body: { schema: CreateReq, value: req } }),
  relaunch: (id: WorkflowExecutionIdentifier) =>
    call("POST", "/api/v1/executions/relaunch", ExecutionCreateResponseSchema, {
      body: { schema: ExecutionRelaunchRequestSchema, value: { id, name: "" } },
    }),
  recover: (id: WorkflowExecutionIdentifier) =>
    call("POST", "/api/v1/executions/recover", ExecutionCreateResponseSchema, {
      body: { schema: ExecutionRecoverRequestSchema, value: { id, name: "" } },
    }),
  terminate: (id: WorkflowExecutionIdentifier, cause: string) =>
    call("DELETE", `/api/v1/executions/${execPath(id)}`, ExecutionTerminateResponseSchema, {
      body: { schema: ExecutionTerminateRequestSchema, value: { id, cause } },
    }),

  nodeExecutions: (id: WorkflowExecutionIdentifier, o: ListOptions & { parent?: string } = {}) =>
    call("GET", `/api/v1/node_executions/${execPath(id)}`, NodeExecutionListSchema, {
      query: listQuery(o, { unique_parent_id: o.parent }),
    }),
  nodeExecutionData: (id: NodeExecutionIdentifier) =>
    call("GET", `/api/v1/data/node_executions/${nodePath(id)}`, NodeExecutionGetDataResponseSchema),
  taskExecutions: (id: NodeExecutionIdentifier) =>
    call("GET", `/api/v1/task_executions/${nodePath(id)}`, TaskExecutionListSchema, { query: { limit: 100 } }),
  taskExecutionData: (id: TaskExecutionIdentifier) =>
    call("GET", `/api/v1/data/task_executions/${taskExecPath(id)}`, TaskExecutionGetDataResponseSchema),

  namedEntities: (kind: EntityKind, project: string, domain: string, o?: ListOptions) =>
    call("GET", `/api/v1/named_entities/${RESOURCE_TYPE[kind]}/${seg(project)}/${seg(domain)}`, NamedEntityListSchema, {
      query: listQuery({ limit: 1000, sortKey: "name", sortDirection: "ASCENDING", ...o }),
    }),
  workflows: (project: string, domain: string, name: string, o?: ListOptions) =>
    call("GET", `/api/v1/workflows/${seg(project)}/${seg(domain)}/${seg(name)}`, WorkflowListSchema, {
      query: listQuery({ sortKey: "created_at", ...o }),
    }),
  workflow: (id: Identifier) => call("GET", `/api/v1/workflows/${idPath(id)}`, WorkflowSchema),
  tasks: (project: string, domain: string, name: string, o?: ListOptions) =>
    call("GET", `/api/v1/tasks/${seg(project)}/${seg(domain)}/${seg(name)}`, TaskListSchema, {
      query: listQuery({ sortKey: "created_at", ...o }),
    }),
  task: (id: Identifier) => call("GET", `/api/v1/tasks/${idPath(id)}`, TaskSchema),
  launchPlans: (project: string, domain: string, name: string, o?: ListOptions) =>
    call("GET", `/api/v1/launch_plans/${seg(project)}/${seg(domain)}/${seg(name)}`, LaunchPlanListSchema, {
      query: listQuery({ sortKey: "created_at", ...o }),
    }),
  launchPlansFor: (project: string, domain: string, workflowName: string) =>
    call("GET", `/api/v1/launch_plans/${seg(project)}/${seg(domain)}`, LaunchPlanListSchema, {
      query: listQuery({ sortKey: "created_at", filters: `eq(workflow.name,${workflowName})`, limit: 100 }),
    }),
  launchPlan: (id: Identifier) => call("GET", `/api/v1/launch_plans/${idPath(id)}`, LaunchPlanSchema),
  setLaunchPlanActive: (id: Identifier, active: boolean) =>
    call("PUT", `/api/v1/launch_plans/${idPath(id)}`, LaunchPlanUpdateResponseSchema, {
      body: {
        schema: LaunchPlanUpdateRequestSchema,
        value: { id, state: active ? LaunchPlanState.ACTIVE : LaunchPlanState.INACTIVE },
      },
    }),

  /** The description entity of a task or workflow version (its long description, source link). */
  description: (id: Identifier) =>
    call("GET", `/api/v1/description_entities/${id.resourceType}/${idPath(id)}`, DescriptionEntitySchema),

  signals: (id: WorkflowExecutionIdentifier) =>
    call("GET", `/api/v1/signals/${execPath(id)}`, SignalListSchema, { query: { limit: 100 } }),
  setSignal: (executionId: WorkflowExecutionIdentifier, signalId: string, value: Literal) =>
    call("POST", "/api/v1/signals", SignalSetResponseSchema, {
      body: { schema: SignalSetRequestSchema, value: { id: { executionId, signalId }, value } },
    }),

  uploadLocation: (project: string, domain: string, filename: string) =>
    call("POST", "/api/v1/dataproxy/artifact_urn", CreateUploadLocationResponseSchema, {
      body: {
        schema: CreateUploadLocationRequestSchema,
        value: { project, domain, filename, filenameRoot: crypto.randomUUID() },
      },
    }),
};
