/**
 * One node execution: its phase and error (message and kind), its task
 * attempts with their logs (the local engine's logs shown inline), its inputs
 * and outputs, and a link to a child execution (launch plan nodes).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import type { NodeExecution } from "../../../../src/proto/gen/flyteidl/admin/node_execution_pb.js";
import type { TaskExecution } from "../../../../src/proto/gen/flyteidl/admin/task_execution_pb.js";
import { type ExecutionError, ExecutionError_ErrorKind } from "../../../../src/proto/gen/flyteidl/core/execution_pb.js";
import type { ExternalResourceInfo } from "../../../../src/proto/gen/flyteidl/event/event_pb.js";
import { api } from "../../api/admin.js";
import { ErrorBox, Fields, PhaseBadge, Tabs } from "../../components/common.js";
import { LiteralTable } from "../../components/LiteralTable.js";
import { elapsed, formatTime, nodePhaseName, phaseTone, taskPhaseName } from "../../lib/format.js";

type Tab = "attempts" | "inputs" | "outputs";

export function ErrorDetails({ error }: { error: ExecutionError | undefined }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>
        {ExecutionError_ErrorKind[error.kind] ?? "UNKNOWN"} error{error.code ? ` (${error.code})` : ""}
      </strong>
      <pre>{error.message}</pre>
    </div>
  );
}

export function NodePanel({ node, live, onClose }: { node: NodeExecution; live: boolean; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>("attempts");
  const heading = useRef<HTMLHeadingElement>(null);
  const id = node.id!;
  const nodeId = id.nodeId;
  // The panel is keyed by node: focus its heading when it opens for a node.
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const phase = nodePhaseName(node.closure?.phase ?? 0);
  const running = phaseTone(phase) === "run" || live;
  const attempts = useQuery({
    queryKey: ["task-executions", id.executionId?.name, nodeId, node.closure?.phase],
    queryFn: () => api.taskExecutions(id),
    refetchInterval: running ? 1000 : false,
  });
  const data = useQuery({
    queryKey: ["node-data", id.executionId?.name, nodeId, node.closure?.phase],
    queryFn: () => api.nodeExecutionData(id),
    enabled: tab !== "attempts",
  });
  const error = node.closure?.outputResult.case === "error" ? node.closure.outputResult.value : undefined;
  const child =
    node.closure?.targetMetadata.case === "workflowNodeMetadata"
      ? node.closure.targetMetadata.value.executionId
      : undefined;
  return (
    <aside className="panel" aria-labelledby="node-panel-title" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <header>
        <h2 id="node-panel-title" ref={heading} tabIndex={-1}>
          {node.metadata?.specNodeId || nodeId}
        </h2>
        <button type="button" className="close" aria-label="Close node panel" onClick={onClose}>
          ×
        </button>
      </header>
      <PhaseBadge phase={phase} />
      <Fields
        items={[
          ["Node id", nodeId],
          ["Started", formatTime(node.closure?.startedAt)],
          ["Duration", elapsed(node.closure?.startedAt, node.closure?.duration, phaseTone(phase) === "run")],
        ]}
      />
      {child && (
        <p>
          Child execution:{" "}
          <Link to={`/projects/${child.project}/domains/${child.domain}/executions/${child.name}`}>{child.name}</Link>
        </p>
      )}
      <ErrorDetails error={error} />
      <Tabs
        label="Node details"
        value={tab}
        onChange={setTab}
        tabs={[
          { id: "attempts", label: "Attempts" },
          { id: "inputs", label: "Inputs" },
          { id: "outputs", label: "Outputs" },
        ]}
      >
        {tab === "attempts" && (
          <>
            <ErrorBox error={attempts.error} />
            {attempts.data?.taskExecutions.length === 0 && (
              <p className="muted">No task attempts (not a task node, or not started).</p>
            )}
            {attempts.data?.taskExecutions.map((t) => (
              <Attempt key={`${t.id?.retryAttempt}`} attempt={t} live={running} />
            ))}
          </>
        )}
        {tab !== "attempts" && <ErrorBox error={data.error} />}
        {tab === "inputs" && data.data && (
          <LiteralTable label="Inputs" map={data.data.fullInputs} blob={data.data.inputs} />
        )}
        {tab === "outputs" && data.data && (
          <LiteralTable label="Outputs" map={data.data.fullOutputs} blob={data.data.outputs} />
        )}
        {tab !== "attempts" && data.isPending && <p className="loading">Loading…</p>}
      </Tabs>
    </aside>
  );
}

function Attempt({ attempt, live }: { attempt: TaskExecution; live: boolean }) {
  const phase = taskPhaseName(attempt.closure?.phase ?? 0);
  const error = attempt.closure?.outputResult.case === "error" ? attempt.closure.outputResult.value : undefined;
  return (
    <section className="attempt" aria-label={`Attempt ${(attempt.id?.retryAttempt ?? 0) + 1}`}>
      <h3>
        Attempt {(attempt.id?.retryAttempt ?? 0) + 1} <PhaseBadge phase={phase} />
      </h3>
      <Fields
        items={[
          ["Task", attempt.id?.taskId?.name ?? ""],
          ["Started", formatTime(attempt.closure?.startedAt)],
          ["Duration", elapsed(attempt.closure?.startedAt, attempt.closure?.duration, phaseTone(phase) === "run")],
          ["Reason", attempt.closure?.reason || "—"],
        ]}
      />
      <ErrorDetails error={error} />
      {(attempt.closure?.logs ?? []).map((log) => (
        <LogView key={log.uri} name={log.name} uri={log.uri} live={live} />
      ))}
      <SubTasks resources={attempt.closure?.metadata?.externalResources ?? []} live={live} />
    </section>
  );
}

/** A map task's sub-tasks (external resources of its one attempt), each with its phase and logs on demand. */
function SubTasks({ resources, live }: { resources: ExternalResourceInfo[]; live: boolean }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (resources.length === 0) return null;
  return (
    <section className="subtasks" aria-label="Sub-tasks">
      <h4>
        Sub-tasks <span className="muted">({resources.length})</span>
      </h4>
      <ul>
        {resources.map((r) => {
          const key = `${r.index}-${r.retryAttempt}`;
          return (
            <li key={key}>
              <details
                onToggle={(e) => {
                  const isOpen = (e.target as HTMLDetailsElement).open;
                  setOpen((old) => {
                    const next = new Set(old);
                    if (isOpen) next.add(key);
                    else next.delete(key);
                    return next;
                  });
                }}
              >
                <summary>
                  #{r.index} <PhaseBadge phase={taskPhaseName(r.phase)} />
                  {r.retryAttempt > 0 && <span className="muted"> attempt {r.retryAttempt + 1}</span>}
                </summary>
                {open.has(key) &&
                  r.logs.map((log) => <LogView key={log.uri} name={log.name} uri={log.uri} live={live} />)}
              </details>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Same-origin logs (the local engine's) are read and shown; others are linked. */
function LogView({ name, uri, live }: { name: string; uri: string; live: boolean }) {
  const sameOrigin = (() => {
    try {
      return new URL(uri, window.location.href).origin === window.location.origin;
    } catch {
      return false;
    }
  })();
  const text = useQuery({
    queryKey: ["log", uri],
    queryFn: async () => {
      const res = await fetch(uri, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      const body = await res.text();
      return body.length > 65_536 ? `… (last 64 KiB)\n${body.slice(-65_536)}` : body;
    },
    enabled: sameOrigin,
    refetchInterval: live ? 2000 : false,
  });
  return (
    <section className="log" aria-label={`${name || "log"} of this attempt`}>
      <h4>
        <a href={uri} target="_blank" rel="noreferrer">
          {name || "log"}
        </a>
      </h4>
      {sameOrigin && (
        <pre>
          {text.error
            ? `could not read the log: ${(text.error as Error).message}`
            : text.data === ""
              ? "(empty)"
              : (text.data ?? "…")}
        </pre>
      )}
    </section>
  );
}
