/**
 * A project/domain's executions: filters (phase, workflow, launch plan, time),
 * sort, pages fetched as the list scrolls (ListExecutions with its token), a
 * virtualised table so 10,000 rows stay fast, and counts per phase.
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import type { Execution } from "../../../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../../src/proto/gen/flyteidl/core/execution_pb.js";
import { api } from "../api/admin.js";
import { ErrorBox, PhaseBadge } from "../components/common.js";
import { executionFiltersText } from "../lib/filters.js";
import { elapsed, executionPhaseName, formatTime, isTerminalExecution } from "../lib/format.js";
import { useDomain } from "../lib/use-domain.js";

const PHASES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"] as const;
const TIMES = [
  { id: "", label: "Any time" },
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
] as const;
const SORTS = [
  { id: "created_at:DESCENDING", label: "Newest first" },
  { id: "created_at:ASCENDING", label: "Oldest first" },
  { id: "duration:DESCENDING", label: "Longest first" },
] as const;
const PAGE = 100;
const ROW_HEIGHT = 44;

export function ExecutionsPage() {
  const { project = "" } = useParams();
  const domain = useDomain();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const phases = search.getAll("phase");
  const workflow = search.get("workflow") ?? "";
  const launchPlan = search.get("launchPlan") ?? "";
  const time = search.get("time") ?? "";
  const sort = search.get("sort") ?? SORTS[0].id;
  const update = (key: string, values: string[]) => {
    const next = new URLSearchParams(search);
    next.delete(key);
    for (const v of values) if (v) next.append(key, v);
    setSearch(next, { replace: true });
  };
  const since = useMemo(() => {
    const t = TIMES.find((x) => x.id === time);
    return t && "ms" in t ? Date.now() - t.ms : undefined;
  }, [time]);
  const filters = executionFiltersText({ phases, workflow, launchPlan, since });
  const [sortKey, sortDirection] = sort.split(":") as [string, "ASCENDING" | "DESCENDING"];
  const domains = useQuery({ queryKey: ["projects"], queryFn: api.projects });
  const list = useInfiniteQuery({
    queryKey: ["executions", project, domain, filters, sort],
    queryFn: ({ pageParam, signal }) =>
      api.executions(project, domain, { limit: PAGE, token: pageParam, filters, sortKey, sortDirection }, signal),
    initialPageParam: "",
    getNextPageParam: (last) => last.token || undefined,
    refetchInterval: (q) => {
      const rows = q.state.data?.pages.flatMap((p) => p.executions) ?? [];
      const live = rows.slice(0, PAGE).some((e) => !isTerminalExecution(e.closure?.phase ?? 0));
      return live && (q.state.data?.pages.length ?? 0) <= 1 ? 2_000 : false;
    },
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.executions) ?? [], [list.data]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const e of rows) {
      const n = executionPhaseName(e.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED);
      c.set(n, (c.get(n) ?? 0) + 1);
    }
    return c;
  }, [rows]);
  const project_ = domains.data?.projects.find((p) => p.id === project);

  return (
    <section className="page-executions">
      <header className="page-head">
        <h1>
          Executions <span className="muted">{project}</span>
        </h1>
        <label>
          Domain{" "}
          <select
            value={domain}
            onChange={(e) =>
              navigate(
                `/projects/${encodeURIComponent(project)}/domains/${encodeURIComponent(e.target.value)}/executions`,
              )
            }
          >
            {(project_?.domains ?? [{ id: domain, name: domain }]).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name || d.id}
              </option>
            ))}
          </select>
        </label>
      </header>
      <form className="filters" aria-label="Filter executions" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Phase</legend>
          {PHASES.map((p) => (
            <label key={p} className="check">
              <input
                type="checkbox"
                checked={phases.includes(p)}
                onChange={(e) => update("phase", e.target.checked ? [...phases, p] : phases.filter((x) => x !== p))}
              />
              {p.replace("_", " ").toLowerCase()}
            </label>
          ))}
        </fieldset>
        <label>
          Workflow
          <input
            type="search"
            defaultValue={workflow}
            placeholder="name"
            onChange={(e) => update("workflow", [e.target.value.trim()])}
          />
        </label>
        <label>
          Launch plan
          <input
            type="search"
            defaultValue={launchPlan}
            placeholder="name"
            onChange={(e) => update("launchPlan", [e.target.value.trim()])}
          />
        </label>
        <label>
          Started
          <select value={time} onChange={(e) => update("time", [e.target.value])}>
            {TIMES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select value={sort} onChange={(e) => update("sort", [e.target.value])}>
            {SORTS.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="counts" aria-live="polite">
        {rows.length} loaded{list.hasNextPage ? " (more on scroll)" : ""}
        {[...counts].map(([phase, n]) => (
          <span key={phase} className="count">
            <PhaseBadge phase={phase} /> {n}
          </span>
        ))}
      </p>
      <ErrorBox error={list.error} />
      <ExecutionTable
        rows={rows}
        loading={list.isPending}
        more={list.hasNextPage}
        fetchMore={() => {
          if (!list.isFetchingNextPage) void list.fetchNextPage();
        }}
      />
    </section>
  );
}

function ExecutionTable({
  rows,
  loading,
  more,
  fetchMore,
}: {
  rows: Execution[];
  loading: boolean;
  more: boolean;
  fetchMore: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (more && last && last.index >= rows.length - 20) fetchMore();
  }, [more, last, rows.length, fetchMore]);
  if (loading) return <p className="loading">Loading…</p>;
  if (rows.length === 0) return <p>No executions match.</p>;
  return (
    <div className="vtable" role="table" aria-label="Executions" aria-rowcount={rows.length + 1}>
      <div role="rowgroup">
        <div role="row" className="vrow head exec-cols">
          <span role="columnheader">Execution</span>
          <span role="columnheader">Phase</span>
          <span role="columnheader">Launch plan / workflow</span>
          <span role="columnheader">Started</span>
          <span role="columnheader">Duration</span>
          <span role="columnheader">Launched by</span>
        </div>
      </div>
      <div ref={scroller} className="vbody" role="rowgroup">
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const e = rows[item.index] as Execution;
            const id = e.id!;
            const phase = e.closure?.phase ?? 0;
            const lp = e.spec?.launchPlan;
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                className="vrow exec-cols"
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <span role="cell">
                  <Link
                    to={`/projects/${encodeURIComponent(id.project)}/domains/${encodeURIComponent(id.domain)}/executions/${encodeURIComponent(id.name)}`}
                  >
                    {id.name}
                  </Link>
                </span>
                <span role="cell">
                  <PhaseBadge phase={executionPhaseName(phase)} />
                </span>
                <span role="cell" className="ellipsis" title={lp ? `${lp.name} @ ${lp.version}` : ""}>
                  {lp?.name ?? e.closure?.workflowId?.name ?? "—"}
                </span>
                <span role="cell">{formatTime(e.closure?.startedAt ?? e.closure?.createdAt)}</span>
                <span role="cell">
                  {elapsed(e.closure?.startedAt, e.closure?.duration, !isTerminalExecution(phase))}
                </span>
                <span role="cell" className="ellipsis">
                  {e.spec?.metadata?.principal || "—"}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
