/**
 * The process launcher's helper process (see process-launcher.ts): runs the
 * task processes the server asks for with `runProcess` and reports how each
 * ended. When the server goes away (its IPC channel closes) the helper
 * exits: the tasks it started run on in their own sessions, and the wrapper
 * each runs under records its exit status for the next server.
 */
import type { LauncherReply, LauncherRequest } from "./process-launcher.js";
import { runProcess } from "./process-runner.js";

const running = new Map<number, AbortController>();

function reply(message: LauncherReply): void {
  if (process.connected) process.send?.(message);
}

process.on("message", (m: LauncherRequest) => {
  if (m.type === "stop") {
    running.get(m.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  runProcess({ ...m.spec, signal: controller.signal })
    .catch((err: Error) => ({ code: undefined, signal: undefined, spawnError: err.message, aborted: false }))
    .then((exit) => {
      running.delete(m.id);
      reply({ type: "exit", id: m.id, exit });
    });
});

process.on("disconnect", () => process.exit(0));
