/** flytectl against the server: projects and version (clients.md §6 S1, S2, S3, S22). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import { describeRun } from "./support/clients.js";
import { describeConformance } from "./support/harness.js";

interface ProjectJson {
  id: string;
  name: string;
  description?: string;
  domains: { id: string; name: string }[];
}

/** flytectl prints one object for a single row and an array for several. */
function projectsOf(stdout: string): ProjectJson[] {
  const parsed = JSON.parse(stdout) as ProjectJson | ProjectJson[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

describeConformance(
  "flytectl: projects and version",
  (suite) => {
    const createP1 = ["create", "project", "--id", "p1", "--name", "P 1", "--description", "d"];

    test("S1: create project prints success and the project exists", async (t) => {
      if (!(await suite.ready(t))) return;
      const r = await suite.ws().flytectl(createP1);
      assert.equal(r.code, 0, describeRun("flytectl create project", r));
      assert.match(r.stdout, /project created successfully\./);
      const p = await suite.server().admin.getProject({ id: "p1" });
      assert.equal(p.name, "P 1");
      assert.equal(p.description, "d");
    });

    test("S2: get project -o json lists p1 with the three domains", async (t) => {
      if (!(await suite.ready(t))) return;
      await suite.server().admin.registerProject({ project: { id: "p2", name: "P 2" } });
      const r = await suite.ws().flytectl(["get", "project", "-o", "json"]);
      assert.equal(r.code, 0, describeRun("flytectl get project", r));
      const projects = projectsOf(r.stdout);
      assert.deepEqual(projects.map((p) => p.id).sort(), ["p1", "p2"]);
      const p1 = projects.find((p) => p.id === "p1");
      assert.equal(p1?.name, "P 1");
      assert.equal(p1?.description, "d");
      assert.deepEqual(
        p1?.domains.map((d) => d.id),
        ["development", "staging", "production"],
      );
      const one = await suite.ws().flytectl(["get", "project", "p2", "-o", "json"]);
      assert.equal(one.code, 0, describeRun("flytectl get project p2", one));
      assert.deepEqual(
        projectsOf(one.stdout).map((p) => p.id),
        ["p2"],
      );
    });

    test("S3: creating p1 again fails with the admin's ALREADY_EXISTS message", async (t) => {
      if (!(await suite.ready(t))) return;
      const r = await suite.ws().flytectl(createP1);
      assert.notEqual(r.code, 0, describeRun("flytectl create project (duplicate)", r));
      const err = (await suite
        .server()
        .admin.registerProject({ project: { id: "p1", name: "P 1" } })
        .then(
          () => assert.fail("the duplicate RegisterProject succeeded"),
          (e: ServiceError) => e,
        )) as ServiceError;
      assert.equal(err.code, Code.ALREADY_EXISTS);
      assert.ok(
        r.stderr.includes(`code = AlreadyExists desc = ${err.details}`),
        describeRun(`expected the admin message "${err.details}"`, r),
      );
      assert.equal((await suite.server().admin.getProject({ id: "p1" })).name, "P 1");
    });

    test("S22: version prints flytectl's and the control plane's version", async (t) => {
      if (!(await suite.ready(t))) return;
      const r = await suite.ws().flytectl(["version"]);
      assert.equal(r.code, 0, describeRun("flytectl version", r));
      // Two pretty-printed JSON objects back to back.
      const objects = r.stdout
        .split(/(?<=\})\s*(?=\{)/)
        .map((s) => JSON.parse(s) as { App: string; Version: string; Build: string; BuildTime: string });
      const byApp = new Map(objects.map((o) => [o.App, o]));
      assert.match(byApp.get("flytectl")?.Version ?? "", /^v0\.9\.\d+$/);
      const v = await suite.server().admin.getVersion({});
      assert.deepEqual(byApp.get("controlPlane"), {
        App: "controlPlane",
        Version: v.controlPlaneVersion?.Version,
        Build: v.controlPlaneVersion?.Build,
        BuildTime: v.controlPlaneVersion?.BuildTime,
      });
    });
  },
  { needs: { clients: ["flytectl"] } },
);
