/**
 * An execution's node executions as a tree: the top level read in pages of
 * 500 (ListNodeExecutions with its token), the children of each expanded
 * parent (sub-workflows, dynamic nodes, branches, array sub-tasks) read with
 * `unique_parent_id`, all refreshed every second while the execution runs,
 * and flattened into the rows a virtualised table shows.
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { NodeExecution } from "../../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import { api } from "../../api/admin.js";

export interface NodeRow {
  readonly node: NodeExecution;
  readonly depth: number;
  readonly hasChildren: boolean;
  /** The graph box id of this node: its spec id below its parents' (`inner/s0`). */
  readonly path: string;
}

const HIDDEN = new Set(["start-node", "end-node"]);

async function allNodes(id: WorkflowExecutionIdentifier, parent?: string): Promise<NodeExecution[]> {
  const out: NodeExecution[] = [];
  let token = "";
  for (let i = 0; i < 1000; i++) {
    const page = await api.nodeExecutions(id, {
      limit: 500,
      token,
      parent,
      sortKey: "created_at",
      sortDirection: "ASCENDING",
    });
    out.push(...page.nodeExecutions);
    if (!page.token) break;
    token = page.token;
  }
  return out;
}

export const nodeKey = (n: NodeExecution): string =>
  n.metadata?.retryGroup ? `${n.id?.nodeId}#${n.metadata.retryGroup}` : (n.id?.nodeId ?? "");

/** The top-level nodes and the open parents' children; `live` polls every second. */
export function useNodeTree(
  id: WorkflowExecutionIdentifier,
  live: boolean,
  phaseKey: number,
  expanded: ReadonlySet<string>,
) {
  const top = useQuery({
    queryKey: ["nodes", id.project, id.domain, id.name, "", phaseKey],
    queryFn: () => allNodes(id),
    refetchInterval: live ? 1000 : false,
  });
  const open = [...expanded];
  const children = useQueries({
    queries: open.map((parent) => ({
      queryKey: ["nodes", id.project, id.domain, id.name, parent, phaseKey],
      queryFn: () => allNodes(id, parent),
      refetchInterval: live ? 1000 : (false as const),
    })),
  });
  const childData = children.map((c) => c.data);
  const childStamp = children.map((c) => c.dataUpdatedAt).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: childStamp changes whenever any child list is refetched.
  const rows = useMemo(() => {
    const byParent = new Map<string, NodeExecution[]>();
    open.forEach((p, i) => {
      const data = childData[i];
      if (data) byParent.set(p, data);
    });
    const flat: NodeRow[] = [];
    const walk = (nodes: NodeExecution[], depth: number, prefix: string) => {
      for (const n of nodes) {
        const nodeId = n.id?.nodeId ?? "";
        if (HIDDEN.has(nodeId) || HIDDEN.has(n.metadata?.specNodeId ?? "")) continue;
        const hasChildren = n.metadata?.isParentNode ?? false;
        const path = `${prefix}${n.metadata?.specNodeId || nodeId}`;
        flat.push({ node: n, depth, hasChildren, path });
        const kids = hasChildren && expanded.has(nodeId) ? byParent.get(nodeId) : undefined;
        if (kids) walk(kids, depth + 1, `${path}/`);
      }
    };
    walk(top.data ?? [], 0, "");
    return flat;
  }, [top.data, expanded, childStamp]);
  return { rows, top };
}
