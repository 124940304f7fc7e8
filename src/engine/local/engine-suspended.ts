/**
 * The reason runs are aborted with when the server stops (a small module of
 * its own: the process launcher's helper process imports it too).
 */

/** Nothing is reported and no task process is stopped: the next server adopts them. */
export class EngineSuspended extends Error {
  constructor() {
    super("the server is stopping; the execution continues when it starts again");
  }
}

/** True when `signal` was aborted because the server is stopping (leave everything as it is). */
export function suspended(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof EngineSuspended;
}
