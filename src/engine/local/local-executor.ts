/**
 * `executor.type: local`, the embedded default: executions run on this
 * machine, their progress reported through the same event path
 * FlytePropeller's events take. The executor is built with the other
 * engines and bound to the control plane (the managers, in-process) and the
 * server's public URL once the server is up; then it resumes what a previous
 * server left running, from the database and the engine's record of each run
 * (task processes still running are adopted). `stop` leaves the runs where
 * they are, their task processes running, for the next server to resume.
 */
import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { DataStore } from "../../blob/data-store.js";
import type { Config } from "../../config/schema.js";
import { AdminError } from "../../errors/admin-error.js";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { AbortData, ExecutionData, ExecutionInfo, WorkflowExecutor } from "../workflow-executor.js";
import { killAttemptProcesses } from "./attempt-files.js";
import type { EngineControlPlane } from "./control-plane.js";
import { EngineFiles } from "./engine-files.js";
import { EventReporter, LOCAL_CLUSTER } from "./event-reporter.js";
import { readExecutionRecord, writeExecutionRecord } from "./execution-record.js";
import { ABORT_REASON, ENGINE_STOPPED_MESSAGE, ExecutionRun, StopReason } from "./execution-run.js";
import { ProcessLauncher } from "./process-launcher.js";
import { Semaphore } from "./process-runner.js";
import { ResumeState } from "./resume-state.js";
import { type EngineServices, EngineSuspended } from "./run-context.js";
import { type EngineSettings, engineSettings } from "./settings.js";
import { TaskCache } from "./task-cache.js";
import { WarmPython } from "./warm-python.js";

export interface LocalExecutorDeps {
  readonly config: Config;
  readonly blobs: DataStore;
  readonly logger: Logger;
  readonly dataDir: string;
}

const key = (id: WorkflowExecutionIdentifier) => `${id.project}/${id.domain}/${id.name}`;
/** How long a stopping server waits for its runs to put themselves down (they report nothing and stop no task). */
const STOP_WAIT_MS = 2_000;

/**
 * The local engine.
 *
 * @example
 * const engine = new LocalExecutor({ config, blobs, logger, dataDir });
 * await engine.bind(controlPlane, () => server.publicUrl);
 * const { cluster } = await engine.execute(data); // "local"
 */
export class LocalExecutor implements WorkflowExecutor {
  readonly type = "local";
  readonly settings: EngineSettings;
  readonly #deps: LocalExecutorDeps;
  readonly #runs = new Map<string, ExecutionRun>();
  #services: EngineServices | undefined;
  readonly #processes: ProcessLauncher;
  readonly #warmPython: WarmPython | undefined;

  constructor(deps: LocalExecutorDeps) {
    this.#deps = deps;
    this.settings = engineSettings(deps.config, deps.dataDir);
    this.#processes = new ProcessLauncher(deps.logger);
    this.#warmPython = this.settings.warmPython ? new WarmPython(deps.logger, this.settings.workDir) : undefined;
  }

