/** flytectl task-resource-attribute get/update/delete against the server (clients.md §6 S19, S20). */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MatchableResource } from "../src/proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { describeRun } from "./support/clients.js";
import { DOMAIN, PROJECT } from "./support/example-project.js";
import { describeConformance } from "./support/harness.js";

const ATTRIBUTES = {
  defaults: { cpu: "1", memory: "150Mi" },
  limits: { cpu: "2", memory: "450Mi" },
};

describeConformance(
  "flytectl: task resource attributes",
  (suite) => {
    const get = () => suite.ws().flytectl(["get", "task-resource-attribute", "-p", PROJECT, "-d", DOMAIN]);

    test("S19: get fails before any update; update --force sets the attributes get then prints", async (t) => {
      if (!(await suite.ready(t))) return;
      const before = await get();
      assert.notEqual(before.code, 0, describeRun("flytectl get task-resource-attribute (none yet)", before));
      assert.match(before.output, /attribute not found/);

      const attrFile = join(suite.ws().dir, "tra.yaml");
      writeFileSync(
        attrFile,
        [
          `project: ${PROJECT}`,
          `domain: ${DOMAIN}`,
          "defaults:",
          `  cpu: "${ATTRIBUTES.defaults.cpu}"`,
          `  memory: "${ATTRIBUTES.defaults.memory}"`,
          "limits:",
          `  cpu: "${ATTRIBUTES.limits.cpu}"`,
          `  memory: "${ATTRIBUTES.limits.memory}"`,
          "",
        ].join("\n"),
      );
      const update = await suite
        .ws()
        .flytectl(["update", "task-resource-attribute", "--attrFile", attrFile, "--force"]);
      assert.equal(update.code, 0, describeRun("flytectl update task-resource-attribute", update));
      assert.match(update.stdout, new RegExp(`Updated attributes from ${PROJECT} project and domain ${DOMAIN}`));

      const after = await get();
      assert.equal(after.code, 0, describeRun("flytectl get task-resource-attribute", after));
      assert.deepEqual(JSON.parse(after.stdout), { project: PROJECT, domain: DOMAIN, ...ATTRIBUTES });

      const stored = await suite.server().admin.getProjectDomainAttributes({
        project: PROJECT,
        domain: DOMAIN,
        resourceType: MatchableResource.TASK_RESOURCE,
      });
      const target = stored.attributes?.matchingAttributes?.target;
      assert.equal(target?.case, "taskResourceAttributes");
      assert.equal(target.value.defaults?.cpu, ATTRIBUTES.defaults.cpu);
      assert.equal(target.value.limits?.memory, ATTRIBUTES.limits.memory);
    });

    test("S20: delete removes them; get reports attribute not found again", async (t) => {
      if (!(await suite.ready(t, { rpcs: ["AdminService.DeleteProjectDomainAttributes"] }))) return;
      const del = await suite.ws().flytectl(["delete", "task-resource-attribute", "-p", PROJECT, "-d", DOMAIN]);
      assert.equal(del.code, 0, describeRun("flytectl delete task-resource-attribute", del));
      const after = await get();
      assert.notEqual(after.code, 0, describeRun("flytectl get task-resource-attribute (deleted)", after));
      assert.match(after.output, /attribute not found/);
    });
  },
  {
    needs: {
      clients: ["flytectl"],
      rpcs: ["AdminService.GetProjectDomainAttributes", "AdminService.UpdateProjectDomainAttributes"],
    },
    seedProjects: [PROJECT],
  },
);
