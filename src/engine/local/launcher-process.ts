/**
 * The process launcher's helper process (see process-launcher.ts): runs the
 * task processes the server asks for with `runProcess` and reports how each
 * ended. When the server goes away (its IPC channel closes) the tasks run
 * on: the helper stays until the last has ended and its exit status is
 * recorded for the next server, then exits.
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

// Nothing else holds the event loop: once disconnected, the helper exits when its last task has ended.
process.on("disconnect", () => undefined);
