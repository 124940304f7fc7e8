/**
 * Rows of `workflows` to and from admin.Workflow. The compiled closure lives
 * in the blob store; the row keeps the request's interface and the closure's
 * reference.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Insertable, Selectable } from "kysely";
import { microsToTimestamp } from "../../common/time.js";
import {
  type Workflow,
  type WorkflowClosure,
  WorkflowClosureSchema,
  WorkflowSchema,
} from "../../proto/gen/flyteidl/admin/workflow_pb.js";
import { IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type TypedInterface, TypedInterfaceSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { WorkflowsTable } from "../schema.js";
import type { VersionKey } from "./versioned-entities.js";

export type WorkflowRow = Selectable<WorkflowsTable>;

/** The row for a registered workflow. */
export function workflowColumns(
  key: VersionKey,
  typedInterface: TypedInterface | undefined,
  closureRef: string,
  digest: Uint8Array,
  shortDescription: string,
  codec: ValueCodec,
  now: number,
): Insertable<WorkflowsTable> {
  return {
    project: key.project,
    domain: key.domain,
    name: key.name,
    version: key.version,
    typed_interface: codec.bytes(typedInterface ? toBinary(TypedInterfaceSchema, typedInterface) : new Uint8Array()),
    remote_closure_identifier: closureRef,
    digest: codec.bytes(digest),
    short_description: shortDescription,
    created_at: codec.time(now),
    updated_at: codec.time(now),
  };
}

/** The interface stored in the row (the registration request's, not the compiled one). */
export function workflowInterfaceOf(row: WorkflowRow): TypedInterface {
  return fromBinary(TypedInterfaceSchema, row.typed_interface);
}

/**
 * The message for a row. Without `closure` (lists), the closure holds only the
 * creation time and the interface, as FlyteAdmin's lists return it; with the
 * offloaded closure (GetWorkflow), the row's creation time replaces the stored one.
 */
export function workflowFromRow(row: WorkflowRow, codec: ValueCodec, closure?: WorkflowClosure): Workflow {
  const createdAt = microsToTimestamp(codec.micros(row.created_at));
  const full =
    closure ??
    create(WorkflowClosureSchema, {
      compiledWorkflow: { primary: { template: { interface: workflowInterfaceOf(row) } } },
    });
  full.createdAt = createdAt;
  return create(WorkflowSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.WORKFLOW,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    closure: full,
    shortDescription: row.short_description,
  });
}
