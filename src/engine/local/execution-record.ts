/**
 * The engine's own copy of what `execute` received (the compiled workflow as
 * launched, the resolved parameters), kept next to the execution's node data
 * so that a restarted server can continue the run without resolving the
 * launch again: FlytePropeller keeps the same in its FlyteWorkflow resource.
 * Messages are stored as base64 protobuf inside one JSON document.
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { ClusterAssignmentSchema } from "../../proto/gen/flyteidl/admin/cluster_assignment_pb.js";
import { RawOutputDataConfigSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import {
  ExecutionClusterLabelSchema,
  PluginOverrideSchema,
  TaskResourceSpecSchema,
  WorkflowExecutionConfigSchema,
} from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { CompiledWorkflowClosureSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { ExecutionData } from "../workflow-executor.js";
import type { EngineFiles } from "./engine-files.js";

const FILE = "engine-execution.json";
const FORMAT = 1;

function enc<D extends DescMessage>(schema: D, message: MessageShape<D> | MessageInitShape<D>): string {
  // Callers may hand over plain initializers (tests do); `create` returns a message unchanged.
  return Buffer.from(toBinary(schema, create(schema, message))).toString("base64");
}

function dec<D extends DescMessage>(schema: D, text: string): MessageShape<D> {
  return fromBinary(schema, Buffer.from(text, "base64"));
}

function opt<D extends DescMessage>(schema: D, message: MessageShape<D> | undefined): string | undefined {
  return message === undefined ? undefined : enc(schema, message);
}

function decOpt<D extends DescMessage>(schema: D, text: unknown): MessageShape<D> | undefined {
  return typeof text === "string" ? dec(schema, text) : undefined;
}

/** Where the record of execution `id` is. */
export function executionRecordRef(store: DataStore, id: WorkflowExecutionIdentifier): string {
  return store.ref("metadata", "propeller", `${id.project}-${id.domain}-${id.name}`, FILE);
}

function toDoc(data: ExecutionData) {
  const p = data.executionParameters;
  return {
    format: FORMAT,
    namespace: data.namespace,
    executionId: enc(WorkflowExecutionIdentifierSchema, data.executionId),
    referenceWorkflowName: data.referenceWorkflowName,
    referenceLaunchPlanName: data.referenceLaunchPlanName,
    workflowClosure: enc(CompiledWorkflowClosureSchema, data.workflowClosure),
    workflowClosureReference: data.workflowClosureReference,
    offloadedInputsReference: data.offloadedInputsReference,
    parameters: {
      inputs: enc(LiteralMapSchema, p.inputs),
      acceptedAt: p.acceptedAt,
      labels: p.labels,
      annotations: p.annotations,
      executionConfig: enc(WorkflowExecutionConfigSchema, p.executionConfig),
      taskResources: {
        defaults: enc(TaskResourceSpecSchema, p.taskResources.defaults),
        limits: enc(TaskResourceSpecSchema, p.taskResources.limits),
      },
      eventVersion: p.eventVersion,
      roleNameKey: p.roleNameKey,
      rawOutputDataConfig: opt(RawOutputDataConfigSchema, p.rawOutputDataConfig),
      clusterAssignment: opt(ClusterAssignmentSchema, p.clusterAssignment),
      taskPluginOverrides: p.taskPluginOverrides.map((o) => enc(PluginOverrideSchema, o)),
      recoveryExecution: opt(WorkflowExecutionIdentifierSchema, p.recoveryExecution),
      executionClusterLabel: opt(ExecutionClusterLabelSchema, p.executionClusterLabel),
    },
  };
}

type RecordDoc = ReturnType<typeof toDoc>;

/** Writes the record of a run being started. */
export async function writeExecutionRecord(store: DataStore, files: EngineFiles, data: ExecutionData): Promise<void> {
  const doc = toDoc(data);
  await files.write(executionRecordRef(store, data.executionId), Buffer.from(JSON.stringify(doc)));
}

/** Reads the record of execution `id`; undefined when there is none (the run never reached the engine). */
export async function readExecutionRecord(
  store: DataStore,
  id: WorkflowExecutionIdentifier,
): Promise<ExecutionData | undefined> {
  const ref = executionRecordRef(store, id);
  if (!(await store.head(ref))) return undefined;
  const doc = JSON.parse(Buffer.from(await store.read(ref)).toString("utf8")) as RecordDoc;
  if (doc?.format !== FORMAT) return undefined;
  const p = doc.parameters;
  return {
    namespace: String(doc.namespace),
    executionId: dec(WorkflowExecutionIdentifierSchema, doc.executionId),
    referenceWorkflowName: String(doc.referenceWorkflowName),
    referenceLaunchPlanName: String(doc.referenceLaunchPlanName),
    workflowClosure: dec(CompiledWorkflowClosureSchema, doc.workflowClosure),
    workflowClosureReference: String(doc.workflowClosureReference),
    offloadedInputsReference: String(doc.offloadedInputsReference),
    executionParameters: {
      inputs: dec(LiteralMapSchema, p.inputs),
      acceptedAt: Number(p.acceptedAt),
      labels: p.labels ?? {},
      annotations: p.annotations ?? {},
      executionConfig: dec(WorkflowExecutionConfigSchema, p.executionConfig),
      taskResources: {
        defaults: dec(TaskResourceSpecSchema, p.taskResources.defaults),
        limits: dec(TaskResourceSpecSchema, p.taskResources.limits),
      },
      eventVersion: Number(p.eventVersion),
      roleNameKey: String(p.roleNameKey ?? ""),
      rawOutputDataConfig: decOpt(RawOutputDataConfigSchema, p.rawOutputDataConfig),
      clusterAssignment: decOpt(ClusterAssignmentSchema, p.clusterAssignment),
      taskPluginOverrides: (p.taskPluginOverrides ?? []).map((o) => dec(PluginOverrideSchema, o)),
      recoveryExecution: decOpt(WorkflowExecutionIdentifierSchema, p.recoveryExecution),
      executionClusterLabel: decOpt(ExecutionClusterLabelSchema, p.executionClusterLabel),
    },
  };
}
