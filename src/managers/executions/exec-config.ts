/**
 * WorkflowExecutionConfig resolution (executions.md §1.3): layers merged in
 * priority order (mergeIntoExecConfig), a later layer only filling what is
 * still unset. Pure: the caller looks up the matchable attributes.
 */
import { create } from "@bufbuild/protobuf";
import type { Config } from "../../config/schema.js";
import { type AuthRole, AuthRoleSchema, EnvsSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { ExecutionSpec } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { LaunchPlanSpec } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import {
  type WorkflowExecutionConfig,
  WorkflowExecutionConfigSchema,
} from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { KeyValuePairSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { IdentitySchema, SecurityContextSchema } from "../../proto/gen/flyteidl/core/security_pb.js";
import { configExecDefaults, mergeIntoExecConfig } from "../exec-config.js";

/**
 * The `flyteadmin` section as the last layer: GetProjectAttributes' config
 * defaults plus the configured envs, which executions also take from it.
 */
export function appConfigLayer(app: Config["flyteadmin"]): WorkflowExecutionConfig {
  const layer = configExecDefaults(app);
  const envs = Object.entries(app.envs).map(([key, value]) => create(KeyValuePairSchema, { key, value }));
  if (envs.length > 0) layer.envs = create(EnvsSchema, { values: envs });
  return layer;
}

/**
 * The deprecated auth fields: the request's auth_role, else the launch
 * plan's auth_role, its auth, its role (as an IAM role), else empty.
 */
export function resolveAuthRole(requestSpec: ExecutionSpec | undefined, lpSpec: LaunchPlanSpec | undefined): AuthRole {
  if (requestSpec?.authRole) return requestSpec.authRole;
  if (!lpSpec) return create(AuthRoleSchema);
  if (lpSpec.authRole) return lpSpec.authRole;
  if (lpSpec.auth) {
    return create(AuthRoleSchema, {
      assumableIamRole: lpSpec.auth.assumableIamRole,
      kubernetesServiceAccount: lpSpec.auth.kubernetesServiceAccount,
    });
  }
  if (lpSpec.role !== "") return create(AuthRoleSchema, { assumableIamRole: lpSpec.role });
  return create(AuthRoleSchema);
}

export interface ExecConfigLayers {
  readonly requestSpec: ExecutionSpec;
  /** Absent for single-task executions: the skeleton launch plan is not a layer. */
  readonly launchPlanSpec?: LaunchPlanSpec | undefined;
  /** The most specific WORKFLOW_EXECUTION_CONFIG for project, domain and workflow name. */
  readonly matched?: WorkflowExecutionConfig | undefined;
  /** The project-level WORKFLOW_EXECUTION_CONFIG (domain ""). */
  readonly projectLevel?: WorkflowExecutionConfig | undefined;
  readonly app: Config["flyteadmin"];
  /** The caller's execution identity ("" without authentication). */
  readonly executionIdentity: string;
}

/**
 * getExecutionConfig: request spec, launch plan spec, matched attributes,
 * project attributes, the deprecated auth fields, the app config; the
 * result always has a security context with run_as.
 */
export function resolveExecutionConfig(layers: ExecConfigLayers): WorkflowExecutionConfig {
  const cfg = create(WorkflowExecutionConfigSchema);
  mergeIntoExecConfig(cfg, layers.requestSpec);
  if (layers.launchPlanSpec) mergeIntoExecConfig(cfg, layers.launchPlanSpec);
  if (layers.matched) mergeIntoExecConfig(cfg, layers.matched);
  if (layers.projectLevel) mergeIntoExecConfig(cfg, layers.projectLevel);
  if (!cfg.securityContext) {
    const role = resolveAuthRole(layers.requestSpec, layers.launchPlanSpec);
    if (role.kubernetesServiceAccount !== "" || role.assumableIamRole !== "") {
      cfg.securityContext = create(SecurityContextSchema, {
        runAs: { iamRole: role.assumableIamRole, k8sServiceAccount: role.kubernetesServiceAccount },
      });
    }
  }
  mergeIntoExecConfig(cfg, appConfigLayer(layers.app));
  cfg.securityContext ??= create(SecurityContextSchema);
  cfg.securityContext.runAs ??= create(IdentitySchema);
  if (cfg.securityContext.runAs.executionIdentity === "") {
    cfg.securityContext.runAs.executionIdentity = layers.executionIdentity;
  }
  return cfg;
}
