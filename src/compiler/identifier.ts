import { type Identifier, ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { compareStrings } from "./order.js";
import { goQuote } from "./text-format.js";

const encoder = new TextEncoder();

function quoted(s: string): string {
  // Plain printable ASCII needs no escaping; this fast path keeps identifier keys cheap on large workflows.
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s) ? `"${s}"` : goQuote(encoder.encode(s));
}

/**
 * The Go compact text form of an Identifier, e.g. `resource_type:TASK project:"p" domain:"d" name:"n" version:"v"`:
 * fields in proto order, defaults omitted. FlytePropeller keys tasks, launch plans and sub-workflows by this text,
 * so two ids match only when every field (resource type and org included) matches.
 */
export function identifierText(id: Identifier | undefined): string {
  if (id === undefined) return "<nil>";
  const parts: string[] = [];
  if (id.resourceType !== ResourceType.UNSPECIFIED) {
    parts.push(`resource_type:${ResourceType[id.resourceType] ?? id.resourceType}`);
  }
  if (id.project !== "") parts.push(`project:${quoted(id.project)}`);
  if (id.domain !== "") parts.push(`domain:${quoted(id.domain)}`);
  if (id.name !== "") parts.push(`name:${quoted(id.name)}`);
  if (id.version !== "") parts.push(`version:${quoted(id.version)}`);
  if (id.org !== "") parts.push(`org:${quoted(id.org)}`);
  return parts.join(" ");
}

/**
 * Orders identifiers as the compiler lists requirements: by resource type, project, domain, name, version; org and
 * then the full text break ties that Go leaves to map order.
 */
export function compareIdentifiers(a: Identifier, b: Identifier): number {
  return (
    a.resourceType - b.resourceType ||
    compareStrings(a.project, b.project) ||
    compareStrings(a.domain, b.domain) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.version, b.version) ||
    compareStrings(a.org, b.org) ||
    compareStrings(identifierText(a), identifierText(b))
  );
}
