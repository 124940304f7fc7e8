/** `flyteadmin serve`: the server, as the charts' main container runs it. */
import type { Command } from "commander";
import { startServer } from "../server.js";
import { loadFromCommand, warnIgnoredKeys } from "./options.js";

export function registerServe(program: Command): void {
  program
    .command("serve", { isDefault: true })
    .description("run the server: gRPC and HTTP (the default command)")
    .action(async (_opts: unknown, cmd: Command) => {
      const loaded = loadFromCommand(cmd);
      warnIgnoredKeys(loaded);
      const server = await startServer(loaded);
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals > 1) process.exit(1);
        server.logger.info({ signal: sig }, "shutting down");
        void server.stop().then(() => process.exit(0));
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
}
