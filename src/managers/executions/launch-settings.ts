/**
 * The settings an execution is launched with besides its config
 * (executions.md §1.1 steps 13-15, 19): namespace, labels and annotations
 * with their limits, identity annotations, the cluster pool and the
 * notifications recorded on the closure. Pure functions.
 */
import { create } from "@bufbuild/protobuf";
import { dns1123SubdomainErrors } from "../../common/k8s-names.js";
import { AdminError } from "../../errors/admin-error.js";
import {
  type ClusterAssignment,
  ClusterAssignmentSchema,
} from "../../proto/gen/flyteidl/admin/cluster_assignment_pb.js";
import type { Notification } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { ExecutionSpec } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { LaunchPlanSpec } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";

/**
 * `namespace_mapping.template` with `{{ project }}` and `{{ domain }}`
 * replaced (the spaces are part of the placeholder, as in FlyteAdmin); an
 * empty template is the default.
 */
export function namespaceFor(template: string, project: string, domain: string): string {
  const t = template === "" ? "{{ project }}-{{ domain }}" : template;
  return t.replaceAll("{{ project }}", project).replaceAll("{{ domain }}", domain);
}

type StringMap = Readonly<Record<string, string>>;

/**
 * resolveStringMap: the resolved config's map, else the launch plan's, then
 * the entry limit (0 = unlimited): `<what> has too many entries [n > max]`.
 */
export function preferredMap(
  preferred: StringMap | undefined,
  fallback: StringMap | undefined,
  what: "labels" | "annotations",
  maxEntries: number,
): Record<string, string> {
  const chosen = { ...(preferred ?? fallback ?? {}) };
  const n = Object.keys(chosen).length;
  if (maxEntries > 0 && n > maxEntries) {
    throw AdminError.invalidArgument(`${what} has too many entries [${n} > ${maxEntries}]`);
  }
  return chosen;
}

/** Project labels fill keys the execution does not set. */
export function withProjectLabels(labels: StringMap, projectLabels: StringMap): Record<string, string> {
  return { ...projectLabels, ...labels };
}

/** Who called, for identity annotations. */
export interface CallerIdentity {
  readonly subject: string;
  readonly email?: string | undefined;
  /** Set for application (client credentials) callers. */
  readonly appId?: string | undefined;
}

export interface IdentityAnnotationConfig {
  readonly injectIdentityAnnotations: boolean;
  readonly identityAnnotationPrefix: string;
  readonly identityAnnotationKeys: readonly string[];
}

/**
 * [v1.16.4+] `<prefix>/user-email|user-sub` for users, `<prefix>/app-<key>`
 * (= the app id, for keys email, sub, id) for applications; existing keys
 * win; skipped when off, anonymous, or the prefix is not a DNS subdomain.
 */
export function withIdentityAnnotations(
  annotations: StringMap,
  caller: CallerIdentity | undefined,
  cfg: IdentityAnnotationConfig,
): Record<string, string> {
  const out = { ...annotations };
  if (!cfg.injectIdentityAnnotations || !caller || (caller.subject === "" && !caller.appId)) return out;
  if (dns1123SubdomainErrors(cfg.identityAnnotationPrefix).length > 0) return out;
  for (const key of cfg.identityAnnotationKeys) {
    let annotation: string;
    let value: string | undefined;
    if (caller.appId) {
      annotation = `${cfg.identityAnnotationPrefix}/app-${key}`;
      value = ["email", "sub", "id"].includes(key) ? caller.appId : undefined;
    } else {
      annotation = `${cfg.identityAnnotationPrefix}/user-${key}`;
      value = key === "email" ? caller.email : key === "sub" ? caller.subject : undefined;
    }
    if (value && !Object.hasOwn(out, annotation)) out[annotation] = value;
  }
  return out;
}

/**
 * The cluster pool: the stored assignment (CLUSTER_ASSIGNMENT attribute,
 * else the domain's configured pool) unless the request names one; both
 * set and different is refused.
 */
export function resolveClusterAssignment(
  project: string,
  domain: string,
  requested: ClusterAssignment | undefined,
  stored: ClusterAssignment | undefined,
): ClusterAssignment | undefined {
  const req = requested?.clusterPoolName ?? "";
  const have = stored?.clusterPoolName ?? "";
  if (req === "") return stored;
  if (have === "") return requested;
  if (req !== have) {
    throw AdminError.invalidArgument(
      `execution with project "${project}" and domain "${domain}" cannot run on cluster pool "${req}", because its configured to run on pool "${have}"`,
    );
  }
  return stored;
}

/** The configured pool of a domain as an assignment, undefined when none. */
export function configuredPool(pools: Readonly<Record<string, { pool: string }>>, domain: string) {
  const pool = pools[domain]?.pool ?? "";
  return pool === "" ? undefined : create(ClusterAssignmentSchema, { clusterPoolName: pool });
}

/**
 * Notifications saved on the closure: the request's when it has any, none
 * when it disables them all, else the launch plan's.
 */
export function notificationsFor(requestSpec: ExecutionSpec, lpSpec: LaunchPlanSpec | undefined): Notification[] {
  const overrides = requestSpec.notificationOverrides;
  if (overrides.case === "notifications" && overrides.value.notifications.length > 0) {
    return overrides.value.notifications;
  }
  if (overrides.case === "disableAll" && overrides.value) return [];
  return lpSpec?.entityMetadata?.notifications ?? [];
}
