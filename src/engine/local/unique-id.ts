/**
 * Node and execution ids as FlytePropeller derives them, so that the ids a
 * reader sees (node executions of sub-workflows, branches, dynamic nodes;
 * child executions of launch plan nodes) are the ones FlytePropeller would
 * report: parts joined with `-`, and when longer than the limit, `f` plus the
 * base32 of an FNV-1a hash (flyteplugins' `encoding.FixedLengthUniqueIDForParts`).
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz123456";
/** FlytePropeller's limit on unique node ids. */
export const MAX_UNIQUE_ID_LENGTH = 20;

/** Which FNV-1a width hashes an id that is too long. */
export type HashWidth = 32 | 64;

function fnv1a32(bytes: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, h);
  return out;
}

function fnv1a64(bytes: Uint8Array): Uint8Array {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, h);
  return out;
}

/** Base32 without padding over flyteplugins' lower-case alphabet. */
export function base32Flyte(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** `id` itself when short enough, else `f` + base32(FNV-1a(id)). */
export function fixedLengthUniqueId(id: string, maxLength: number, width: HashWidth = 32): string {
  if (id.length <= maxLength) return id;
  const bytes = new TextEncoder().encode(id);
  const hashed = `f${base32Flyte(width === 64 ? fnv1a64(bytes) : fnv1a32(bytes))}`;
  if (hashed.length > maxLength) {
    throw new Error("max Length is too small, cannot create an encoded string that is so small");
  }
  return hashed;
}

/** Joins the parts with `-` (skipping the separator while nothing was written yet), then shortens. */
export function fixedLengthUniqueIdForParts(
  maxLength: number,
  parts: readonly string[],
  width: HashWidth = 32,
): string {
  let joined = "";
  parts.forEach((p, i) => {
    if (i > 0 && joined.length > 0) joined += "-";
    joined += p;
  });
  return fixedLengthUniqueId(joined, maxLength, width);
}

/** Where a node sits: the unique id of its parent node and that parent's attempt. */
export interface ParentInfo {
  readonly uniqueId: string;
  readonly attempt: number;
  /** Set below a dynamic node: events carry `is_in_dynamic_chain`. */
  readonly inDynamicChain: boolean;
}

/** The node id FlytePropeller reports for `nodeId` under `parent` (top-level nodes keep their id). */
export function uniqueNodeId(parent: ParentInfo | undefined, nodeId: string): string {
  return fixedLengthUniqueIdForParts(MAX_UNIQUE_ID_LENGTH, [
    parent?.uniqueId ?? "",
    parent ? String(parent.attempt) : "",
    nodeId,
  ]);
}

/** The parent info for the children of `nodeId` (sub-workflow, branch, dynamic or array node). */
export function childParentInfo(
  parent: ParentInfo | undefined,
  nodeId: string,
  attempt: number,
  dynamic: boolean,
): ParentInfo {
  return {
    uniqueId: uniqueNodeId(parent, nodeId),
    attempt,
    inDynamicChain: dynamic || (parent?.inDynamicChain ?? false),
  };
}

/** The name of the execution a launch plan node starts (FlytePropeller's `GetChildWorkflowExecutionIDV2`). */
export function childExecutionName(parentExecutionName: string, uniqueNodeIdOfNode: string, attempt: number): string {
  return fixedLengthUniqueIdForParts(
    MAX_UNIQUE_ID_LENGTH,
    [parentExecutionName, uniqueNodeIdOfNode, String(attempt)],
    64,
  );
}
