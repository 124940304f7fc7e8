/** Rows of `resources` (matchable attributes) to and from admin.MatchingAttributes. */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Selectable } from "kysely";
import { AdminError } from "../../errors/admin-error.js";
import {
  type MatchingAttributes,
  MatchingAttributesSchema,
} from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { ResourcesTable } from "../schema.js";

export type ResourceRow = Selectable<ResourcesTable>;

/** What identifies a row (FlyteAdmin's ResourceID); empty strings mean "any" at that level. */
export interface ResourceKey {
  readonly project: string;
  readonly domain: string;
  readonly workflow: string;
  readonly launchPlan: string;
  /** The MatchableResource enum name, e.g. `TASK_RESOURCE`. */
  readonly resourceType: string;
}

/** The stored attributes bytes for a message. */
export function attributesColumn(attributes: MatchingAttributes, codec: ValueCodec) {
  return codec.bytes(toBinary(MatchingAttributesSchema, attributes));
}

/** The attributes of a row; INTERNAL when the stored bytes do not decode, as FlyteAdmin reports it. */
export function attributesFromRow(row: ResourceRow): MatchingAttributes {
  try {
    return fromBinary(MatchingAttributesSchema, row.attributes);
  } catch (e) {
    throw AdminError.internal(`Failed to decode resource attribute with err: ${(e as Error).message}`);
  }
}

/** Go's `%+v` of FlyteAdmin's ResourceID, which its NOT_FOUND messages print. */
export function resourceKeyText(k: ResourceKey): string {
  return `{Project:${k.project} Domain:${k.domain} Workflow:${k.workflow} LaunchPlan:${k.launchPlan} ResourceType:${k.resourceType}}`;
}
