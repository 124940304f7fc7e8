/**
 * `flyte://v1/...` URLs (executions.md §4.4, transport-auth.md §4.4): the
 * addresses GetNodeExecutionData / GetTaskExecutionData hand out for inputs,
 * outputs and decks, and DataProxyService.GetData resolves.
 */
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../../errors/admin-error.js";
import { type FlyteURLs, FlyteURLsSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { NodeExecutionIdentifier, TaskExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";

function nodeBase(id: NodeExecutionIdentifier | undefined): string {
  const e = id?.executionId;
  return `flyte://v1/${e?.project ?? ""}/${e?.domain ?? ""}/${e?.name ?? ""}/${id?.nodeId ?? ""}`;
}

/** A node's URLs; the deck URL only when the node has a deck. */
export function nodeFlyteUrls(id: NodeExecutionIdentifier, hasDeck: boolean): FlyteURLs {
  const base = nodeBase(id);
  return create(FlyteURLsSchema, { inputs: `${base}/i`, outputs: `${base}/o`, deck: hasDeck ? `${base}/d` : "" });
}

/** A task attempt's URLs (no deck). */
export function taskFlyteUrls(id: TaskExecutionIdentifier): FlyteURLs {
  const base = `${nodeBase(id.nodeExecutionId)}/${id.retryAttempt}`;
  return create(FlyteURLsSchema, { inputs: `${base}/i`, outputs: `${base}/o` });
}

/** What a flyte URL names. */
export interface ParsedFlyteUrl {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly nodeId: string;
  /** Set for a task attempt's data. */
  readonly attempt: number | undefined;
  readonly ioType: "i" | "o" | "d";
  /** One literal of the map, "" for all. */
  readonly literalName: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Parses `flyte://v1/<project>/<domain>/<exec>/<node>[/<attempt>]/<i|o|d>[/<literal>]`
 * (a literal name only with i or o). Empty path segments are dropped first.
 * INVALID_ARGUMENT for anything else.
 */
export function parseFlyteUrl(url: string): ParsedFlyteUrl {
  if (url === "") throw invalid("source is required. Provided empty string");
  if (!url.startsWith("flyte://")) throw invalid("request does not start with the correct prefix");
  const parts = url
    .slice("flyte://".length)
    .split("/")
    .filter((p) => p !== "");
  const parsed = parts[0] === "v1" ? matchParts(parts.slice(1)) : undefined;
  if (parsed === undefined) {
    throw AdminError.invalidArgument(`failed to parse artifact url Error: failed to parse [${url}]`);
  }
  return parsed;
}

function invalid(reason: string): AdminError {
  return AdminError.invalidArgument(`failed to validate resolve artifact request. Error: ${reason}`);
}

function matchParts(parts: string[]): ParsedFlyteUrl | undefined {
  if (parts.length < 5 || parts.length > 7 || !parts.every((p) => SEGMENT.test(p))) return undefined;
  const [project, domain, name, nodeId, ...rest] = parts as [string, string, string, string, ...string[]];
  let attempt: number | undefined;
  if (rest.length > 0 && /^[0-9]+$/.test(rest[0] as string) && rest.length >= 2) {
    attempt = Number(rest.shift());
  }
  const [io, literalName = "", ...extra] = rest;
  if (extra.length > 0 || (io !== "i" && io !== "o" && io !== "d")) return undefined;
  if (io === "d" && literalName !== "") return undefined;
  return { project, domain, name, nodeId, attempt, ioType: io, literalName };
}
