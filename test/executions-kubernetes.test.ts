/**
 * `executor.type: kubernetes` end to end (executions.md §5): CreateExecution
 * builds the FlyteWorkflow and POSTs it to the Kubernetes API (here a
 * recording API server), TerminateExecution deletes it; API failures become
 * a FAILED execution (launch) or INTERNAL (terminate), on both databases and
 * transports.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ExecutorRegistry } from "../src/engine/executor-registry.js";
import { flyteWorkflowFor } from "../src/engine/kubernetes/flyteworkflow-builder.js";
import { KubernetesExecutor } from "../src/engine/kubernetes/k8s-executor.js";
import type { ExecutionData } from "../src/engine/workflow-executor.js";
import { Code } from "../src/errors/codes.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { intLiteral } from "./fixtures/types.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { RecordingKubeApi } from "./support/kube-api.js";
import { seedRunnableLaunchPlan } from "./support/launch-plans.js";
import { describeEachDatabase } from "./support/server.js";
import { tempDir } from "./support/temp-dir.js";

const NS = `${PROJECT}-${DOMAIN}`;
const kube = new RecordingKubeApi();
/** What the execution manager handed the executor, by execution name. */
const handed = new Map<string, ExecutionData>();

// The kubeconfig is read when the server starts, after this hook has written it with the API server's address.
const kubeconfigDir = tempDir("kubeconfig-");
before(async () => {
  await kube.start();
  kube.writeKubeconfig(kubeconfigDir);
});
after(() => kube.stop());

// The built-in kubernetes executor, watched: the data it receives is kept so the test can rebuild the resource.
const executors = ExecutorRegistry.builtIn().with("kubernetes", ({ config, logger }) => {
  const real = KubernetesExecutor.fromConfig(config, logger);
  return {
    type: "kubernetes",
    execute: (data) => {
      handed.set(data.executionId.name, data);
      return real.execute(data);
    },
    abort: (data) => real.abort(data),
  };
});

const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

describeEachDatabase(
  "executions on the kubernetes executor",
  (srv) => {
    test("CreateExecution POSTs the builder's FlyteWorkflow to the namespace of the template and records cluster ''", async () => {
      const s = srv();
      const lp = await seedRunnableLaunchPlan(s, { name: `k8s.wf.${s.dialect}` });
      const name = `k8s-run-${s.dialect}`;
      await s.admin.createExecution({
        project: PROJECT,
        domain: DOMAIN,
        name,
        spec: { launchPlan: lp, labels: { values: { team: "ml" } } },
        inputs: { literals: { a: intLiteral(7) } },
      });
      const post = kube.received("POST").find((r) => (r.body as { metadata: { name: string } }).metadata.name === name);
      assert.ok(post, "the resource was created");
      assert.equal(post.path, `/apis/flyte.lyft.com/v1alpha1/namespaces/${NS}/flyteworkflows`);
      const data = handed.get(name);
      assert.ok(data);
      const settings = { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" };
      assert.equal(JSON.stringify(post.body), JSON.stringify(flyteWorkflowFor(data, settings)));
      const body = post.body as { metadata: { labels: Record<string, string> }; inputs: unknown; executionId: unknown };
      assert.equal(body.metadata.labels.team, "ml");
      assert.equal(body.metadata.labels["execution-id"], name);
      assert.deepEqual(body.inputs, { literals: { a: { scalar: { primitive: { integer: "7" } } } } });
      assert.deepEqual(body.executionId, { project: PROJECT, domain: DOMAIN, name });

      const e = await s.admin.getExecution({ id: idOf(name) });
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.UNDEFINED);
      assert.equal(e.spec?.metadata?.systemMetadata?.executionCluster, "");
      assert.equal(e.spec?.metadata?.systemMetadata?.namespace, NS);
    });

    test("a create the API server refuses is a FAILED execution with INTERNAL 'failed to create workflow in propeller ...'", async () => {
      const s = srv();
      const lp = await seedRunnableLaunchPlan(s, { name: `k8s.forbidden.${s.dialect}` });
      const name = `k8s-forbidden-${s.dialect}`;
      kube.forbiddenNamespaces.add(NS);
      try {
        await s.admin.createExecution({
          project: PROJECT,
          domain: DOMAIN,
          name,
          spec: { launchPlan: lp },
          inputs: { literals: { a: intLiteral(1) } },
        });
      } finally {
        kube.forbiddenNamespaces.delete(NS);
      }
      const e = await s.admin.getExecution({ id: idOf(name) });
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.FAILED);
      const err = e.closure?.outputResult.case === "error" ? e.closure.outputResult.value : undefined;
      assert.equal(err?.code, "Internal");
      assert.equal(
        err?.message,
        `failed to create workflow in propeller flyteworkflows.flyte.lyft.com is forbidden: User "system:serviceaccount:flyte:flyteadmin" cannot create resource "flyteworkflows" in API group "flyte.lyft.com" in the namespace "${NS}"`,
      );
    });

    test("TerminateExecution DELETEs the resource; a resource already gone is fine; a refused delete is INTERNAL", async () => {
      const s = srv();
      const lp = await seedRunnableLaunchPlan(s, { name: `k8s.abort.${s.dialect}` });
      const name = `k8s-abort-${s.dialect}`;
      await s.admin.createExecution({
        project: PROJECT,
        domain: DOMAIN,
        name,
        spec: { launchPlan: lp },
        inputs: { literals: { a: intLiteral(1) } },
      });
      assert.ok(kube.objects.has(`${NS}/${name}`));
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
  { executors },
);
