/** Label validation shared by projects, launch plans and executions (Kubernetes label rules). */
import { labelValueErrors, qualifiedNameErrors } from "../../common/k8s-names.js";
import { AdminError } from "../../errors/admin-error.js";

/** FlyteAdmin's cap on label entries. */
export const MAX_LABELS = 16;

/**
 * Refuses more than 16 labels, keys that are not Kubernetes qualified names
 * and values that are not valid label values, with FlyteAdmin's messages.
 */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined): void {
  if (!labels) return;
  const keys = Object.keys(labels).sort();
  if (keys.length > MAX_LABELS) throw AdminError.invalidArgument(`labels map cannot exceed ${MAX_LABELS} entries`);
  for (const k of keys) {
    const keyErrs = qualifiedNameErrors(k);
    if (keyErrs.length > 0) throw AdminError.invalidArgument(`invalid label key [${k}]: [${keyErrs.join(" ")}]`);
    const v = labels[k] as string;
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) throw AdminError.invalidArgument(`invalid label value [${v}]: [${valueErrs.join(" ")}]`);
  }
}
