/**
 * The test client playing FlytePropeller: event builders, and a port of
 * propeller's `events/errors.WrapError`, which classifies an admin error by
 * the EventFailureReason in its status details first and by code second.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { anyUnpack, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../../src/errors/codes.js";
import { EventFailureReasonSchema } from "../../src/proto/gen/flyteidl/admin/event_pb.js";
import type { NodeExecution_Phase } from "../../src/proto/gen/flyteidl/core/execution_pb.js";
import { type LiteralMap, LiteralMapSchema, LiteralSchema } from "../../src/proto/gen/flyteidl/core/literals_pb.js";
import type { NodeExecutionEventSchema } from "../../src/proto/gen/flyteidl/event/event_pb.js";
import { statusDetails } from "./assertions.js";
import { seedExecution } from "./executions.js";
import type { TestServer } from "./server.js";

/** What propeller makes of an event error. */
export type EventErrorKind =
  | "EventAlreadyInTerminalStateError"
  | "EventIncompatibleClusterError"
  | "AlreadyExists"
  | "ExecutionNotFound"
  | "ResourceExhausted"
  | "TooLarge"
  | "InvalidArgument"
  | "EventSinkError";

export interface WrappedEventError {
  readonly kind: EventErrorKind;
  /** The detail's phase or cluster, when the error carried an EventFailureReason. */
  readonly detail?: string;
}

/** propeller's WrapError, in TypeScript. */
export function wrapEventError(err: ServiceError): WrappedEventError {
  for (const any of statusDetails(err)?.details ?? []) {
    const reason = anyUnpack(any, EventFailureReasonSchema);
    if (reason === undefined) continue;
    switch (reason.reason.case) {
      case "alreadyInTerminalState":
        return { kind: "EventAlreadyInTerminalStateError", detail: reason.reason.value.currentPhase };
      case "incompatibleCluster":
        return { kind: "EventIncompatibleClusterError", detail: reason.reason.value.cluster };
    }
  }
  switch (err.code) {
    case Code.ALREADY_EXISTS:
      return { kind: "AlreadyExists" };
    case Code.NOT_FOUND:
      return { kind: "ExecutionNotFound" };
    case Code.RESOURCE_EXHAUSTED:
      return { kind: err.details.includes("message larger than max") ? "TooLarge" : "ResourceExhausted" };
    case Code.INVALID_ARGUMENT:
      return { kind: "InvalidArgument" };
    default:
      return { kind: "EventSinkError" };
  }
}

/** Awaits an event call that must fail, and classifies the failure as propeller would. */
export async function eventRejection(call: Promise<unknown>): Promise<WrappedEventError & { error: ServiceError }> {
  try {
    await call;
  } catch (e) {
    return { ...wrapEventError(e as ServiceError), error: e as ServiceError };
  }
  throw new Error("expected the event to be refused");
}

let clock = Date.UTC(2024, 0, 1);
/** Strictly increasing event times. */
export function tick(): ReturnType<typeof timestampFromMs> {
  clock += 1000;
  return timestampFromMs(clock);
}

/** An execution id as the event builders take it. */
export interface ExecId {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/** `project:"p" domain:"d" name:"n"`, how FlyteAdmin prints an execution id. */
export const execIdText = (id: ExecId): string => `project:"${id.project}" domain:"${id.domain}" name:"${id.name}"`;

/** `node_id:"n" execution_id:{...}`, how FlyteAdmin prints a node execution id. */
export const nodeIdText = (id: ExecId, nodeId: string): string =>
  `node_id:"${nodeId}" execution_id:{${execIdText(id)}}`;

/** A task id (resource type TASK) for task events. */
export const taskRef = (name = "t1", version = "v1") => ({
  resourceType: 1,
  project: "flytesnacks",
  domain: "development",
  name,
  version,
});

/** A new execution (phase UNDEFINED, recorded on `cluster`) for events to report on. */
export async function eventExecution(srv: TestServer, name: string, cluster = ""): Promise<ExecId> {
  await seedExecution(srv, name, { cluster });
  return { project: "flytesnacks", domain: "development", name };
}

/** The rest of a node event, beside its id, phase and time. */
export type NodeEventInit = Omit<MessageInitShape<typeof NodeExecutionEventSchema>, "$typeName">;

let requests = 0;
/** Propeller reporting one node event (a fresh request id each time). */
export function nodeEvent(
  srv: TestServer,
  id: ExecId,
  nodeId: string,
  phase: NodeExecution_Phase,
  extra: NodeEventInit = {},
) {
  return srv.admin.createNodeEvent({
    requestId: `r${++requests}`,
    event: { id: { executionId: id, nodeId }, phase, occurredAt: tick(), ...extra },
  });
}

/** A literal map of integers, e.g. `ints({ o0: 42 })`. */
export function ints(values: Record<string, number>): LiteralMap {
  const map = create(LiteralMapSchema);
  for (const [k, n] of Object.entries(values)) {
    map.literals[k] = create(LiteralSchema, {
      value: {
        case: "scalar",
        value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
      },
    });
  }
  return map;
}