  /** Connects the engine to the admin and resumes the executions a previous server left running. */
  async bind(controlPlane: EngineControlPlane, publicUrl: () => string): Promise<void> {
    this.#services = {
      store: this.#deps.blobs,
      controlPlane,
      events: new EventReporter(controlPlane, this.#deps.logger),
      logger: this.#deps.logger,
      settings: this.settings,
      taskSlots: new Semaphore(this.settings.maxParallelTasks),
      processes: this.#processes,
      warmPython: this.#warmPython,
      cache: new TaskCache(this.#deps.blobs),
      files: new EngineFiles(this.#deps.blobs),
      publicUrl,
    };
    await this.#resumeAll().catch((err: unknown) =>
      this.#deps.logger.error({ err }, "local engine: could not resume the executions left by a previous server"),
    );
  }

  async execute(data: ExecutionData): Promise<ExecutionInfo> {
    const services = this.#services;
    if (!services) throw AdminError.internal("the local engine is not started yet");
    const k = key(data.executionId);
    if (this.#runs.has(k)) return { cluster: LOCAL_CLUSTER };
    // Written before the run starts: a server that stops from here on resumes the run from it.
    await writeExecutionRecord(services.store, services.files, data);
    const run = new ExecutionRun(services, data);
    this.#runs.set(k, run);
    // The run starts after CreateExecution has stored the execution (events need the row).
    setImmediate(() => void run.start().finally(() => this.#runs.delete(k)));
    return { cluster: LOCAL_CLUSTER };
  }

  async abort(data: AbortData): Promise<void> {
    const run = this.#runs.get(key(data.executionId));
    if (run) {
      run.stop(new StopReason(ABORT_REASON, true));
      return;
    }
    // Nothing runs it here (a previous server did): end it now rather than leave it ABORTING.
    await this.#services?.events.workflow(data.executionId, WorkflowExecution_Phase.ABORTED);
  }

  /** Executions running now. */
  get running(): number {
    return this.#runs.size;
  }

  /**
   * Puts every run down where it is, reporting nothing and stopping no task process (the next server resumes the
   * runs and adopts the processes), and waits for them briefly.
   */
  async stop(): Promise<void> {
    this.#services?.events.close();
    const runs = [...this.#runs.values()];
    for (const run of runs) run.stop(new EngineSuspended());
    await Promise.race([Promise.all(runs.map((r) => r.done)), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    this.#warmPython?.close();
    await this.#processes.close();
  }

  async #resumeAll(): Promise<void> {
    const services = this.#services!;
    const cp = services.controlPlane;
    for (const execution of await cp.listUnfinishedExecutions(LOCAL_CLUSTER)) {
      const k = key(execution.id);
      if (this.#runs.has(k)) continue;
      const data = await readExecutionRecord(services.store, execution.id).catch((err: unknown) => {
        services.logger.error({ err, execution: k }, "local engine: cannot read the record of an execution");
        return undefined;
      });
      // Not handed to this engine (another executor's, or the server stopped before): not ours to close.
      if (!data && execution.cluster === "") continue;
      if (execution.phase === "ABORTING" || !data) {
        await this.#close(execution.id, execution.phase === "ABORTING");
        continue;
      }
      const resume = new ResumeState(await cp.listRecordedNodes(execution.id));
      const run = new ExecutionRun(services, data, resume);
      this.#runs.set(k, run);
      void run.start().finally(() => this.#runs.delete(k));
      services.logger.info(
        { execution: k, phase: execution.phase, recordedNodes: resume.size },
        "local engine: resumed an execution left by a previous server",
      );
    }
  }

  /** Ends an execution that cannot be resumed (ABORTING, or no record of it): ABORTED or FAILED, its tasks stopped. */
  async #close(id: WorkflowExecutionIdentifier, aborting: boolean): Promise<void> {
    const services = this.#services!;
    await killAttemptProcesses(
      services.settings.workDir,
      [id.project, id.domain, id.name],
      services.settings.killGraceMs,
    );
    const reason = aborting ? ABORT_REASON : ENGINE_STOPPED_MESSAGE;
    await this.#closeNodes(id, reason, aborting);
    const events = services.events;
    if (aborting) {
      await events.workflow(id, WorkflowExecution_Phase.ABORTED);
    } else {
      const error = create(ExecutionErrorSchema, {
        code: "EngineStopped",
        message: ENGINE_STOPPED_MESSAGE,
        kind: ExecutionError_ErrorKind.SYSTEM,
      });
      await events.workflow(id, WorkflowExecution_Phase.FAILING, { error });
      await events.workflow(id, WorkflowExecution_Phase.FAILED, { error });
    }
    services.logger.warn({ execution: key(id), aborting }, "local engine: closed an execution it cannot resume");
  }

  /** Ends node and task executions left open: ABORTED with the reason. */
  async #closeNodes(id: WorkflowExecutionIdentifier, reason: string, aborting: boolean): Promise<void> {
    const events = this.#services!.events;
    const error = create(ExecutionErrorSchema, { code: aborting ? "NodeAborted" : "EngineStopped", message: reason });
    for (const node of await this.#services!.controlPlane.listUnfinishedNodes(id)) {
      for (const t of node.tasks) {
        await events.task({
          taskId: t.taskId,
          parentNodeExecutionId: { executionId: id, nodeId: node.nodeId },
          retryAttempt: t.retryAttempt,
          phase: TaskExecution_Phase.ABORTED,
          phaseVersion: 100,
          outputResult: { case: "error", value: error },
        });
      }
      await events.node({
        id: { executionId: id, nodeId: node.nodeId },
        phase: NodeExecution_Phase.ABORTED,
        outputResult: { case: "error", value: error },
      });
    }
  }
}
