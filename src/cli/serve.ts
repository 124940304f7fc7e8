/** `flyteadmin serve`: the server, as the charts' main container runs it. */
import type { Command } from "commander";
import { serveProcess } from "../cluster/index.js";
import { loadFromCommand, warnIgnoredKeys } from "./options.js";

export function registerServe(program: Command): void {
  program
    .command("serve", { isDefault: true })
    .description("run the server: gRPC and HTTP on each port (the default command)")
    .action(async (_opts: unknown, cmd: Command) => {
      const loaded = loadFromCommand(cmd);
      warnIgnoredKeys(loaded);
      // One process, or `server.workers` processes on the same ports (src/cluster), until SIGTERM/SIGINT.
      await serveProcess(loaded);
    });
}
