/**
 * One execution: phase, times, who launched it, inputs and outputs; its nodes
 * as a tree table, a graph coloured by phase and a timeline; a node's panel;
 * actions (terminate, relaunch, recover, signals, launch again). While it runs
 * every part polls once a second.
 */
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ExecutionMetadata_ExecutionMode } from "../../../src/proto/gen/flyteidl/admin/execution_pb.js";
import type { NodeExecution } from "../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import type { CompiledWorkflowClosure } from "../../../src/proto/gen/flyteidl/core/compiler_pb.js";
import { WorkflowExecution_Phase } from "../../../src/proto/gen/flyteidl/core/execution_pb.js";
import { api } from "../api/admin.js";
import { ErrorBox, Fields, PhaseBadge, Tabs } from "../components/common.js";
import { LaunchForm } from "../components/LaunchForm.js";
import { LiteralTable } from "../components/LiteralTable.js";
import {
  durationMs,
  elapsed,
  executionPhaseName,
  formatTime,
  isTerminalExecution,
  nodePhaseName,
  timestampMs,
} from "../lib/format.js";
import { graphModel, nodeTarget } from "../lib/graph-model.js";
import { ErrorDetails, NodePanel } from "./execution/NodePanel.js";
import { NodesTable } from "./execution/NodesTable.js";
import { nodeKey, useNodeTree } from "./execution/node-tree.js";
import { Signals } from "./execution/Signals.js";
import { Timeline } from "./execution/Timeline.js";

const WorkflowGraph = lazy(() => import("../components/WorkflowGraph.js").then((m) => ({ default: m.WorkflowGraph })));

type Tab = "nodes" | "graph" | "timeline" | "io";

export function ExecutionPage() {
  const { project = "", domain = "", name = "" } = useParams();
  // A new execution (after Relaunch, say) starts from fresh state: no open panel, form or expanded rows.
  return <ExecutionView key={`${project}/${domain}/${name}`} project={project} domain={domain} name={name} />;
}

