/** The frame of every page: a skip link, the navigation of the current project and domain, and the page. */
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink, useLocation } from "react-router";
import { getJson } from "../api/client.js";

interface UserInfo {
  name?: string;
  preferred_username?: string;
  preferredUsername?: string;
  subject?: string;
}

/** Project and domain of the current URL, when it names them. */
export function locationScope(pathname: string, search: string): { project?: string; domain?: string } {
  const m = /^\/projects\/([^/]+)(?:\/domains\/([^/]+))?/.exec(pathname);
  if (!m) return {};
  const domain = m[2] ?? new URLSearchParams(search).get("domain") ?? "development";
  return { project: decodeURIComponent(m[1] as string), domain: decodeURIComponent(domain) };
}

function Me() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => getJson<UserInfo>("/me"), retry: false, staleTime: 600_000 });
  const name = me.data?.name || me.data?.preferred_username || me.data?.preferredUsername || me.data?.subject;
  return name ? (
    <span className="user" title="Signed in as">
      {name}
    </span>
  ) : null;
}

export function Layout({ children }: { children: ReactNode }) {
  const location = useLocation();
  const { project, domain } = locationScope(location.pathname, location.search);
  const base = project ? `/projects/${encodeURIComponent(project)}/domains/${encodeURIComponent(domain ?? "")}` : "";
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <NavLink to="/projects" className="brand" end>
          Flyte
        </NavLink>
        <NavLink to="/projects" end>
          Projects
        </NavLink>
        {project && (
          <>
            <div className="scope" title={`${project} / ${domain}`}>
              <span>{project}</span>
              <span className="muted">{domain}</span>
            </div>
            <NavLink to={`${base}/executions`}>Executions</NavLink>
            <NavLink to={`${base}/workflows`}>Workflows</NavLink>
            <NavLink to={`${base}/tasks`}>Tasks</NavLink>
            <NavLink to={`${base}/launch_plans`}>Launch plans</NavLink>
          </>
        )}
        <div className="grow" />
        <Me />
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
