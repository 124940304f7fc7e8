/**
 * flyteconsole's URLs, so that links printed by flytekit (`FlyteRemote.generate_console_url`:
 * `/projects/P/domains/D/executions/N` and `/projects/P/domains/D/{workflow|task|launch_plan}/N/version/V`)
 * and old bookmarks (`/projects/P/executions?domain=D`, `/projects/P/workflows/N?domain=D`,
 * `/projects/P/domains/D/workflows/N`, ...) open the right page.
 */
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useParams } from "react-router";
import { Layout } from "./components/Layout.js";
import { useDomain } from "./lib/use-domain.js";
import { ProjectsPage } from "./pages/ProjectsPage.js";

const ExecutionsPage = lazy(() => import("./pages/ExecutionsPage.js").then((m) => ({ default: m.ExecutionsPage })));
const ExecutionPage = lazy(() => import("./pages/ExecutionPage.js").then((m) => ({ default: m.ExecutionPage })));
const EntityListPage = lazy(() => import("./pages/EntityListPage.js").then((m) => ({ default: m.EntityListPage })));
const EntityPage = lazy(() => import("./pages/EntityPage.js").then((m) => ({ default: m.EntityPage })));

function ProjectHome() {
  const { project } = useParams();
  const domain = useDomain();
  return <Navigate replace to={`/projects/${project}/domains/${domain}/executions`} />;
}

export function AppRoutes() {
  return (
    <Layout>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Routes>
          <Route path="/" element={<Navigate replace to="/projects" />} />
          <Route path="/select-project" element={<Navigate replace to="/projects" />} />
          <Route path="/projects" element={<ProjectsPage />} />
          <Route path="/projects/:project" element={<ProjectHome />} />
          <Route path="/projects/:project/executions" element={<ExecutionsPage />} />
          <Route path="/projects/:project/domains/:domain" element={<ProjectHome />} />
          <Route path="/projects/:project/domains/:domain/executions" element={<ExecutionsPage />} />
          <Route path="/projects/:project/domains/:domain/executions/:name" element={<ExecutionPage />} />
          <Route path="/projects/:project/domains/:domain/executions/:name/*" element={<ExecutionPage />} />
          {(["workflows", "tasks", "launchPlans", "launch_plans"] as const).map((k) => (
            <Route key={k} path={`/projects/:project/${k}`} element={<EntityListPage kind={kindOf(k)} />} />
          ))}
          {(["workflows", "tasks", "launchPlans", "launch_plans"] as const).map((k) => (
            <Route
              key={`d${k}`}
              path={`/projects/:project/domains/:domain/${k}`}
              element={<EntityListPage kind={kindOf(k)} />}
            />
          ))}
          {(["workflows", "workflow", "tasks", "task", "launchPlans", "launch_plan", "launch_plans"] as const).map(
            (k) => (
              <Route key={`e${k}`} path={`/projects/:project/${k}/:name`} element={<EntityPage kind={kindOf(k)} />} />
            ),
          )}
          {(["workflows", "workflow", "tasks", "task", "launchPlans", "launch_plan", "launch_plans"] as const).map(
            (k) => (
              <Route
                key={`de${k}`}
                path={`/projects/:project/domains/:domain/${k}/:name`}
                element={<EntityPage kind={kindOf(k)} />}
              />
            ),
          )}
          {(["workflows", "workflow", "tasks", "task", "launchPlans", "launch_plan", "launch_plans"] as const).map(
            (k) => (
              <Route
                key={`v${k}`}
                path={`/projects/:project/domains/:domain/${k}/:name/version/:version`}
                element={<EntityPage kind={kindOf(k)} />}
              />
            ),
          )}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}

function kindOf(segment: string): "workflows" | "tasks" | "launch_plans" {
  if (segment.startsWith("task")) return "tasks";
  if (segment.startsWith("launch")) return "launch_plans";
  return "workflows";
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="/console/projects">Go to the projects</a>
      </p>
    </section>
  );
}
