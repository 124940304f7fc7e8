/**
 * The task template checks of CreateTask (entities.md §2 step 2.3-2.10),
 * after the identifier and project checks, in FlyteAdmin's order.
 */

import { decodesAsPodSpec } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { type ResourceQuantities, validateContainerResources, validatePodResources } from "./task-resources.js";

/** `task_type_whitelist`: task type -> the scopes allowed to use it. */
export type TaskTypeWhitelist = Readonly<Record<string, readonly { project: string; domain: string }[]>>;

/**
 * Validates a task template: type (and whitelist), metadata, runtime version,
 * interface, then the container or pod target.
 */
export function validateTaskTemplate(
  id: Identifier,
  template: TaskTemplate,
  platformLimits: ResourceQuantities,
  whitelist: TaskTypeWhitelist,
): void {
  if (template.type === "") throw AdminError.missing("type");
  if (!taskTypeAllowed(id, template.type, whitelist)) {
    throw AdminError.invalidArgument("task type must be whitelisted before use");
  }
  if (!template.metadata) throw AdminError.missing("metadata");
  if (template.metadata.runtime && template.metadata.runtime.version === "") {
    throw AdminError.missing("runtime version");
  }
  if (!template.interface) throw AdminError.missing("typed interface");
  const target = template.target;
  if (target.case === "container") {
    const container = target.value;
    if (container.image === "") throw AdminError.missing("image");
    if (container.resources) {
      validateContainerResources(id, container.resources.requests, container.resources.limits, platformLimits);
    }
  } else if (target.case === "k8sPod") {
    const podSpec = target.value.podSpec;
    if (!podSpec) {
      throw AdminError.invalidArgument(
        "invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined pod spec",
      );
    }
    // A spec that does not decode is reported by the compiler as an invalid pod spec.
    if (decodesAsPodSpec(podSpec)) validatePodResources(id, podSpec, platformLimits);
  }
}

/**
 * A type that is not listed (or has no scopes) is allowed; otherwise a scope
 * must match: project "" matches every project, domain "" every domain of it.
 */
export function taskTypeAllowed(id: Identifier, type: string, whitelist: TaskTypeWhitelist): boolean {
  const scopes = whitelist[type];
  if (!scopes || scopes.length === 0) return true;
  return scopes.some(
    (s) => s.project === "" || (s.project === id.project && (s.domain === "" || s.domain === id.domain)),
  );
}
