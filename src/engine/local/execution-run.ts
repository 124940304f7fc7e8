/**
 * One execution run by the local engine, reported as FlytePropeller reports
 * a FlyteWorkflow: RUNNING; then SUCCEEDING and SUCCEEDED with the end
 * node's outputs; or FAILING and FAILED with the error; or ABORTED after
 * TerminateExecution. When the server stops under it, the run stops where
 * it is without reporting anything (its task processes go on), and the next
 * server resumes it from what was recorded (`resume`).
 */
import { setMaxListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import type { CompiledWorkflow } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  WorkflowExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import type { ExecutionData } from "../workflow-executor.js";
import { createHandlers } from "./handlers/index.js";
import { Semaphore } from "./process-runner.js";
import type { ResumeState } from "./resume-state.js";
import { abortReason, type EngineServices, type ExecutionScope, idKey, suspended } from "./run-context.js";
import { runFrame } from "./workflow-frame.js";

/** Why a run was stopped: a user's TerminateExecution, or the server going away. */
export class StopReason extends Error {
  readonly terminated: boolean;
  constructor(message: string, terminated: boolean) {
    super(message);
    this.terminated = terminated;
  }
}

export const ABORT_REASON = "Workflow aborted.";
export const ENGINE_STOPPED_MESSAGE =
  "the server stopped while this execution was running, and the engine's record of it is missing (relaunch it)";

/**
 * A running execution.
 *
 * @example
 * const run = new ExecutionRun(services, data);
 * void run.start();
 * run.stop(new StopReason(ABORT_REASON, true));
 */
export class ExecutionRun {
  readonly #services: EngineServices;
  readonly #data: ExecutionData;
  readonly #resume: ResumeState | undefined;
  readonly #controller = new AbortController();
  #done: Promise<void> | undefined;

  /** `resume`: what a previous server recorded of this run (it continues from there). */
  constructor(services: EngineServices, data: ExecutionData, resume?: ResumeState) {
    setMaxListeners(0, this.#controller.signal);
    this.#services = services;
    this.#data = data;
    this.#resume = resume;
  }

  /** Runs the execution in the background; the promise settles when it has ended (it never rejects). */
  start(): Promise<void> {
    this.#done ??= this.#run().catch((err: unknown) => {
      this.#services.logger.error({ err, execution: this.#data.executionId.name }, "local engine: execution failed");
    });
    return this.#done;
  }

  stop(reason: StopReason | Error): void {
    this.#controller.abort(reason);
  }

  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  #scope(): ExecutionScope {
    const { executionId: id, executionParameters: params } = this.#data;
    const store = this.#services.store;
    const cfg = params.executionConfig;
    const rawBase =
      params.rawOutputDataConfig?.outputLocationPrefix ||
      cfg.rawOutputDataConfig?.outputLocationPrefix ||
      store.ref("data");
    const max = cfg.maxParallelism;
    return {
      services: this.#services,
      id,
      namespace: this.#data.namespace,
      workflowName: this.#data.referenceWorkflowName,
      launchPlanName: this.#data.referenceLaunchPlanName,
      parameters: params,
      metadataPrefix: store.ref("metadata", "propeller", `${id.project}-${id.domain}-${id.name}`),
      rawOutputPrefix: `${rawBase.replace(/\/+$/, "")}/${id.project}/${id.domain}/${id.name}`,
      parallelism: max > 0 ? new Semaphore(max) : undefined,
      envs: Object.fromEntries((cfg.envs?.values ?? []).map((kv) => [kv.key, kv.value])),
      overwriteCache: cfg.overwriteCache,
      signal: this.#controller.signal,
      resume: this.#resume,
    };
  }

  async #run(): Promise<void> {
    const scope = this.#scope();
    const events = this.#services.events;
    const id = scope.id;
    const closure = this.#data.workflowClosure;
    if ((await events.workflow(id, WorkflowExecution_Phase.RUNNING)) === "terminal") return;
    const tasks = new Map<string, TaskTemplate>();
    for (const t of closure.tasks) if (t.template) tasks.set(idKey(t.template.id), t.template);
    const subWorkflows = new Map<string, CompiledWorkflow>(closure.subWorkflows.map((w) => [idKey(w.template?.id), w]));
    let result: Awaited<ReturnType<typeof runFrame>>;
    try {
      result = await runFrame(
        scope,
        { workflow: closure.primary!, tasks, subWorkflows, parent: undefined, dataDir: scope.metadataPrefix },
        this.#data.executionParameters.inputs,
        scope.signal,
        createHandlers(),
      );
    } catch (err) {
      result = { phase: "failed", error: systemError("RuntimeExecutionError", (err as Error).message) };
    }
    // The server is stopping: the next one resumes the run.
    if (suspended(scope.signal)) return;
    if (result.phase === "succeeded") {
      await events.workflow(id, WorkflowExecution_Phase.SUCCEEDING);
      await events.workflow(id, WorkflowExecution_Phase.SUCCEEDED, { outputUri: result.outputUri || undefined });
      return;
    }
    const stop: unknown = scope.signal.reason;
    if (result.phase === "aborted" || stop instanceof StopReason) {
      if (stop instanceof StopReason && !stop.terminated) {
        await this.#fail(systemError("EngineStopped", ENGINE_STOPPED_MESSAGE));
      } else {
        await events.workflow(id, WorkflowExecution_Phase.ABORTED);
      }
      return;
    }
    await this.#fail(
      result.phase === "failed" ? result.error : systemError("RuntimeExecutionError", abortReason(scope.signal)),
    );
  }

  async #fail(error: ExecutionError): Promise<void> {
    const events = this.#services.events;
    const id = this.#data.executionId;
    await events.workflow(id, WorkflowExecution_Phase.FAILING, { error });
    await events.workflow(id, WorkflowExecution_Phase.FAILED, { error });
  }
}

function systemError(code: string, message: string): ExecutionError {
  return create(ExecutionErrorSchema, { code, message, kind: ExecutionError_ErrorKind.SYSTEM });
}
