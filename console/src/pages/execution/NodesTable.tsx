/** The nodes of an execution as a virtualised tree table; a row opens the node's panel. */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import type { NodeExecution } from "../../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import { PhaseBadge } from "../../components/common.js";
import { elapsed, formatTime, nodePhaseName, phaseTone } from "../../lib/format.js";
import type { NodeRow } from "./node-tree.js";

const ROW_HEIGHT = 40;

export interface NodeLabels {
  /** node id -> what it runs (task or sub-workflow name) and its kind. */
  get(nodeId: string): { name: string; kind: string } | undefined;
}

export function NodesTable({
  rows,
  labels,
  expanded,
  toggle,
  selected,
  select,
}: {
  rows: NodeRow[];
  labels: NodeLabels;
  expanded: ReadonlySet<string>;
  toggle: (nodeId: string) => void;
  selected: string | undefined;
  select: (n: NodeExecution) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  if (rows.length === 0) return <p className="muted">No nodes have started yet.</p>;
  return (
    <div className="vtable nodes" role="treegrid" aria-label="Nodes" aria-rowcount={rows.length + 1}>
      <div role="rowgroup">
        <div role="row" className="vrow head node-cols">
          <span role="columnheader">Node</span>
          <span role="columnheader">Runs</span>
          <span role="columnheader">Phase</span>
          <span role="columnheader">Started</span>
          <span role="columnheader">Duration</span>
        </div>
      </div>
      <div ref={scroller} className="vbody" role="rowgroup">
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {v.getVirtualItems().map((item) => {
            const { node, depth, hasChildren } = rows[item.index] as NodeRow;
            const nodeId = node.id?.nodeId ?? "";
            const phase = nodePhaseName(node.closure?.phase ?? 0);
            const label = labels.get(node.metadata?.specNodeId || nodeId);
            const open = expanded.has(nodeId);
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                aria-level={depth + 1}
                aria-expanded={hasChildren ? open : undefined}
                aria-selected={selected === nodeId}
                className={`vrow node-cols${selected === nodeId ? " selected" : ""}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <span role="gridcell" style={{ paddingLeft: depth * 20 }} className="node-name">
                  {hasChildren ? (
                    <button
                      type="button"
                      className="twisty"
                      aria-label={`${open ? "Collapse" : "Expand"} ${nodeId}`}
                      onClick={() => toggle(nodeId)}
                    >
                      {open ? "▾" : "▸"}
                    </button>
                  ) : (
                    <span className="twisty" />
                  )}
                  <button type="button" className="link" onClick={() => select(node)} title={nodeId}>
                    {node.metadata?.specNodeId || nodeId}
                  </button>
                  {node.metadata?.retryGroup && node.metadata.retryGroup !== "0" && (
                    <span className="muted"> #{node.metadata.retryGroup}</span>
                  )}
                </span>
                <span role="gridcell" className="ellipsis" title={label?.name}>
                  {label ? (
                    <>
                      <span className="kind">{label.kind}</span> {label.name}
                    </>
                  ) : (
                    "—"
                  )}
                </span>
                <span role="gridcell" className={`tone-${phaseTone(phase)}`}>
                  <PhaseBadge phase={phase} />
                </span>
                <span role="gridcell">{formatTime(node.closure?.startedAt)}</span>
                <span role="gridcell">
                  {elapsed(node.closure?.startedAt, node.closure?.duration, phaseTone(phase) === "run")}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
