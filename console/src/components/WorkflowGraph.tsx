/**
 * Draws a graph model with @xyflow/react, laid out left to right by dagre;
 * boxes are coloured by the phase of their node execution when one is given.
 * Loaded on demand (its own chunk): lists and tables do not pay for it.
 */
import dagre from "@dagrejs/dagre";
import { Background, Controls, type Edge, type Node, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { phaseTone } from "../lib/format.js";
import type { GraphModel } from "../lib/graph-model.js";

const W = 190;
const H = 58;
/** Above this many boxes the graph is drawn from its start at a readable zoom rather than fitted whole. */
const BIG = 150;

export function WorkflowGraph({
  model,
  phases,
  onSelect,
  label,
}: {
  model: GraphModel;
  /** graph box id -> phase name */
  phases?: ReadonlyMap<string, string>;
  onSelect?: (nodeId: string) => void;
  label: string;
}) {
  const { nodes, edges } = useMemo(() => layout(model, phases), [model, phases]);
  const big = model.boxes.length > BIG;
  if (model.boxes.length === 0) return <p className="muted">No graph: the compiled workflow is not available.</p>;
  return (
    <div className="graph" role="figure" aria-label={label}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        // A big graph opens at its start, drawing only what is in view; a small one fits the view.
        fitView={!big}
        defaultViewport={big ? { x: 16, y: 16, zoom: 0.8 } : undefined}
        onlyRenderVisibleElements={big}
        minZoom={0.1}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_e, n) => onSelect?.(String(n.id))}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      <ul className="sr-only" aria-label={`${label}: nodes`}>
        {model.boxes.map((b) => (
          <li key={b.id}>
            {b.label} ({b.kind}
            {b.detail ? ` ${b.detail}` : ""}){phases?.get(b.id) ? `: ${phases.get(b.id)}` : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}

function layout(model: GraphModel, phases: ReadonlyMap<string, string> | undefined): { nodes: Node[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of model.boxes) g.setNode(b.id, { width: W, height: H });
  for (const a of model.arrows) if (g.hasNode(a.from) && g.hasNode(a.to)) g.setEdge(a.from, a.to);
  dagre.layout(g);
  const nodes: Node[] = model.boxes.map((b) => {
    const p = g.node(b.id);
    const phase = phases?.get(b.id);
    return {
      id: b.id,
      position: { x: (p?.x ?? 0) - W / 2, y: (p?.y ?? 0) - H / 2 },
      data: {
        label: (
          <div className="gnode">
            <strong>{b.label}</strong>
            <span>
              {b.kind}
              {b.detail ? ` · ${b.detail}` : ""}
            </span>
            {phase && <span className="gphase">{phase}</span>}
          </div>
        ),
      },
      className: `gbox kind-${b.kind.replace(/\s/g, "-")} tone-${phase ? phaseTone(phase) : "none"}${b.parent ? " nested" : ""}`,
      style: { width: W, height: H },
      sourcePosition: "right" as Node["sourcePosition"],
      targetPosition: "left" as Node["targetPosition"],
    };
  });
  const edges: Edge[] = model.arrows.map((a, i) => ({
    id: `e${i}`,
    source: a.from,
    target: a.to,
    label: a.label,
    animated: phases?.get(a.to) === "RUNNING",
  }));
  return { nodes, edges };
}
