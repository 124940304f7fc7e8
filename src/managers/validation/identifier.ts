/**
 * Identifier rules shared by tasks, workflows, launch plans, named entities
 * and description entities (entities.md §1), with FlyteAdmin's messages.
 */
import { create } from "@bufbuild/protobuf";
import { identifierText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { NamedEntityIdentifier } from "../../proto/gen/flyteidl/admin/common_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";

/** The key of a versioned entity row. */
export interface EntityKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
}

/** Lower-cased enum name, as Go's `strings.ToLower(rt.String())`; unnamed values print as numbers. */
function resourceTypeWord(rt: ResourceType): string {
  return (ResourceType[rt] ?? String(rt)).toLowerCase();
}

/** `missing project` / `missing domain` / `missing name` / `missing version`, in that order. */
export function requireIdentifierFields(id: Identifier | undefined): asserts id is Identifier {
  if (!id) throw AdminError.missing("id");
  requireNonEmpty(id.project, "project");
  requireNonEmpty(id.domain, "domain");
  requireNonEmpty(id.name, "name");
  requireNonEmpty(id.version, "version");
}

/** ValidateIdentifier: present, of the expected resource type, every key field set. */
export function validateIdentifier(id: Identifier | undefined, expected: ResourceType): asserts id is Identifier {
  if (!id) throw AdminError.missing("id");
  if (id.resourceType !== expected) {
    throw AdminError.invalidArgument(
      `unexpected resource type ${resourceTypeWord(id.resourceType)} for identifier [${identifierText(id)}], expected ${resourceTypeWord(expected)} instead`,
    );
  }
  requireIdentifierFields(id);
}

/** ValidateNamedEntityIdentifier: present, project, domain and name set. */
export function validateNamedEntityIdentifier(
  id: NamedEntityIdentifier | undefined,
): asserts id is NamedEntityIdentifier {
  if (!id) throw AdminError.missing("id");
  requireNonEmpty(id.project, "project");
  requireNonEmpty(id.domain, "domain");
  requireNonEmpty(id.name, "name");
}

/** ValidateResourceType: UNSPECIFIED and values without an enum name are invalid. */
export function validateResourceType(rt: ResourceType): void {
  if (rt === ResourceType.UNSPECIFIED || ResourceType[rt] === undefined) throw AdminError.invalidValue("resource_type");
}

/** `missing <field>` when the value is empty. */
export function requireNonEmpty(value: string, field: string): void {
  if (value === "") throw AdminError.missing(field);
}

/** The row key of an identifier. */
export function entityKey(id: Identifier): EntityKey {
  return { project: id.project, domain: id.domain, name: id.name, version: id.version };
}

/** An identifier of the given type for a row key (org and other fields dropped, as FlyteAdmin rebuilds it). */
export function identifierOf(resourceType: ResourceType, key: EntityKey): Identifier {
  return create(IdentifierSchema, {
    resourceType,
    project: key.project,
    domain: key.domain,
    name: key.name,
    version: key.version,
  });
}

/** The repository's NOT_FOUND: `missing entity of type TASK with identifier project:"p" domain:"d" ...`. */
export function missingEntityError(resourceType: ResourceType, key: EntityKey): AdminError {
  const text = identifierText(identifierOf(ResourceType.UNSPECIFIED, key));
  return AdminError.notFound(`missing entity of type ${ResourceType[resourceType]} with identifier ${text}`);
}
