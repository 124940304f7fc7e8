/**
 * The clusters the controller writes to, as FlyteAdmin picks them: every
 * enabled entry of `clusters.clusterConfigs` (its endpoint with the bearer
 * token and CA certificate read from `auth.tokenPath` / `auth.certPath`, or
 * in-cluster), and when there is none, the cluster of `server.kube-config` /
 * `server.master` / the in-cluster service account.
 */
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { Config } from "../config/schema.js";
import { kubeConfigFor } from "../engine/kubernetes/kube-client.js";

export interface ClusterTarget {
  /** The cluster's name (`clusterConfigs[].name`, or `default`). */
  readonly id: string;
  readonly kubeConfig: KubeConfig;
}

/** The targets of the configuration; throws when a configured cluster's credentials cannot be read. */
export function clusterTargets(config: Config, env: NodeJS.ProcessEnv = process.env): ClusterTarget[] {
  const configured = config.clusters.clusterConfigs;
  if (configured.length === 0) {
    return [{ id: "default", kubeConfig: kubeConfigFor(config.server["kube-config"], config.server.master, env) }];
  }
  return configured
    .filter((c) => c.enabled)
    .map((c) => ({
      id: c.name,
      kubeConfig: c.inCluster ? kubeConfigFor("", "", env) : remoteKubeConfig(c.name, c.endpoint, c.auth),
    }));
}

/** FlyteAdmin's `RemoteClusterConfig`: the endpoint, a bearer token from a file and a CA from a file. */
function remoteKubeConfig(name: string, endpoint: string, auth: { tokenPath: string; certPath: string }): KubeConfig {
  let token: string;
  let ca: string | undefined;
  try {
    token = readFileSync(auth.tokenPath, "utf8").trim();
  } catch (e) {
    throw new Error(`cluster ${name}: Failed to get auth token: ${(e as Error).message}`);
  }
  try {
    ca = readFileSync(auth.certPath).toString("base64");
  } catch (e) {
    throw new Error(`cluster ${name}: Failed to get auth CA: ${(e as Error).message}`);
  }
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    // Plain HTTP (a proxy or a test double) needs "skip TLS verify" for client-node to send the request at all.
    { name, server: endpoint, caData: ca, skipTLSVerify: endpoint.startsWith("http://") },
    { name: `${name}-user`, token },
  );
  return kc;
}
