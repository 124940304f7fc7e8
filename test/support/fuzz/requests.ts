/**
 * A valid (or nearly valid) request for every served method, as protojson
 * with proto field names: the fixtures' requests where the suites have one
 * (registration, CreateExecution), otherwise filled from the descriptor with
 * the ids of the entities the fuzz run registers first, so that a request
 * reaches the handler's logic rather than stopping at "missing id".
 */

import type { DescService, Message } from "@bufbuild/protobuf";
import { create, type DescField, type DescMessage, type DescMethod, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ProjectRegisterRequestSchema } from "../../../src/proto/gen/flyteidl/admin/project_pb.js";
import { typeRegistry } from "../../../src/proto/registry.js";
import { HELLO_WF, helloRequests, pyflyteRunRequest, SAY_HELLO } from "../../fixtures/executions.js";
import { createTaskRequest, DOMAIN, taskId } from "../../fixtures/tasks.js";
import { intLiteral } from "../../fixtures/types.js";
import { launchPlanId } from "../../fixtures/workflows.js";

export type Json = JsonValue;
export type JsonObject = { [k: string]: Json };

/** The entities a fuzz run registers before fuzzing, which the filled requests name. */
export const FUZZ = {
  project: "fuzzp",
  domain: DOMAIN,
  version: "v1",
  execution: "fuzzexec",
  node: "n0",
  signal: "s1",
} as const;

const toJ = (schema: DescMessage, m: Message): JsonObject =>
  toJson(schema, m, { registry: typeRegistry, useProtoFieldName: true }) as JsonObject;

/** Which entity a method is about, from its name: ids in its request name that kind. */
function entityKind(method: DescMethod): "TASK" | "WORKFLOW" | "LAUNCH_PLAN" {
  if (/LaunchPlan/.test(method.name)) return "LAUNCH_PLAN";
  if (/Workflow(?!Event|Attributes)/.test(method.name)) return "WORKFLOW";
  return "TASK";
}

function identifier(kind: "TASK" | "WORKFLOW" | "LAUNCH_PLAN"): JsonObject {
  return {
    resource_type: kind,
    project: FUZZ.project,
    domain: FUZZ.domain,
    name: kind === "TASK" ? SAY_HELLO : HELLO_WF,
    version: FUZZ.version,
  };
}

const executionId = (): JsonObject => ({ project: FUZZ.project, domain: FUZZ.domain, name: FUZZ.execution });
const nodeExecutionId = (): JsonObject => ({ node_id: FUZZ.node, execution_id: executionId() });

/** Values for messages that identify things, by type name. */
function knownMessage(typeName: string, method: DescMethod): Json | undefined {
  const kind = entityKind(method);
  switch (typeName) {
    case "flyteidl.core.Identifier":
      return identifier(kind);
    case "flyteidl.admin.NamedEntityIdentifier":
      return { project: FUZZ.project, domain: FUZZ.domain, name: kind === "TASK" ? SAY_HELLO : HELLO_WF };
    case "flyteidl.core.WorkflowExecutionIdentifier":
      return executionId();
    case "flyteidl.core.NodeExecutionIdentifier":
      return nodeExecutionId();
    case "flyteidl.core.TaskExecutionIdentifier":
      return { task_id: identifier("TASK"), node_execution_id: nodeExecutionId(), retry_attempt: 0 };
    case "flyteidl.core.SignalIdentifier":
      return { signal_id: FUZZ.signal, execution_id: executionId() };
    case "flyteidl.admin.Sort":
      // Id and named-entity lists sort by their key columns only.
      return { key: /Ids$|NamedEntities/.test(method.name) ? "name" : "created_at", direction: "DESCENDING" };
    case "google.protobuf.Timestamp":
      return "2024-01-01T00:00:00Z";
    case "google.protobuf.Duration":
      return "1s";
    case "google.protobuf.Struct":
      return {};
    case "google.protobuf.Any":
    case "google.protobuf.Value":
    case "google.protobuf.ListValue":
      return undefined;
    default:
      return typeName.startsWith("google.protobuf.") && typeName.endsWith("Value") ? undefined : null;
  }
}

function scalarFor(field: DescField): Json {
  switch (field.name) {
    case "project":
    case "id":
      return FUZZ.project;
    case "domain":
      return FUZZ.domain;
    case "version":
      return FUZZ.version;
    case "node_id":
      return FUZZ.node;
    case "limit":
      return 10;
    case "token":
    case "filters":
    case "org":
    case "unique_parent_id":
      return "";
    case "producer_id":
      return "propeller";
  }
  if (field.fieldKind !== "scalar") return "fuzz";
  switch (field.scalar) {
    case 9:
      return "fuzz";
    case 8:
      return false;
    case 12:
      return "";
    case 1:
    case 2:
      return 1.5;
    default:
      return 1;
  }
}

/** A protojson object for `desc`, every field set that can be (one member per oneof), `depth` levels deep. */
export function fillMessage(desc: DescMessage, method: DescMethod, depth = 0): JsonObject {
  const out: JsonObject = {};
  const oneofsSet = new Set<string>();
  for (const field of desc.fields) {
    if (field.oneof) {
      if (oneofsSet.has(field.oneof.name)) continue;
    }
    let value: Json | undefined;
    if (field.fieldKind === "scalar") value = scalarFor(field);
    else if (field.fieldKind === "enum") {
      // `state` 0 is the usable one (ACTIVE projects, named entities); elsewhere 0 is mostly UNDEFINED.
      const at = field.name === "state" ? 0 : 1;
      value = (field.enum.values[at] ?? field.enum.values[0])?.name ?? 0;
    } else if (field.fieldKind === "message") {
      const known = knownMessage(field.message.typeName, method);
      if (known === null) value = depth < 3 ? fillMessage(field.message, method, depth + 1) : undefined;
      else value = known;
    }
    // Lists and maps stay empty: the mutations add entries.
    if (value === undefined) continue;
    out[field.name] = value;
    if (field.oneof) oneofsSet.add(field.oneof.name);
  }
  return out;
}

/** Requests the suites already know to be valid, as protojson. */
function fixtureRequest(method: DescMethod): JsonObject | undefined {
  const hello = helloRequests(FUZZ.version, FUZZ.project, FUZZ.domain);
  switch (method.name) {
    case "CreateTask":
      return toJ(method.input, createTaskRequest(taskId("fuzz.task", FUZZ.version, FUZZ.project, FUZZ.domain)));
    case "CreateWorkflow":
      return toJ(method.input, hello.workflow);
    case "CreateLaunchPlan":
      return toJ(method.input, hello.launchPlan);
    case "CreateExecution":
      return toJ(
        method.input,
        pyflyteRunRequest(launchPlanId(HELLO_WF, FUZZ.version, FUZZ.project, FUZZ.domain), { times: intLiteral(2) }),
      );
    case "RegisterProject":
      return toJ(
        ProjectRegisterRequestSchema,
        create(ProjectRegisterRequestSchema, { project: { id: "fuzzq", name: "fuzz q", description: "fuzzed" } }),
      );
    default:
      return undefined;
  }
}

/** The starting request of every method of `services`, keyed by `Service/Method`. */
export function validRequests(services: readonly DescService[]): Map<DescMethod, JsonObject> {
  const out = new Map<DescMethod, JsonObject>();
  for (const service of services) {
    for (const method of service.methods) {
      out.set(method, fixtureRequest(method) ?? fillMessage(method.input, method));
    }
  }
  return out;
}
