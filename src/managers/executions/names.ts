/**
 * Execution names (executions.md §1.2): generated ones are "a" + 19
 * characters of Kubernetes' rand.String alphabet; requested ones must be
 * names Kubernetes accepts for the FlyteWorkflow resource and its
 * `execution-id` label.
 */
import { randomInt } from "node:crypto";
import { AdminError } from "../../errors/admin-error.js";

/** k8s rand.String's alphabet: no vowels, no 0, 1 or 3. */
export const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
export const GENERATED_NAME_LENGTH = 20;
export const MAX_NAME_LENGTH = 63;

const FLYTEADMIN_NAME = /^[a-z][a-z\-0-9]*$/;

/**
 * A fresh name, e.g. `abk2xq9...` (20 characters). Random from a CSPRNG, so
 * names generated in the same nanosecond do not collide (FlyteAdmin seeds
 * with the clock).
 */
export function generateExecutionName(): string {
  let name = "a";
  for (let i = 1; i < GENERATED_NAME_LENGTH; i++) name += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return name;
}

/**
 * Refuses names Kubernetes would reject. FlyteAdmin lower-cases before it
 * checks, so `MyRun` passes and then fails at the cluster; we check the name
 * as given. A trailing `-` passes FlyteAdmin's pattern but not Kubernetes'.
 */
export function validateExecutionName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw AdminError.invalidArgument(`size of name exceeded length ${MAX_NAME_LENGTH} : ${name}`);
  }
  if (!FLYTEADMIN_NAME.test(name)) {
    throw AdminError.invalidArgument(`invalid name format: ${name}, does not match regex '${FLYTEADMIN_NAME.source}'`);
  }
  if (name.endsWith("-")) {
    throw AdminError.invalidArgument(`invalid name format: ${name}, must end with a lower case letter or a digit`);
  }
}