function ExecutionView({ project, domain, name }: { project: string; domain: string; name: string }) {
  const id = useMemo(() => ({ project, domain, name, org: "" }), [project, domain, name]);
  const [search, setSearch] = useSearchParams();
  const tab = (search.get("tab") as Tab | null) ?? "nodes";
  const setTab = (t: Tab) => {
    const next = new URLSearchParams(search);
    next.set("tab", t);
    setSearch(next, { replace: true });
  };
  const execution = useQuery({
    queryKey: ["execution", project, domain, name],
    queryFn: () => api.execution(id as never),
    refetchInterval: (q) => (q.state.data && isTerminalExecution(q.state.data.closure?.phase ?? 0) ? false : 1000),
  });
  const e = execution.data;
  const phase = e?.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
  const live = !!e && !isTerminalExecution(phase);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((nodeId: string) => {
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(nodeId)) next.delete(nodeId);
      else next.add(nodeId);
      return next;
    });
  }, []);
  const { rows, top } = useNodeTree(id as never, live, phase, expanded);
  const selectedId = search.get("node") ?? undefined;
  const selected = rows.find((r) => r.node.id?.nodeId === selectedId)?.node;
  const select = (n: NodeExecution | string | undefined) => {
    const next = new URLSearchParams(search);
    const nodeId = typeof n === "string" ? n : n?.id?.nodeId;
    if (nodeId) next.set("node", nodeId);
    else next.delete("node");
    setSearch(next, { replace: true });
  };
  const workflowId = e?.closure?.workflowId;
  const workflow = useQuery({
    queryKey: ["workflow", workflowId?.project, workflowId?.domain, workflowId?.name, workflowId?.version],
    queryFn: () => api.workflow(workflowId!),
    enabled: !!workflowId,
    staleTime: Number.POSITIVE_INFINITY,
  });
  // A dynamic node's generated workflow is in its node execution data; fetched for the graph only.
  const dynamicNodes = useMemo(() => rows.filter((r) => r.depth === 0 && r.node.metadata?.isDynamic), [rows]);
  const generated = useQueries({
    queries: dynamicNodes.map(({ node }) => ({
      queryKey: ["node-data", node.id?.executionId?.name, node.id?.nodeId, node.closure?.phase],
      queryFn: () => api.nodeExecutionData(node.id as NonNullable<typeof node.id>),
      enabled: tab === "graph" && !!node.id,
    })),
  });
  const generatedAt = generated.map((g) => g.dataUpdatedAt).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the results change with generatedAt, not with identity
  const dynamic = useMemo(() => {
    const m = new Map<string, CompiledWorkflowClosure>();
    dynamicNodes.forEach((r, i) => {
      const compiled = generated[i]?.data?.dynamicWorkflow?.compiledWorkflow;
      if (compiled) m.set(r.path, compiled);
    });
    return m;
  }, [dynamicNodes, generatedAt]);
  const model = useMemo(() => graphModel(workflow.data?.closure?.compiledWorkflow, dynamic), [workflow.data, dynamic]);
  const labels = useMemo(() => {
    const m = new Map<string, { name: string; kind: string }>();
    const compiled = workflow.data?.closure?.compiledWorkflow;
    // Sub-workflows' nodes too (children rows are labelled by their spec node id); the primary's win.
    for (const wf of [...(compiled?.subWorkflows ?? []), compiled?.primary]) {
      for (const n of wf?.template?.nodes ?? []) {
        const t = nodeTarget(n);
        m.set(n.id, { name: t.name, kind: t.kind });
      }
    }
    return m;
  }, [workflow.data]);
  const phases = useMemo(() => {
    const m = new Map<string, string>();
    for (const r of rows) m.set(r.path, nodePhaseName(r.node.closure?.phase ?? 0));
    if (e) {
      m.set("start-node", "SUCCEEDED");
      if (phase === WorkflowExecution_Phase.SUCCEEDED) m.set("end-node", "SUCCEEDED");
    }
    return m;
  }, [rows, e, phase]);

  if (execution.error) return <ErrorBox error={execution.error} title={`Execution ${name}`} />;
  if (!e) return <p className="loading">Loading…</p>;
  const lp = e.spec?.launchPlan;
  const error = e.closure?.outputResult.case === "error" ? e.closure.outputResult.value : undefined;
  const abort = e.closure?.outputResult.case === "abortMetadata" ? e.closure.outputResult.value : undefined;
  return (
    <div className={`execution-page${selected ? " with-panel" : ""}`}>
      <section>
        <nav aria-label="Breadcrumb" className="crumbs">
          <Link to={`/projects/${project}/domains/${domain}/executions`}>
            {project} / {domain}
          </Link>{" "}
          / executions
        </nav>
        <header className="page-head">
          <h1>
            {name} <PhaseBadge phase={executionPhaseName(phase)} />
          </h1>
          <Actions execution={e} />
        </header>
        <Fields
          items={[
            [
              "Launch plan",
              lp ? (
                <Link
                  key="lp"
                  to={`/projects/${lp.project}/domains/${lp.domain}/launch_plans/${encodeURIComponent(lp.name)}`}
                >
                  {lp.name}
                </Link>
              ) : (
                "—"
              ),
            ],
            [
              "Workflow",
              workflowId ? (
                <Link
                  key="wf"
                  to={`/projects/${workflowId.project}/domains/${workflowId.domain}/workflows/${encodeURIComponent(workflowId.name)}`}
                >
                  {workflowId.name}
                </Link>
              ) : (
                "—"
              ),
            ],
            ["Version", lp?.version ?? "—"],
            ["Created", formatTime(e.closure?.createdAt)],
            ["Started", formatTime(e.closure?.startedAt)],
            ["Duration", elapsed(e.closure?.startedAt, e.closure?.duration, live)],
            ["Launched by", e.spec?.metadata?.principal || "—"],
            ["Mode", ExecutionMetadata_ExecutionMode[e.spec?.metadata?.mode ?? 0] ?? "—"],
            [
              "Source",
              e.spec?.metadata?.referenceExecution?.name ? (
                <Link
                  key="src"
                  to={`/projects/${project}/domains/${domain}/executions/${e.spec.metadata.referenceExecution.name}`}
                >
                  {e.spec.metadata.referenceExecution.name}
                </Link>
              ) : (
                "—"
              ),
            ],
          ]}
        />
        <ErrorDetails error={error} />
        {abort && (
          <p className="notice">
            Aborted{abort.principal ? ` by ${abort.principal}` : ""}: {abort.cause}
          </p>
        )}
        {live && <Signals id={id as never} />}
        <Tabs
          label="Execution views"
          value={tab}
          onChange={setTab}
          tabs={[
            { id: "nodes", label: "Nodes" },
            { id: "graph", label: "Graph" },
            { id: "timeline", label: "Timeline" },
            { id: "io", label: "Inputs & outputs" },
          ]}
        >
          <ErrorBox error={top.error} />
          {tab === "nodes" && (
            <NodesTable
              rows={rows}
              labels={labels}
              expanded={expanded}
              toggle={toggle}
              selected={selectedId}
              select={select}
            />
          )}
          {tab === "graph" && (
            <Suspense fallback={<p className="loading">Loading graph…</p>}>
              <WorkflowGraph
                model={model}
                phases={phases}
                label={`Graph of ${workflowId?.name ?? "the workflow"}`}
                onSelect={(boxId) => {
                  const row = rows.find((r) => r.path === boxId);
                  if (row) select(row.node);
                }}
              />
            </Suspense>
          )}
          {tab === "timeline" && (
            <Timeline
              rows={rows}
              start={timestampMs(e.closure?.startedAt)}
              end={live ? undefined : endedAt(e.closure?.startedAt, e.closure?.duration)}
              select={select}
            />
          )}
          {tab === "io" && <ExecutionData id={id} phase={phase} />}
        </Tabs>
      </section>
      {selected && <NodePanel key={nodeKey(selected)} node={selected} live={live} onClose={() => select(undefined)} />}
    </div>
  );
}

