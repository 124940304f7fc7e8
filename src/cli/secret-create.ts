/**
 * `flyteadmin secret create`: stores a folder of files as a Kubernetes Secret
 * in `POD_NAMESPACE`, adding missing keys to an existing one, or replacing it
 * with `--force`. Its own module, so that only this command loads the
 * Kubernetes client.
 */
import { ApiException, CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import type { LoadedConfig } from "../config/load.js";
import { kubeConfigFor } from "../engine/kubernetes/kube-client.js";
import { commandLogger } from "./options.js";

export async function createSecret(
  opts: { readonly name: string; readonly force: boolean },
  loaded: LoadedConfig,
  data: Record<string, string>,
): Promise<void> {
  const logger = commandLogger(loaded);
  const namespace = process.env.POD_NAMESPACE || "default";
  const kc = kubeConfigFor(loaded.config.server["kube-config"], loaded.config.server.master, process.env);
  const api = kc.makeApiClient(CoreV1Api);
  const body: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: opts.name, namespace },
    type: "Opaque",
    data,
  };
  try {
    await api.createNamespacedSecret({ namespace, body });
    logger.info({ name: opts.name, namespace }, "secret created");
    return;
  } catch (e) {
    if (!(e instanceof ApiException) || e.code !== 409) throw e;
  }
  if (opts.force) {
    await api.replaceNamespacedSecret({ name: opts.name, namespace, body });
    logger.info({ name: opts.name, namespace }, "secret replaced");
    return;
  }
  const existing = await api.readNamespacedSecret({ name: opts.name, namespace });
  const merged = { ...(existing.data ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(data)) {
    if (k in merged) continue;
    merged[k] = v;
    changed = true;
  }
  if (changed) await api.replaceNamespacedSecret({ name: opts.name, namespace, body: { ...existing, data: merged } });
  logger.info({ name: opts.name, namespace, changed }, "secret exists");
}
