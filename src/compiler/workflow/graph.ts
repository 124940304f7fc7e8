import { create } from "@bufbuild/protobuf";
import {
  type ConnectionSet,
  type ConnectionSet_IdList,
  ConnectionSetSchema,
} from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { type CompileError, cycleDetected, unreachableNodes } from "../errors.js";
import { compareStrings, putEntry } from "../order.js";

/** Which adjacency lists an edge goes into. Branch sub-nodes and the failure node only get upstream entries. */
export type EdgeDirection = "bidirectional" | "downstream" | "upstream";

/** Adjacency sets of one workflow: node id → the ids after it (downstream) or before it (upstream). */
export interface EdgeSets {
  readonly downstream: Map<string, Set<string>>;
  readonly upstream: Map<string, Set<string>>;
}

/** Empty adjacency sets. */
export function newEdgeSets(): EdgeSets {
  return { downstream: new Map(), upstream: new Map() };
}

function insert(sets: Map<string, Set<string>>, key: string, value: string): void {
  const set = sets.get(key);
  if (set === undefined) sets.set(key, new Set([value]));
  else set.add(value);
}

/**
 * Records that `dependent` runs after `provider` in the given direction(s). An empty provider is the start node,
 * as in a promise whose node id is `""`.
 */
export function addEdge(edges: EdgeSets, direction: EdgeDirection, provider: string, dependent: string): void {
  const from = provider === "" ? "start-node" : provider;
  if (direction !== "upstream") insert(edges.downstream, from, dependent);
  if (direction !== "downstream") insert(edges.upstream, dependent, from);
}

function sortedLists(sets: ReadonlyMap<string, Set<string>>): { [key: string]: ConnectionSet_IdList } {
  const out: { [key: string]: ConnectionSet_IdList } = {};
  for (const key of [...sets.keys()].sort(compareStrings)) {
    const ids = [...(sets.get(key) ?? [])].sort(compareStrings);
    // A message literal: `create` costs more than all the rest of this loop on large workflows.
    putEntry(out, key, { $typeName: "flyteidl.core.ConnectionSet.IdList", ids });
  }
  return out;
}

/** The compiled `ConnectionSet`: both maps keyed and listed in sorted order, so output bytes are stable. */
export function toConnectionSet(edges: EdgeSets): ConnectionSet {
  const connections = create(ConnectionSetSchema);
  connections.downstream = sortedLists(edges.downstream);
  connections.upstream = sortedLists(edges.upstream);
  return connections;
}

/**
 * Walks the downstream edges depth-first from `start` (neighbours in sorted order) and reports the first cycle met,
 * as `start>...>x>...>x`, or else the nodes of `all` it did not reach (other than `end`), sorted and comma-joined.
 * Iterative, so that long chains do not exhaust the stack.
 */
export function checkReachability(
  downstream: (id: string) => readonly string[] | undefined,
  all: Iterable<string>,
  start: string,
  end: string,
): CompileError | undefined {
  const visited = new Set<string>([start]);
  const onPath = new Set<string>([start]);
  const path: string[] = [start];
  const cursors: number[] = [0];
  while (path.length > 0) {
    const top = path[path.length - 1];
    const next = downstream(top)?.[cursors[cursors.length - 1]++];
    if (next === undefined) {
      onPath.delete(top);
      path.pop();
      cursors.pop();
    } else if (onPath.has(next)) {
      return cycleDetected(start, [...path, next].join(">"));
    } else if (!visited.has(next)) {
      visited.add(next);
      onPath.add(next);
      path.push(next);
      cursors.push(0);
    }
  }
  const unreachable = [...all].filter((id) => id !== end && !visited.has(id)).sort(compareStrings);
  return unreachable.length > 0 ? unreachableNodes(start, unreachable.join(",")) : undefined;
}
