/** Rows of `description_entities` to and from admin.DescriptionEntity. */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Insertable, Selectable } from "kysely";
import {
  type DescriptionEntity,
  DescriptionEntitySchema,
  DescriptionSchema,
  SourceCodeSchema,
} from "../../proto/gen/flyteidl/admin/description_entity_pb.js";
import { IdentifierSchema, type ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { DescriptionEntitiesTable } from "../schema.js";
import type { VersionKey } from "./versioned-entities.js";

export type DescriptionEntityRow = Selectable<DescriptionEntitiesTable>;

/** The row for a task's or workflow's description; `tags` are not stored (as in FlyteAdmin). */
export function descriptionEntityColumns(
  resourceType: ResourceType,
  key: VersionKey,
  d: DescriptionEntity,
  codec: ValueCodec,
  now: number,
): Insertable<DescriptionEntitiesTable> {
  return {
    resource_type: resourceType,
    project: key.project,
    domain: key.domain,
    name: key.name,
    version: key.version,
    short_description: d.shortDescription,
    long_description: codec.bytes(
      d.longDescription ? toBinary(DescriptionSchema, d.longDescription) : new Uint8Array(),
    ),
    link: d.sourceCode?.link ?? "",
    created_at: codec.time(now),
    updated_at: codec.time(now),
  };
}

/** The message for a row: long description and source code are always present. */
export function descriptionEntityFromRow(row: DescriptionEntityRow): DescriptionEntity {
  return create(DescriptionEntitySchema, {
    id: create(IdentifierSchema, {
      resourceType: row.resource_type,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    shortDescription: row.short_description,
    longDescription: fromBinary(DescriptionSchema, row.long_description),
    sourceCode: create(SourceCodeSchema, { link: row.link }),
  });
}
