/**
 * How a follower worker reaches the local engine, which runs in the leader
 * worker only: CreateExecution, RecoverExecution and TerminateExecution on a
 * follower call a `ForwardingExecutor`, which sends the engine call over the
 * cluster's IPC channel; the primary routes it to the current leader
 * (waiting while a leader is being replaced), the leader's `serveEngine`
 * calls its engine and the answer travels back the same way. The messages
 * carry the protobuf-es messages as they are (plain objects with bigint and
 * bytes), which the cluster's "advanced" (structured clone) serialization
 * keeps intact.
 */

import type { AbortData, ExecutionData, ExecutionInfo, WorkflowExecutor } from "../engine/workflow-executor.js";
import { AdminError } from "../errors/admin-error.js";
import { Code } from "../errors/codes.js";

/** A follower's engine call, as sent to the primary (which adds `from`) and on to the leader. */
export interface EngineCall {
  readonly kind: "flyteadmin:engine-call";
  readonly id: number;
  readonly op: "execute" | "abort";
  readonly data: ExecutionData | AbortData;
  /** The worker the call came from (set by the primary). */
  readonly from?: number;
}

/** The answer to an `EngineCall`, from the leader (or from the primary when no leader can answer). */
export interface EngineReply {
  readonly kind: "flyteadmin:engine-reply";
  readonly id: number;
  /** The worker the reply goes to. */
  readonly to: number;
  readonly result?: ExecutionInfo | undefined;
  readonly error?: { readonly code: Code; readonly message: string } | undefined;
}

export function isEngineCall(m: unknown): m is EngineCall {
  return typeof m === "object" && m !== null && (m as { kind?: unknown }).kind === "flyteadmin:engine-call";
}

export function isEngineReply(m: unknown): m is EngineReply {
  return typeof m === "object" && m !== null && (m as { kind?: unknown }).kind === "flyteadmin:engine-reply";
}

/** What the IPC channel of a worker process offers (`process` in a cluster worker). */
export interface IpcChannel {
  send?(message: unknown): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/**
 * The local engine, as a follower worker sees it: every call goes to the leader's engine.
 *
 * @example
 * const executors = ExecutorRegistry.builtIn().with("local", () => new ForwardingExecutor(process));
 */
export class ForwardingExecutor implements WorkflowExecutor {
  readonly type = "local";
  readonly #channel: IpcChannel;
  readonly #pending = new Map<number, { resolve: (r: EngineReply) => void }>();
  #next = 0;

  constructor(channel: IpcChannel) {
    this.#channel = channel;
    channel.on("message", (m) => {
      if (!isEngineReply(m)) return;
      const pending = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      pending?.resolve(m);
    });
  }

  async execute(data: ExecutionData): Promise<ExecutionInfo> {
    const reply = await this.#call("execute", data);
    return reply.result ?? { cluster: "" };
  }

  async abort(data: AbortData): Promise<void> {
    await this.#call("abort", data);
  }

  async #call(op: EngineCall["op"], data: ExecutionData | AbortData): Promise<EngineReply> {
    const id = this.#next++;
    const reply = new Promise<EngineReply>((resolve) => this.#pending.set(id, { resolve }));
    const call: EngineCall = { kind: "flyteadmin:engine-call", id, op, data };
    if (!this.#channel.send?.(call)) {
      this.#pending.delete(id);
      throw new AdminError(Code.UNAVAILABLE, "the local engine cannot be reached (no link to the primary process)");
    }
    const r = await reply;
    if (r.error) throw new AdminError(r.error.code, r.error.message);
    return r;
  }
}

/**
 * Answers the engine calls that reach this (leader) worker with its engine.
 *
 * @example
 * if (server.localEngine) serveEngine(process, server.localEngine);
 */
export function serveEngine(channel: IpcChannel, engine: WorkflowExecutor): void {
  channel.on("message", (m) => {
    if (!isEngineCall(m)) return;
    const to = m.from ?? -1;
    const answer =
      m.op === "execute"
        ? engine.execute(m.data as ExecutionData)
        : engine.abort(m.data as AbortData).then(() => undefined);
    answer.then(
      (result) => channel.send?.({ kind: "flyteadmin:engine-reply", id: m.id, to, result } satisfies EngineReply),
      (err: unknown) =>
        channel.send?.({ kind: "flyteadmin:engine-reply", id: m.id, to, error: errorOf(err) } satisfies EngineReply),
    );
  });
}

/** An error as it can cross the channel: AdminErrors keep their code, anything else is INTERNAL. */
export function errorOf(err: unknown): { code: Code; message: string } {
  if (err instanceof AdminError) return { code: err.code, message: err.message };
  return { code: Code.INTERNAL, message: err instanceof Error ? err.message : String(err) };
}
