/**
 * The primary process of `server.workers > 1` (node:cluster): it serves no
 * requests itself. It forks the leader worker first (which migrates the
 * database, creates the data dir's keys and runs the scheduler and the local
 * engine) and, once that one listens, the followers; they all accept on the
 * same ports. It routes followers' engine calls to the leader, replaces a
 * worker that dies (a new leader when the leader died; calls waiting for it
 * are held until it is up), and on SIGTERM/SIGINT asks every worker to stop
 * gracefully, waits, and exits.
 */
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { Code } from "../errors/codes.js";
import { type EngineCall, type EngineReply, isEngineCall, isEngineReply } from "./engine-link.js";

/** The environment variable telling a worker its role. */
export const ROLE_ENV = "FLYTEADMIN_WORKER_ROLE";

/** A worker's message saying it is listening. */
export const READY_MESSAGE = { kind: "flyteadmin:ready" } as const;

const isReady = (m: unknown) =>
  typeof m === "object" && m !== null && (m as { kind?: unknown }).kind === READY_MESSAGE.kind;

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** How long workers get to finish after SIGTERM before they are killed. */
  readonly stopTimeoutMs: number;
  /** Wait before replacing a dead worker. */
  readonly restartDelayMs?: number;
  /** How long an engine call waits for a leader before it fails UNAVAILABLE. */
  readonly leaderWaitMs?: number;
}

interface Queued {
  readonly call: EngineCall;
  readonly from: number;
  readonly since: number;
}

/**
 * Runs the primary until a signal stops it (then the process exits).
 *
 * @example
 * if (cluster.isPrimary && workers > 1) runPrimary({ workers, logger, stopTimeoutMs: 25_000 });
 */
export function runPrimary(o: PrimaryOptions): void {
  const logger = o.logger.child({ component: "primary" });
  const restartDelayMs = o.restartDelayMs ?? 1000;
  const leaderWaitMs = o.leaderWaitMs ?? 30_000;
  // Structured clone keeps the bigints and bytes of the protobuf messages engine calls carry.
  cluster.setupPrimary({ serialization: "advanced", execArgv: workerExecArgv(process.execArgv) });
  let leader: Worker | undefined;
  let leaderReady = false;
  let everReady = false;
  let stopping = false;
  const queue: Queued[] = [];
  /** Calls the current leader has not answered yet, by key `${from}:${id}`. */
  const inFlight = new Map<string, { from: number; id: number }>();

  const reply = (r: EngineReply) => cluster.workers?.[r.to]?.send(r);
  const fail = (from: number, id: number, message: string) =>
    reply({ kind: "flyteadmin:engine-reply", id, to: from, error: { code: Code.UNAVAILABLE, message } });

  const route = (call: EngineCall, from: number) => {
    if (leader && leaderReady) {
      inFlight.set(`${from}:${call.id}`, { from, id: call.id });
      leader.send({ ...call, from });
    } else {
      queue.push({ call, from, since: Date.now() });
    }
  };

  const fork = (role: "leader" | "follower"): Worker => {
    const worker = cluster.fork({ [ROLE_ENV]: role });
    if (role === "leader") {
      leader = worker;
      leaderReady = false;
    }
    worker.on("message", (m: unknown) => {
      if (isEngineCall(m)) route(m, worker.id);
      else if (isEngineReply(m)) {
        inFlight.delete(`${m.to}:${m.id}`);
        reply(m);
      } else if (isReady(m) && worker !== leader) {
        logger.info({ pid: worker.process.pid }, "worker ready");
      } else if (isReady(m)) {
        leaderReady = true;
        logger.info({ pid: worker.process.pid }, "leader worker ready");
        for (const q of queue.splice(0)) route(q.call, q.from);
        if (!everReady) {
          everReady = true;
          for (let i = 1; i < o.workers; i++) fork("follower");
        }
      }
    });
    return worker;
  };

  cluster.on("exit", (worker, code, signal) => {
    const wasLeader = worker === leader;
    if (wasLeader) {
      leader = undefined;
      leaderReady = false;
      for (const { from, id } of inFlight.values()) fail(from, id, "the local engine's worker stopped; try again");
      inFlight.clear();
    }
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info("all workers stopped");
        process.exit(0);
      }
      return;
    }
    if (wasLeader && !everReady) {
      // The first leader could not start (bad configuration, port in use...): its log says why; do not loop.
      logger.error({ code, signal }, "the leader worker failed to start");
      process.exit(1);
    }
    logger.error({ pid: worker.process.pid, code, signal, leader: wasLeader }, "worker died; replacing it");
    setTimeout(() => {
      if (!stopping) fork(wasLeader ? "leader" : "follower");
    }, restartDelayMs).unref();
  });

  // Engine calls cannot wait for a leader forever.
  setInterval(() => {
    const now = Date.now();
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i] as Queued;
      if (now - q.since < leaderWaitMs) continue;
      queue.splice(i, 1);
      fail(q.from, q.call.id, "the local engine is not available (its worker is restarting)");
    }
  }, 1000).unref();

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn("second signal: killing workers");
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping workers");
    for (const q of queue.splice(0)) fail(q.from, q.call.id, "the server is stopping");
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill("SIGTERM");
    setTimeout(() => {
      logger.error("workers did not stop in time: killing them");
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
      process.exit(1);
    }, o.stopTimeoutMs).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  logger.info({ workers: o.workers }, "starting workers");
  fork("leader");
}

/**
 * A request allocates many short-lived objects (decoded messages, rows): a 64 MB young generation collects them
 * less often, for 5-10% more reads per second. Node takes the flag only at start (`npm start` passes it too);
 * a flag given by the operator wins.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => a.startsWith("--max-semi-space-size")) ? [...execArgv] : [...execArgv, YOUNG_GENERATION];
}

const YOUNG_GENERATION = "--max-semi-space-size=64";
