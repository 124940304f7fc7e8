/**
 * The `flyteadmin` command line, FlyteAdmin's commands and flags as the Helm
 * charts call them: `flyteadmin --config '/etc/flyte/config/*.yaml' serve`,
 * `migrate run|rollback|seed-projects`, `clusterresource run|sync`,
 * `secret init|create`; and ours: `import` (copy a Go FlyteAdmin database).
 */
import { Command } from "commander";
import { registerClusterResource } from "./clusterresource.js";
import { registerImport } from "./import.js";
import { registerMigrate } from "./migrate.js";
import { withGlobalOptions } from "./options.js";
import { registerSecret } from "./secret.js";
import { registerServe } from "./serve.js";

/** The program, every command registered; `main.ts` parses the process arguments with it. */
export function buildProgram(): Command {
  const program = withGlobalOptions(
    new Command("flyteadmin").description("FlyteAdmin, the Flyte control plane, in TypeScript"),
  );
  registerServe(program);
  registerMigrate(program);
  registerClusterResource(program);
  registerSecret(program);
  registerImport(program);
  return program;
}
