/**
 * `executor.type: kubernetes` end to end (executions.md §5): TerminateExecution
 * deletes the execution's FlyteWorkflow through the Kubernetes API (here a
 * recording API server); a refused delete is INTERNAL, on both databases and
 * transports.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { seedExecution } from "./support/executions.js";
import { RecordingKubeApi } from "./support/kube-api.js";
import { describeEachDatabase } from "./support/server.js";

const NS = `${PROJECT}-${DOMAIN}`;
const kube = new RecordingKubeApi();

// The kubeconfig is read when the server starts, after this hook has written it with the API server's address.
const kubeconfigDir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
before(async () => {
  await kube.start();
  kube.writeKubeconfig(kubeconfigDir);
});
after(() => kube.stop());

const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

describeEachDatabase(
  "executions on the kubernetes executor",
  (srv) => {
    test("TerminateExecution DELETEs the resource; a resource already gone is fine; a refused delete is INTERNAL", async () => {
      const s = srv();
      const name = `k8s-abort-${s.dialect}`;
      await seedExecution(s, name);
      kube.objects.set(`${NS}/${name}`, { metadata: { name, namespace: NS } });
      await s.admin.terminateExecution({ id: idOf(name), cause: "stop" });
      const del = kube.received("DELETE").find((r) => r.path.endsWith(`/${name}`));
      assert.deepEqual(del?.body, { propagationPolicy: "Background" });
      assert.equal(kube.objects.has(`${NS}/${name}`), false);
      // ABORTING may be terminated again; the resource is gone (404), which is success.
      await s.admin.terminateExecution({ id: idOf(name), cause: "again" });

      kube.forbiddenNamespaces.add(NS);
      try {
        const message = `failed to terminate execution: project:"${PROJECT}" domain:"${DOMAIN}" name:"${name}" with err flyteworkflows.flyte.lyft.com "${name}" is forbidden: User "system:serviceaccount:flyte:flyteadmin" cannot delete resource "flyteworkflows" in API group "flyte.lyft.com" in the namespace "${NS}"`;
        await rejectsWith(s.admin.terminateExecution({ id: idOf(name), cause: "x" }), Code.INTERNAL, message);
        const res = await s.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/${name}`, {
          method: "DELETE",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ cause: "x" }),
        });
        await httpError(res, 500, Code.INTERNAL, message);
      } finally {
        kube.forbiddenNamespaces.delete(NS);
      }
      const e = await s.admin.getExecution({ id: idOf(name) });
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTING);
    });
  },
  { executor: { type: "kubernetes" }, server: { "kube-config": join(kubeconfigDir, "kubeconfig.yaml") } },
);
