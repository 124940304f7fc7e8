/** Workflows, tasks or launch plans of a project and domain (their names; each opens its versions). */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, type EntityKind } from "../api/admin.js";
import { ErrorBox } from "../components/common.js";
import { useDomain } from "../lib/use-domain.js";

export const KIND_TITLE: Record<EntityKind, string> = {
  workflows: "Workflows",
  tasks: "Tasks",
  launch_plans: "Launch plans",
};

export function EntityListPage({ kind }: { kind: EntityKind }) {
  const { project = "" } = useParams();
  const domain = useDomain();
  const [text, setText] = useState("");
  const list = useQuery({
    queryKey: ["named", kind, project, domain],
    queryFn: () => api.namedEntities(kind, project, domain),
  });
  const rows = (list.data?.entities ?? []).filter((e) => e.id?.name.toLowerCase().includes(text.toLowerCase()));
  return (
    <section>
      <h1>
        {KIND_TITLE[kind]}{" "}
        <span className="muted">
          {project} / {domain}
        </span>
      </h1>
      <label className="search">
        Search by name <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ErrorBox error={list.error} />
      {list.isPending && <p className="loading">Loading…</p>}
      {list.data && rows.length === 0 && <p>None registered.</p>}
      <ul className="entity-list">
        {rows.map((e) => (
          <li key={e.id?.name}>
            <Link
              to={`/projects/${encodeURIComponent(project)}/domains/${encodeURIComponent(domain)}/${kind}/${encodeURIComponent(e.id?.name ?? "")}`}
            >
              {e.id?.name}
            </Link>
            {e.metadata?.description && <span className="muted"> — {e.metadata.description}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
