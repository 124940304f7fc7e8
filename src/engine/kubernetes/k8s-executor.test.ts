import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import {
  configuredParameters,
  defaultParameters,
  executionData,
  intInputs,
  launchPlanClosure,
  tasksClosure,
  tasksInputs,
} from "../../../test/fixtures/flyteworkflows.js";
import { RecordingKubeApi } from "../../../test/support/kube-api.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { loadConfig } from "../../config/load.js";
import { AdminError, Code } from "../../errors/admin-error.js";
import { FlyteWorkflowBuildError, flyteWorkflowFor } from "./flyteworkflow-builder.js";
import { KubernetesExecutor } from "./k8s-executor.js";

const logger = pino({ level: "silent" });
const NS = "flytesnacks-development";
const COLLECTION = `/apis/flyte.lyft.com/v1alpha1/namespaces/${NS}/flyteworkflows`;

function configWith(server: Record<string, unknown>, flyteadmin: Record<string, unknown> = {}) {
  const dataDir = tempDir("k8s-executor-");
  return loadConfig({ dataDir, overrides: { server, flyteadmin } }).config;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return assert.fail("expected a rejection");
}

async function adminError(p: Promise<unknown>, code: Code, message: string | RegExp): Promise<void> {
  const err = await rejection(p);
  assert.ok(err instanceof AdminError, String(err));
  assert.equal(err.code, code);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
}

describe("Kubernetes executor against a recording API server", () => {
  const kube = new RecordingKubeApi();
  let executor: KubernetesExecutor;
  const settings = { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" };

  before(async () => {
    await kube.start();
    const dir = tempDir("kubeconfig-");
    executor = KubernetesExecutor.fromConfig(configWith({ "kube-config": kube.writeKubeconfig(dir) }), logger);
  });
  after(() => kube.stop());

  test("execute POSTs the builder's resource to the flyteworkflows collection and reports the in-cluster target", async () => {
    const data = executionData(tasksClosure(), configuredParameters(tasksInputs()), "exec-one");
    const { cluster } = await executor.execute(data);
    assert.equal(cluster, "");
    const [post] = kube.received("POST");
    assert.equal(post?.path, COLLECTION);
    assert.equal(post?.authorization, "Bearer test-token");
    assert.match(post?.contentType ?? "", /^application\/json/);
    // Same JSON text: what the builder produced reached the API server unchanged (nulls and key order included).
    assert.equal(JSON.stringify(post?.body), JSON.stringify(flyteWorkflowFor(data, settings)));
    assert.ok(kube.objects.has(`${NS}/exec-one`));
  });

  test("a resource that already exists (409 AlreadyExists) is left alone and the launch succeeds", async () => {
    const data = executionData(tasksClosure(), configuredParameters(tasksInputs()), "exec-one");
    const before = kube.objects.get(`${NS}/exec-one`)?.metadata.uid;
    assert.deepEqual(await executor.execute(data), { cluster: "" });
    assert.equal(kube.objects.get(`${NS}/exec-one`)?.metadata.uid, before);
  });

  test("a name Kubernetes refuses (422 Invalid) is INTERNAL 'failed to create workflow in propeller ...'", async () => {
    const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "Upper");
    await adminError(
      executor.execute(data),
      Code.INTERNAL,
      /^failed to create workflow in propeller FlyteWorkflow\.flyte\.lyft\.com "Upper" is invalid: metadata\.name: Invalid value: "Upper": a lowercase RFC 1123 subdomain/,
    );
  });

  test("403 Forbidden is INTERNAL with the API server's message", async () => {
    kube.forbiddenNamespaces.add(NS);
    try {
      const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "exec-forbidden");
      await adminError(
        executor.execute(data),
        Code.INTERNAL,
        `failed to create workflow in propeller flyteworkflows.flyte.lyft.com is forbidden: User "system:serviceaccount:flyte:flyteadmin" cannot create resource "flyteworkflows" in API group "flyte.lyft.com" in the namespace "${NS}"`,
      );
      await adminError(
        executor.abort({ executionId: data.executionId, cluster: "", namespace: NS }),
        Code.INTERNAL,
        `failed to terminate execution: project:"flytesnacks" domain:"development" name:"exec-forbidden" with err flyteworkflows.flyte.lyft.com "exec-forbidden" is forbidden: User "system:serviceaccount:flyte:flyteadmin" cannot delete resource "flyteworkflows" in API group "flyte.lyft.com" in the namespace "${NS}"`,
      );
    } finally {
      kube.forbiddenNamespaces.delete(NS);
    }
  });

  test("a workflow the transform refuses never reaches the API server", async () => {
    const count = kube.requests.length;
    const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ b: 1 })), "exec-bad-inputs");
    const err = await rejection(executor.execute(data));
    assert.ok(err instanceof FlyteWorkflowBuildError);
    assert.match(err.message, /^Collected Errors: 2\n/);
    assert.equal(kube.requests.length, count);
  });

  test("an execution cluster label is not supported in-cluster (INTERNAL)", async () => {
    const params = defaultParameters(intInputs({ a: 1 }));
    const data = executionData(launchPlanClosure(), {
      ...params,
      executionClusterLabel: { $typeName: "flyteidl.admin.ExecutionClusterLabel", value: "gpu" },
    });
    await adminError(
      executor.execute(data),
      Code.INTERNAL,
      "failed to create workflow in propeller execution cluster label gpu is not supported",
    );
  });

  test("abort DELETEs the resource with background propagation; a second abort (404 NotFound) succeeds", async () => {
    const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "exec-abort");
    await executor.execute(data);
    await executor.abort({ executionId: data.executionId, cluster: "", namespace: NS });
    const del = kube.received("DELETE").at(-1);
    assert.equal(del?.path, `${COLLECTION}/exec-abort`);
    assert.deepEqual(del?.body, { propagationPolicy: "Background" });
    assert.equal(kube.objects.has(`${NS}/exec-abort`), false);
    await executor.abort({ executionId: data.executionId, cluster: "id", namespace: NS });
    assert.equal(kube.received("DELETE").length >= 2, true);
  });

  test("abort on a cluster other than the in-cluster target is INTERNAL", async () => {
    const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "exec-remote");
    await adminError(
      executor.abort({ executionId: data.executionId, cluster: "cluster-2", namespace: NS }),
      Code.INTERNAL,
      "remote target cluster-2 is not supported",
    );
  });
});

describe("Kubernetes client configuration", () => {
  test("server.master alone reaches that API server; an unreachable one is INTERNAL", async () => {
    const kube = await new RecordingKubeApi().start();
    try {
      const executor = KubernetesExecutor.fromConfig(configWith({ master: kube.url }), logger);
      const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "via-master");
      await executor.execute(data);
      assert.equal(kube.received("POST")[0]?.authorization, undefined);
    } finally {
      await kube.stop();
    }
    const dead = KubernetesExecutor.fromConfig(configWith({ master: "http://127.0.0.1:1" }), logger);
    const data = executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 })), "unreachable");
    await adminError(dead.execute(data), Code.INTERNAL, /^failed to create workflow in propeller .+/);
  });

  test("a missing kubeconfig file, or no cluster at all, fails at start-up with FlyteAdmin's wording", () => {
    assert.throws(
      () => KubernetesExecutor.fromConfig(configWith({ "kube-config": "/nonexistent/kubeconfig" }), logger),
      /^Error: Error building kubeconfig: stat \/nonexistent\/kubeconfig: no such file or directory$/,
    );
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      assert.throws(() => KubernetesExecutor.fromConfig(configWith({}), logger), /Cannot get incluster kubeconfig/);
    } finally {
      if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
    }
  });
});
