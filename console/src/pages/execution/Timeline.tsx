/** Nodes as bars on a time axis from the execution's start; virtualised like the table. */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import type { NodeExecution } from "../../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import { durationMs, formatMs, nodePhaseName, phaseTone, timestampMs } from "../../lib/format.js";
import type { NodeRow } from "./node-tree.js";

const ROW = 30;

export function Timeline({
  rows,
  start,
  end,
  select,
}: {
  rows: NodeRow[];
  start: number | undefined;
  /** When the execution ended (undefined while it runs): the axis ends there, not at a rounded second. */
  end: number | undefined;
  select: (n: NodeExecution) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const now = Date.now();
  const spans = rows.map(({ node }) => {
    const s = timestampMs(node.closure?.startedAt);
    const d = durationMs(node.closure?.duration);
    const phase = nodePhaseName(node.closure?.phase ?? 0);
    const end = s === undefined ? undefined : d && d > 0 ? s + d : phaseTone(phase) === "run" ? now : s;
    return { s, end, phase };
  });
  const t0 = start ?? Math.min(...spans.map((x) => x.s ?? Number.POSITIVE_INFINITY));
  const t1 = Math.max(t0 + 1, end ?? 0, ...spans.map((x) => x.end ?? 0));
  const total = t1 - t0;
  if (rows.length === 0) return <p className="muted">No nodes have started yet.</p>;
  return (
    <div className="timeline">
      <div className="axis" aria-hidden="true">
        <span>0s</span>
        <span>{formatMs(total / 2)}</span>
        <span>{formatMs(total)}</span>
      </div>
      <div ref={scroller} className="vbody" role="list" aria-label="Timeline of nodes">
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {v.getVirtualItems().map((item) => {
            const { node, depth } = rows[item.index] as NodeRow;
            const span = spans[item.index] as (typeof spans)[number];
            const left = span.s === undefined ? 0 : ((span.s - t0) / total) * 100;
            const width =
              span.s === undefined || span.end === undefined ? 0 : Math.max(0.5, ((span.end - span.s) / total) * 100);
            const name = node.metadata?.specNodeId || node.id?.nodeId || "";
            return (
              <div
                key={item.key}
                role="listitem"
                className="trow"
                style={{ transform: `translateY(${item.start}px)`, height: ROW }}
              >
                <button
                  type="button"
                  className="link tname"
                  style={{ paddingLeft: 12 + depth * 14 }}
                  onClick={() => select(node)}
                >
                  {name}
                </button>
                <div className="ttrack">
                  <div
                    className={`tbar tone-${phaseTone(span.phase)}`}
                    style={{ left: `${left}%`, width: `${width}%` }}
                    title={`${name}: ${span.phase}, ${span.end && span.s ? formatMs(span.end - span.s) : "not started"}`}
                  />
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
