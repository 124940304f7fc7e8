/** The projects, each with links to its domains' executions. */
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { projectsApi as api } from "../api/projects.js";
import { ErrorBox } from "../components/common.js";

export function ProjectsPage() {
  const projects = useQuery({ queryKey: ["projects"], queryFn: api.projects });
  return (
    <section>
      <h1>Projects</h1>
      <ErrorBox error={projects.error} />
      {projects.isPending && <p className="loading">Loading…</p>}
      {projects.data && projects.data.projects.length === 0 && (
        <p>No projects yet. Register one with `flytectl create project` or `POST /api/v1/projects`.</p>
      )}
      <ul className="cards">
        {projects.data?.projects.map((p) => (
          <li key={p.id} className="card">
            <h2>
              <Link
                to={`/projects/${encodeURIComponent(p.id)}/domains/${encodeURIComponent(p.domains[0]?.id ?? "development")}/executions`}
              >
                {p.name || p.id}
              </Link>
            </h2>
            {p.description && <p>{p.description}</p>}
            <p className="domains">
              {p.domains.map((d) => (
                <Link
                  key={d.id}
                  to={`/projects/${encodeURIComponent(p.id)}/domains/${encodeURIComponent(d.id)}/executions`}
                >
                  {d.name || d.id}
                </Link>
              ))}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
