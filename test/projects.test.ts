/** Projects, domains and version over gRPC and HTTP, on every database (entities.md §3.5, §3.8). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { Project_ProjectState } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { createTaskRequest, taskId } from "./fixtures/tasks.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { describeEachDatabase } from "./support/server.js";

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

describeEachDatabase("projects", (srv) => {
  test("RegisterProject then GetProject and ListProjects return it with the configured domains", async () => {
    const { admin } = srv();
    await admin.registerProject({
      project: { id: "alpha", name: "Alpha", description: "first", labels: { values: { team: "ml" } } },
    });
    const p = await admin.getProject({ id: "alpha" });
    assert.equal(p.name, "Alpha");
    assert.equal(p.description, "first");
    assert.deepEqual(p.labels?.values, { team: "ml" });
    assert.deepEqual(
      p.domains.map((d) => d.id),
      ["development", "staging", "production"],
    );
    const list = await admin.listProjects({});
    assert.ok(list.projects.some((x) => x.id === "alpha"));
  });

  test("registration validations, in FlyteAdmin's order and words", async () => {
    const { admin } = srv();
    const cases: [Parameters<typeof admin.registerProject>[0], string | RegExp][] = [
      [{}, "missing project"],
      [{ project: { id: "x" } }, "missing project_name"],
      [{ project: { name: "x" } }, "missing project_id"],
      [
        { project: { id: "%)(*&", name: "x" } },
        "invalid project id [%)(*&]: [a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]",
      ],
      [
        { project: { id: "a".repeat(64), name: "x" } },
        /^invalid project id \[a+\]: \[must be no more than 63 characters\]$/,
      ],
      [{ project: { id: "ok", name: "n".repeat(65) } }, "project_name cannot exceed 64 characters"],
      [
        { project: { id: "ok", name: "n", description: "d".repeat(301) } },
        "project_description cannot exceed 300 characters",
      ],
      [
        { project: { id: "ok", name: "n", domains: [{ id: "dev", name: "dev" }] } },
        "Domains are currently only set system wide. Please retry without domains included in your request.",
      ],
      [
        { project: { id: "ok", name: "n", labels: { values: { "bad key!": "v" } } } },
        /^invalid label key \[bad key!\]/,
      ],
      [
        { project: { id: "ok", name: "n", labels: { values: { k: "bad value!" } } } },
        /^invalid label value \[bad value!\]/,
      ],
      [
        {
          project: {
            id: "ok",
            name: "n",
            labels: { values: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
          },
        },
        "labels map cannot exceed 16 entries",
      ],
    ];
    for (const [req, message] of cases) await rejectsWith(admin.registerProject(req), Code.INVALID_ARGUMENT, message);
    await rejectsWith(admin.getProject({ id: "ok" }), Code.NOT_FOUND, "project [ok] not found");
  });

  test("a duplicate id is ALREADY_EXISTS and leaves the first project untouched", async () => {
    const { admin } = srv();
    await admin.registerProject({ project: { id: "dup", name: "First" } });
    await rejectsWith(
      admin.registerProject({ project: { id: "dup", name: "Second" } }),
      Code.ALREADY_EXISTS,
      /^value with matching already exists/,
    );
    assert.equal((await admin.getProject({ id: "dup" })).name, "First");
  });

  test("projects registered together are each written once, with the name of the request told it succeeded", async () => {
    // On PostgreSQL they share one INSERT (store/together.ts); taken ids fall back to each request's own.
    const { admin } = srv();
    await admin.registerProject({ project: { id: "tg-taken", name: "First" } });
    const requests = [
      ["tg-1", "one"],
      ["tg-taken", "Second"],
      ["tg-2", "two"],
      ["tg-twice", "A"],
      ["tg-twice", "B"],
      ["tg-3", "three"],
    ] as const;
    const outcomes = await Promise.all(
      requests.map(([id, name]) =>
        admin.registerProject({ project: { id, name } }).then(
          () => "ok",
          (err: { code?: number; details?: string }) => `${err.code} ${err.details?.slice(0, 34)}`,
        ),
      ),
    );
    const taken = `${Code.ALREADY_EXISTS} value with matching already exists`;
    assert.deepEqual(
      [0, 1, 2, 5].map((i) => outcomes[i]),
      ["ok", taken, "ok", "ok"],
    );
    const twice = outcomes.slice(3, 5);
    assert.deepEqual([...twice].sort(), ["ok", taken].sort(), "one of the two requests for tg-twice wins");
    const winner = twice[0] === "ok" ? "A" : "B";
    assert.equal((await admin.getProject({ id: "tg-twice" })).name, winner);
    assert.equal((await admin.getProject({ id: "tg-taken" })).name, "First");
    for (const [id, name] of [requests[0], requests[2], requests[5]])
      assert.equal((await admin.getProject({ id })).name, name);
  });

  test("registrations that arrive together each check their own project", async () => {
    // On PostgreSQL their project reads share one statement (store/together.ts).
    const { admin } = srv();
    await admin.registerProject({ project: { id: "batch-a", name: "a" } });
    await admin.registerProject({ project: { id: "batch-b", name: "b" } });
    await admin.updateProject({ id: "batch-b", name: "b", state: Project_ProjectState.ARCHIVED });
    const projects = ["batch-a", "batch-b", "batch-none", "batch-a", "batch-b", "batch-none", "batch-a"];
    const outcomes = await Promise.all(
      projects.map((project, i) =>
        admin.createTask(createTaskRequest(taskId("t", `v${i}`, project))).then(
          () => `${project}: ok`,
          (err: { code?: number; details?: string }) => `${project}: ${err.code} ${err.details?.split(",")[0]}`,
        ),
      ),
    );
    const invalid = Code.INVALID_ARGUMENT;
    const expected: Record<string, string> = {
      "batch-a": "batch-a: ok",
      "batch-b": `batch-b: ${invalid} project [batch-b] is not active`,
      "batch-none": `batch-none: ${invalid} failed to validate that project [batch-none] and domain [development] are registered`,
    };
    assert.deepEqual(
      outcomes,
      projects.map((p) => expected[p]),
    );
  });

  test("UpdateProject is partial: name and description only when given, state always", async () => {
    const { admin } = srv();
    await admin.registerProject({ project: { id: "upd", name: "Orig", description: "desc" } });
    await admin.updateProject({ id: "upd", state: Project_ProjectState.ARCHIVED });
    let p = await admin.getProject({ id: "upd" });
    assert.equal(p.name, "Orig");
    assert.equal(p.description, "desc");
    assert.equal(p.state, Project_ProjectState.ARCHIVED);
    await admin.updateProject({ id: "upd", name: "Renamed" });
    p = await admin.getProject({ id: "upd" });
    assert.equal(p.name, "Renamed");
    assert.equal(p.state, Project_ProjectState.ACTIVE, "an update without state makes the project active again");
    await rejectsWith(admin.updateProject({ id: "nope" }), Code.NOT_FOUND, "project [nope] not found");
    await rejectsWith(admin.updateProject({}), Code.INVALID_ARGUMENT, "missing project_id");
    await rejectsWith(admin.getProject({}), Code.INVALID_ARGUMENT, "missing project_id");
  });

  test("ListProjects hides archived projects unless filtered, sorts by identifier and pages by offset", async () => {
    const { admin } = srv();
    for (const id of ["lp-c", "lp-a", "lp-b"]) await admin.registerProject({ project: { id, name: id } });
    await admin.registerProject({ project: { id: "lp-z", name: "z", state: Project_ProjectState.ARCHIVED } });
    const all = await admin.listProjects({ filters: "contains(identifier,lp-)" });
    assert.deepEqual(
      all.projects.map((p) => p.id),
      ["lp-a", "lp-b", "lp-c", "lp-z"],
      "a filter disables the default state filter",
    );
    const visible = (await admin.listProjects({})).projects.map((p) => p.id);
    assert.ok(!visible.includes("lp-z"), "archived projects are hidden by default");
    const page1 = await admin.listProjects({ filters: "contains(identifier,lp-)+ne(state,1)", limit: 2 });
    assert.deepEqual(
      page1.projects.map((p) => p.id),
      ["lp-a", "lp-b"],
    );
    assert.equal(page1.token, "2");
    const page2 = await admin.listProjects({ filters: "contains(identifier,lp-)+ne(state,1)", limit: 2, token: "2" });
    assert.deepEqual(
      page2.projects.map((p) => p.id),
      ["lp-c"],
    );
    assert.equal(page2.token, "");
    const desc = await admin.listProjects({
      filters: "contains(identifier,lp-)",
      sortBy: { key: "identifier", direction: 0 },
    });
    assert.deepEqual(
      desc.projects.map((p) => p.id),
      ["lp-z", "lp-c", "lp-b", "lp-a"],
    );
    await rejectsWith(
      admin.listProjects({ token: "x" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x for ListProjects",
    );
    await rejectsWith(
      admin.listProjects({ sortBy: { key: "bogus" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'bogus'",
    );
    await rejectsWith(admin.listProjects({ filters: "eq(foo,1)" }), Code.INVALID_ARGUMENT, "'p.foo' is invalid filter");
  });

  test("ListProjects filters bind values as parameters (no injection)", async () => {
    const { admin } = srv();
    await admin.registerProject({ project: { id: "safe", name: "safe" } });
    const r = await admin.listProjects({ filters: "eq(identifier,safe' OR '1'='1)" });
    assert.equal(r.projects.length, 0);
    assert.ok((await admin.getProject({ id: "safe" })).id);
  });

  test("GetDomains returns the configured domains in order", async () => {
    const { admin } = srv();
    const r = await admin.getDomains({});
    assert.deepEqual(
      r.domains.map((d) => [d.id, d.name]),
      [
        ["development", "development"],
        ["staging", "staging"],
        ["production", "production"],
      ],
    );
  });

  test("GetVersion answers over both transports", async () => {
    const { admin, http } = srv();
    const v = await admin.getVersion({});
    assert.ok(v.controlPlaneVersion?.Version);
    const res = await http("/api/v1/version", { headers: { Accept: "application/json" } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { control_plane_version: { Version: string; Build: string; BuildTime: string } };
    assert.equal(body.control_plane_version.Version, v.controlPlaneVersion?.Version);
  });

  test("projects over HTTP: register, get, list, update with JSON bodies", async () => {
    const { http } = srv();
    let res = await http("/api/v1/projects", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ project: { id: "web", name: "Web" } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    res = await http("/api/v1/projects/web", { headers: { Accept: "application/json" } });
    const p = (await res.json()) as Record<string, unknown>;
    assert.equal(p.id, "web");
    assert.equal(p.state, "ACTIVE");
    assert.equal(p.labels, null, "unset messages are emitted as null");
    res = await http("/api/v1/projects/web", {
      method: "PUT",
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: "Web 2", state: "ARCHIVED" }),
    });
    assert.equal(res.status, 200);
    res = await http("/api/v1/projects?filters=eq(identifier%2Cweb)&limit=5", {
      headers: { Accept: "application/json" },
    });
    const list = (await res.json()) as { projects: { name: string; state: string }[] };
    assert.equal(list.projects[0]?.name, "Web 2");
    assert.equal(list.projects[0]?.state, "ARCHIVED");
    await httpError(
      await http("/api/v1/projects", {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ project: { id: "web", name: "x" } }),
      }),
      409,
      Code.ALREADY_EXISTS,
    );
    await httpError(
      await http("/api/v1/projects/none", { headers: { Accept: "application/json" } }),
      404,
      Code.NOT_FOUND,
      "project [none] not found",
    );
  });
});
