/** flytekit's FlyteRemote against the server: connect and call what every admin serves. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { describeRun, flytekitDir } from "./support/clients.js";
import { describeConformance } from "./support/harness.js";

interface SmokeOutput {
  projects: { id: string; name: string; description: string; state: number }[];
  domains: { id: string; name: string }[];
  control_plane_version: string;
}

describeConformance(
  "flytekit: FlyteRemote connects",
  (suite) => {
    test("list_projects, get_domains and the control-plane version through FlyteRemote", async (t) => {
      if (!(await suite.ready(t))) return;
      const { admin } = suite.server();
      await admin.registerProject({ project: { id: "remote-a", name: "Remote A", description: "from gRPC" } });
      const r = await suite.ws().python(join(flytekitDir, "remote_smoke.py"), []);
      assert.equal(r.code, 0, describeRun("remote_smoke.py", r));
      const out = JSON.parse(r.stdout) as SmokeOutput;
      const ids = out.projects.map((p) => p.id).sort();
      assert.deepEqual(ids, ["flytesnacks", "remote-a"]);
      const a = out.projects.find((p) => p.id === "remote-a");
      assert.deepEqual(a, { id: "remote-a", name: "Remote A", description: "from gRPC", state: 0 });
      assert.deepEqual(out.domains, [
        { id: "development", name: "development" },
        { id: "staging", name: "staging" },
        { id: "production", name: "production" },
      ]);
      const v = await admin.getVersion({});
      assert.equal(out.control_plane_version, v.controlPlaneVersion?.Version);
    });
  },
  { needs: { clients: ["flytekit"] }, seedProjects: ["flytesnacks"] },
);