function ExecutionData({ id, phase }: { id: { project: string; domain: string; name: string }; phase: number }) {
  const data = useQuery({
    queryKey: ["execution-data", id.name, phase],
    queryFn: () => api.executionData(id as never),
  });
  if (data.error) return <ErrorBox error={data.error} />;
  if (!data.data) return <p className="loading">Loading…</p>;
  return (
    <div className="io">
      <h2>Inputs</h2>
      <LiteralTable label="Inputs" map={data.data.fullInputs} blob={data.data.inputs} />
      <h2>Outputs</h2>
      <LiteralTable label="Outputs" map={data.data.fullOutputs} blob={data.data.outputs} />
    </div>
  );
}

function Actions({
  execution,
}: {
  execution: NonNullable<ReturnType<typeof useQuery<Awaited<ReturnType<typeof api.execution>>>>["data"]>;
}) {
  const id = execution.id!;
  const phase = execution.closure?.phase ?? 0;
  const navigate = useNavigate();
  const client = useQueryClient();
  const [terminating, setTerminating] = useState(false);
  const [cause, setCause] = useState("terminated from the console");
  const [launchAgain, setLaunchAgain] = useState(false);
  const open = (created: { id?: { project: string; domain: string; name: string } }) => {
    const n = created.id!;
    navigate(`/projects/${n.project}/domains/${n.domain}/executions/${n.name}`);
  };
  const relaunch = useMutation({ mutationFn: () => api.relaunch(id), onSuccess: open });
  const recover = useMutation({ mutationFn: () => api.recover(id), onSuccess: open });
  const terminate = useMutation({
    mutationFn: () => api.terminate(id, cause),
    onSuccess: () => {
      setTerminating(false);
      void client.invalidateQueries({ queryKey: ["execution", id.project, id.domain, id.name] });
    },
  });
  const inputs = useQuery({
    queryKey: ["execution-data", id.name, "inputs"],
    queryFn: () => api.executionData(id),
    enabled: launchAgain,
  });
  const running = !isTerminalExecution(phase);
  const failed =
    phase === WorkflowExecution_Phase.FAILED ||
    phase === WorkflowExecution_Phase.TIMED_OUT ||
    phase === WorkflowExecution_Phase.ABORTED;
  return (
    <div className="actions" role="group" aria-label="Execution actions">
      {running && !terminating && (
        <button type="button" className="danger" onClick={() => setTerminating(true)}>
          Terminate
        </button>
      )}
      {running && terminating && (
        <form
          className="inline"
          onSubmit={(ev) => {
            ev.preventDefault();
            terminate.mutate();
          }}
        >
          <label>
            Cause <input value={cause} onChange={(ev) => setCause(ev.target.value)} />
          </label>
          <button type="submit" className="danger" disabled={terminate.isPending}>
            Confirm terminate
          </button>
          <button type="button" onClick={() => setTerminating(false)}>
            Cancel
          </button>
        </form>
      )}
      <button type="button" onClick={() => relaunch.mutate()} disabled={relaunch.isPending}>
        Relaunch
      </button>
      {failed && (
        <button type="button" onClick={() => recover.mutate()} disabled={recover.isPending}>
          Recover
        </button>
      )}
      {execution.spec?.launchPlan && (
        <button type="button" onClick={() => setLaunchAgain(true)}>
          Launch again with these inputs
        </button>
      )}
      <ErrorBox error={relaunch.error ?? recover.error ?? terminate.error} title="Action failed" />
      {launchAgain && execution.spec?.launchPlan && (inputs.data || inputs.error) && (
        <LaunchForm
          launchPlanId={execution.spec.launchPlan}
          initial={inputs.data?.fullInputs}
          onClose={() => setLaunchAgain(false)}
        />
      )}
    </div>
  );
}

/** When a finished execution ended: its start plus its duration. */
function endedAt(started: Timestamp | undefined, duration: Duration | undefined): number | undefined {
  const s = timestampMs(started);
  const d = durationMs(duration);
  return s === undefined || d === undefined ? undefined : s + d;
}
