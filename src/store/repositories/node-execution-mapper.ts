/**
 * Rows of `node_executions` to and from the record the event path works on
 * and the admin.NodeExecution clients read. The closure and the metadata are
 * stored as protobuf; `internal_data` is FlyteAdmin's own one-field message
 * (`NodeExecutionInternalData{int32 event_version = 1}`).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Selectable } from "kysely";
import {
  type NodeExecution,
  type NodeExecutionClosure,
  NodeExecutionClosureSchema,
  type NodeExecutionMetaData,
  NodeExecutionMetaDataSchema,
  NodeExecutionSchema,
} from "../../proto/gen/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type NodeExecutionIdentifier,
  NodeExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { NodeExecutionsTable } from "../schema.js";
import { trimErrorMessage } from "./execution-mapper.js";

export type NodeExecutionRow = Selectable<NodeExecutionsTable>;

/** The execution a node belongs to and its node id. */
export interface NodeKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly nodeId: string;
}

/** A node execution as the event path reads and writes it; times in microseconds, durations in nanoseconds. */
export interface NodeExecutionRecord {
  /** Row id; undefined until inserted. */
  readonly id: number | undefined;
  readonly key: NodeKey;
  phase: NodeExecution_Phase;
  inputUri: string;
  closure: NodeExecutionClosure;
  metadata: NodeExecutionMetaData;
  startedAt: number | undefined;
  createdAt: number;
  updatedAt: number;
  durationNanos: number;
  parentId: number | null;
  parentTaskExecutionId: number | null;
  errorKind: string | null;
  errorCode: string | null;
  cacheStatus: string | null;
  dynamicWorkflowRemoteClosureReference: string;
  eventVersion: number;
}

const phaseOf = (name: string): NodeExecution_Phase =>
  (NodeExecution_Phase as unknown as Record<string, NodeExecution_Phase>)[name] ?? NodeExecution_Phase.UNDEFINED;

/** `NodeExecutionInternalData` bytes: field 1 (event_version) as a varint, omitted when 0. */
export function encodeInternalData(eventVersion: number): Uint8Array {
  return eventVersion === 0
    ? new Uint8Array(0)
    : new BinaryWriter().tag(1, WireType.Varint).int32(eventVersion).finish();
}

export function decodeInternalData(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  let version = 0;
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.Varint) version = reader.int32();
    else reader.skip(wire);
  }
  return version;
}

/** The record of a row. */
export function nodeRecordFromRow(row: NodeExecutionRow, codec: ValueCodec): NodeExecutionRecord {
  return {
    id: row.id,
    key: {
      project: row.execution_project,
      domain: row.execution_domain,
      name: row.execution_name,
      nodeId: row.node_id,
    },
    phase: phaseOf(row.phase),
    inputUri: row.input_uri,
    closure: fromBinary(NodeExecutionClosureSchema, row.closure),
    metadata: fromBinary(NodeExecutionMetaDataSchema, row.node_execution_metadata),
    startedAt: row.started_at === null ? undefined : codec.micros(row.started_at),
    createdAt: codec.micros(row.node_execution_created_at),
    updatedAt: codec.micros(row.node_execution_updated_at),
    durationNanos: Number(row.duration),
    parentId: row.parent_id === null ? null : Number(row.parent_id),
    parentTaskExecutionId: row.parent_task_execution_id === null ? null : Number(row.parent_task_execution_id),
    errorKind: row.error_kind,
    errorCode: row.error_code,
    cacheStatus: row.cache_status,
    dynamicWorkflowRemoteClosureReference: row.dynamic_workflow_remote_closure_reference,
    eventVersion: decodeInternalData(row.internal_data),
  };
}

/** The columns an event writes (the key and the row timestamps are the repository's business). */
export function nodeRecordColumns(r: NodeExecutionRecord, codec: ValueCodec) {
  return {
    phase: NodeExecution_Phase[r.phase] ?? String(r.phase),
    input_uri: r.inputUri,
    closure: codec.bytes(toBinary(NodeExecutionClosureSchema, r.closure)),
    node_execution_metadata: codec.bytes(toBinary(NodeExecutionMetaDataSchema, r.metadata)),
    started_at: r.startedAt === undefined ? null : codec.time(r.startedAt),
    node_execution_created_at: codec.time(r.createdAt),
    node_execution_updated_at: codec.time(r.updatedAt),
    duration: r.durationNanos,
    parent_id: r.parentId,
    parent_task_execution_id: r.parentTaskExecutionId,
    error_kind: r.errorKind,
    error_code: r.errorCode,
    cache_status: r.cacheStatus,
    dynamic_workflow_remote_closure_reference: r.dynamicWorkflowRemoteClosureReference,
    internal_data: codec.bytes(encodeInternalData(r.eventVersion)),
  };
}

/** How a row is shown. */
export interface NodeExecutionViewOptions {
  /** Lists cut error messages to 100 bytes. */
  readonly trimErrorMessage?: boolean;
  /** Whether the node has child node executions (older propellers did not send the parent flags). */
  readonly hasChildren?: boolean;
}

/** The admin.NodeExecution of a row. */
export function nodeExecutionFromRow(row: NodeExecutionRow, options: NodeExecutionViewOptions = {}): NodeExecution {
  const closure = fromBinary(NodeExecutionClosureSchema, row.closure);
  if (options.trimErrorMessage && closure.outputResult.case === "error") {
    closure.outputResult.value.message = trimErrorMessage(closure.outputResult.value.message);
  }
  const metadata = fromBinary(NodeExecutionMetaDataSchema, row.node_execution_metadata);
  if (!metadata.isParentNode && !metadata.isDynamic && options.hasChildren) {
    metadata.isParentNode = true;
    if (row.dynamic_workflow_remote_closure_reference !== "") metadata.isDynamic = true;
  }
  return create(NodeExecutionSchema, {
    id: nodeIdOfRow(row),
    inputUri: row.input_uri,
    closure,
    metadata,
  });
}

/** The id of the node a row records. */
export function nodeIdOfRow(
  row: Pick<NodeExecutionRow, "execution_project" | "execution_domain" | "execution_name" | "node_id">,
): NodeExecutionIdentifier {
  return create(NodeExecutionIdentifierSchema, {
    nodeId: row.node_id,
    executionId: { project: row.execution_project, domain: row.execution_domain, name: row.execution_name },
  });
}
