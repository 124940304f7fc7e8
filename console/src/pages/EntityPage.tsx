/**
 * A workflow, task or launch plan by name: its versions, the chosen version's
 * interface (inputs and outputs with types), description, graph (workflows),
 * schedule and state with activate/deactivate (launch plans), and Launch.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { LaunchPlanState } from "../../../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Schedule } from "../../../src/proto/gen/flyteidl/admin/schedule_pb.js";
import type { Identifier } from "../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { TypedInterface } from "../../../src/proto/gen/flyteidl/core/interface_pb.js";
import { api, type EntityKind } from "../api/admin.js";
import { ErrorBox, Fields } from "../components/common.js";
import { LaunchForm } from "../components/LaunchForm.js";
import { formatTime } from "../lib/format.js";
import { graphModel } from "../lib/graph-model.js";
import { textOf } from "../lib/launch-inputs.js";
import { typeName } from "../lib/literals.js";
import { useDomain } from "../lib/use-domain.js";
import { KIND_TITLE } from "./EntityListPage.js";

const WorkflowGraph = lazy(() => import("../components/WorkflowGraph.js").then((m) => ({ default: m.WorkflowGraph })));

interface Version {
  id: Identifier;
  createdAt?: Parameters<typeof formatTime>[0];
}

function listVersions(kind: EntityKind, project: string, domain: string, name: string): Promise<Version[]> {
  const map = <T extends { id?: Identifier; closure?: { createdAt?: Version["createdAt"] } }>(xs: T[]) =>
    xs.map((x) => ({ id: x.id!, createdAt: x.closure?.createdAt }));
  if (kind === "workflows") return api.workflows(project, domain, name).then((l) => map(l.workflows));
  if (kind === "tasks") return api.tasks(project, domain, name).then((l) => map(l.tasks));
  return api.launchPlans(project, domain, name).then((l) => map(l.launchPlans));
}

export function scheduleText(s: Schedule | undefined): string | undefined {
  if (!s) return undefined;
  const e = s.ScheduleExpression;
  if (e.case === "cronExpression") return `cron ${e.value}`;
  if (e.case === "cronSchedule") return `cron ${e.value.schedule}${e.value.offset ? ` offset ${e.value.offset}` : ""}`;
  if (e.case === "rate") return `every ${e.value.value} ${["minute", "hour", "day"][e.value.unit] ?? ""}(s)`;
  return undefined;
}

export function EntityPage({ kind }: { kind: EntityKind }) {
  const { project = "", name = "", version: pathVersion } = useParams();
  const domain = useDomain();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [launchId, setLaunchId] = useState<Identifier>();
  const versions = useQuery({
    queryKey: ["versions", kind, project, domain, name],
    queryFn: () => listVersions(kind, project, domain, name),
  });
  const version = pathVersion ?? versions.data?.[0]?.id.version;
  const id = versions.data?.find((v) => v.id.version === version)?.id;
  const detail = useQuery({
    queryKey: ["entity", kind, project, domain, name, version],
    enabled: !!id,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () => {
      if (kind === "workflows") {
        const w = await api.workflow(id!);
        return {
          iface: w.closure?.compiledWorkflow?.primary?.template?.interface,
          description: w.shortDescription,
          workflow: w,
          lp: undefined,
        };
      }
      if (kind === "tasks") {
        const t = await api.task(id!);
        return {
          iface: t.closure?.compiledTask?.template?.interface,
          description: t.shortDescription,
          workflow: undefined,
          lp: undefined,
        };
      }
      const lp = await api.launchPlan(id!);
      return { iface: undefined, description: "", workflow: undefined, lp };
    },
  });
  const description = useQuery({
    queryKey: ["description", kind, project, domain, name, version],
    enabled: !!id && kind !== "launch_plans",
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: () => api.description(id!),
  });
  const long = description.data?.longDescription?.content;
  const source = description.data?.sourceCode?.link;
  const lps = useQuery({
    queryKey: ["lps-for", project, domain, name],
    enabled: kind === "workflows",
    queryFn: () => api.launchPlansFor(project, domain, name),
  });
  const setActive = useMutation({
    mutationFn: (active: boolean) => api.setLaunchPlanActive(id!, active),
    onSuccess: () => client.invalidateQueries({ queryKey: ["entity", kind, project, domain, name] }),
  });
  const model = useMemo(() => graphModel(detail.data?.workflow?.closure?.compiledWorkflow), [detail.data]);
  const base = `/projects/${encodeURIComponent(project)}/domains/${encodeURIComponent(domain)}`;
  const lp = detail.data?.lp;
  // Launch plans and tasks launch themselves (a task as a single-task execution); a workflow through its launch plan.
  const defaultLaunch =
    kind === "workflows"
      ? (lps.data?.launchPlans.find((l) => l.id?.name === name)?.id ?? lps.data?.launchPlans[0]?.id)
      : id;
  const execFilter = kind === "workflows" ? "workflow" : kind === "launch_plans" ? "launchPlan" : undefined;
  return (
    <section className="entity-page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={`${base}/${kind}`}>{KIND_TITLE[kind]}</Link> / {name}
      </nav>
      <header className="page-head">
        <h1>{name}</h1>
        <div className="actions">
          {execFilter && <Link to={`${base}/executions?${execFilter}=${encodeURIComponent(name)}`}>Executions</Link>}
          {defaultLaunch && (
            <button type="button" className="primary" onClick={() => setLaunchId(defaultLaunch)}>
              Launch
            </button>
          )}
        </div>
      </header>
      <ErrorBox error={versions.error ?? detail.error} />
      {versions.data?.length === 0 && <p>No versions of {name} are registered.</p>}
      {detail.data?.description && <p className="description">{detail.data.description}</p>}
      {long?.case === "value" && long.value && <pre className="long-description">{long.value}</pre>}
      {long?.case === "uri" && long.value && (
        <p>
          Description: <a href={long.value}>{long.value}</a>
        </p>
      )}
      {source && (
        <p>
          Source: <a href={source}>{source}</a>
        </p>
      )}
      <label>
        Version{" "}
        <select
          value={version ?? ""}
          onChange={(e) =>
            navigate(
              `${base}/${kind === "launch_plans" ? "launch_plan" : kind.slice(0, -1)}/${encodeURIComponent(name)}/version/${encodeURIComponent(e.target.value)}`,
            )
          }
        >
          {versions.data?.map((v) => (
            <option key={v.id.version} value={v.id.version}>
              {v.id.version} ({formatTime(v.createdAt)})
            </option>
          ))}
        </select>
      </label>
      {lp && (
        <>
          <Fields
            items={[
              [
                "Workflow",
                <Link key="w" to={`${base}/workflows/${encodeURIComponent(lp.spec?.workflowId?.name ?? "")}`}>
                  {lp.spec?.workflowId?.name}
                </Link>,
              ],
              ["State", lp.closure?.state === LaunchPlanState.ACTIVE ? "active" : "inactive"],
              ["Schedule", scheduleText(lp.spec?.entityMetadata?.schedule) ?? "none"],
            ]}
          />
          <button
            type="button"
            onClick={() => setActive.mutate(lp.closure?.state !== LaunchPlanState.ACTIVE)}
            disabled={setActive.isPending}
          >
            {lp.closure?.state === LaunchPlanState.ACTIVE ? "Deactivate" : "Activate"}
          </button>
          <ErrorBox error={setActive.error} />
          <h2>Inputs</h2>
          <table className="iface" aria-label="Launch plan inputs">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Default</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(lp.closure?.expectedInputs?.parameters ?? {}).map(([k, p]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{typeName(p.var?.type)}</td>
                  <td>
                    {p.behavior.case === "default"
                      ? textOf(p.behavior.value, p.var?.type)
                      : p.behavior.case === "required"
                        ? "required"
                        : "—"}
                  </td>
                </tr>
              ))}
              {Object.entries(lp.spec?.fixedInputs?.literals ?? {}).map(([k, l]) => (
                <tr key={`f${k}`}>
                  <th scope="row">{k}</th>
                  <td>fixed</td>
                  <td>{textOf(l, undefined)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {detail.data?.iface && <Interface iface={detail.data.iface} />}
      {kind === "workflows" && lps.data && lps.data.launchPlans.length > 0 && (
        <>
          <h2>Launch plans</h2>
          <ul>
            {[...new Set(lps.data.launchPlans.map((l) => l.id?.name))].map((n) => (
              <li key={n}>
                <Link to={`${base}/launch_plans/${encodeURIComponent(n ?? "")}`}>{n}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
      {kind === "workflows" && detail.data?.workflow && (
        <>
          <h2>Graph</h2>
          <Suspense fallback={<p className="loading">Loading graph…</p>}>
            <WorkflowGraph model={model} label={`Graph of ${name}`} />
          </Suspense>
        </>
      )}
      {launchId && <LaunchForm launchPlanId={launchId} onClose={() => setLaunchId(undefined)} />}
    </section>
  );
}

function Interface({ iface }: { iface: TypedInterface }) {
  const rows = (
    side: "Input" | "Output",
    vars: Record<string, { type?: Parameters<typeof typeName>[0]; description: string }>,
  ) =>
    Object.entries(vars).map(([k, v]) => (
      <tr key={`${side}${k}`}>
        <td>{side}</td>
        <th scope="row">{k}</th>
        <td>{typeName(v.type)}</td>
        <td>{v.description}</td>
      </tr>
    ));
  return (
    <>
      <h2>Interface</h2>
      <table className="iface" aria-label="Interface">
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows("Input", iface.inputs?.variables ?? {})}
          {rows("Output", iface.outputs?.variables ?? {})}
        </tbody>
      </table>
    </>
  );
}
