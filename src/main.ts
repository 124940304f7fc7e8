#!/usr/bin/env node
/**
 * The `flyteadmin` executable: parses the command line (src/cli/) and
 * reports a failure as one message and exit code 1.
 */
import { buildProgram } from "./cli/program.js";
import { ConfigError } from "./config/load.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
