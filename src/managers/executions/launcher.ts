/**
 * The recording half of CreateExecution (executions.md §1.1 steps 12, 17b,
 * 18-21, §1.4-1.5). Unlike FlyteAdmin, which launches first and inserts
 * last, the name is reserved first: the row is inserted (with the launch
 * plan concurrency check in the same transaction), the input blobs are
 * written before that transaction commits (on SQLite, with the name reserved
 * in memory, just before it: store/insert-with-writes.ts), then the executor
 * is called. A duplicate name therefore never touches the existing execution
 * or its blobs, and concurrency limits hold under concurrent creates.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { DataStore } from "../../blob/data-store.js";
import { microsToTimestamp, nowMicros } from "../../common/time.js";
import type { ExecutionData, WorkflowExecutor } from "../../engine/workflow-executor.js";
import { AdminError, Code, passThrough } from "../../errors/admin-error.js";
import {
  ExecutionClosureSchema,
  ExecutionMetadataSchema,
  ExecutionState,
  ExecutionStateChangeDetailsSchema,
  SystemMetadataSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { ConcurrencyLimitBehavior } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  WorkflowExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { Database } from "../../store/database.js";
import {
  closureBytes,
  closureOf,
  type ExecutionKey,
  executionIdOf,
  newExecutionColumns,
  specBytes,
  specOf,
  tagRowsOf,
} from "../../store/repositories/execution-mapper.js";
import type { ConcurrencyGuard, ExecutionRepository } from "../../store/repositories/execution-repository.js";
import type { ResolvedLaunch } from "./launch-resolver.js";

/**
 * Phases that hold a launch plan concurrency slot. FlyteAdmin counts QUEUED
 * and RUNNING only, so a burst of creates (all still UNDEFINED) passes any
 * limit; we count UNDEFINED too (see docs/compatibility.md).
 */
export const CONCURRENCY_ACTIVE_PHASES: readonly string[] = ["UNDEFINED", "QUEUED", "RUNNING"];

export interface LauncherDeps {
  readonly db: Database;
  readonly executions: ExecutionRepository;
  readonly blobs: DataStore;
  readonly executor: WorkflowExecutor;
  readonly logger: Logger;
}

/** Extra row values of relaunched and recovered executions. */
export interface LaunchOrigin {
  readonly sourceExecutionId?: number | undefined;
}

/**
 * Records resolved launches and hands them to the executor.
 *
 * @example
 * const id = await new ExecutionLauncher(deps).launch(await resolver.resolve(request, caller, receivedAt));
 */
export class ExecutionLauncher {
  readonly #d: LauncherDeps;

  constructor(deps: LauncherDeps) {
    this.#d = deps;
  }

  async launch(r: ResolvedLaunch, origin: LaunchOrigin = {}): Promise<WorkflowExecutionIdentifier> {
    const { db, executions } = this.#d;
    const inputsUri = this.#d.blobs.ref("metadata", r.key.project, r.key.domain, r.key.name, "inputs");
    const userInputsUri = this.#d.blobs.ref("metadata", r.key.project, r.key.domain, r.key.name, "user_inputs");
    const now = nowMicros();
    const spec = r.spec;
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.systemMetadata = create(SystemMetadataSchema, { executionCluster: "", namespace: r.namespace });
    spec.securityContext = r.parameters.executionConfig.securityContext;
    const principal = spec.metadata.principal;
    const closure = create(ExecutionClosureSchema, {
      phase: WorkflowExecution_Phase.UNDEFINED,
      createdAt: microsToTimestamp(now),
      updatedAt: microsToTimestamp(now),
      notifications: r.notifications,
      workflowId: r.workflow.id,
      stateChangeDetails: create(ExecutionStateChangeDetailsSchema, {
        state: ExecutionState.EXECUTION_ACTIVE,
        principal,
        occurredAt: microsToTimestamp(now),
      }),
    });
    const row = newExecutionColumns(
      {
        key: r.key,
        spec,
        closure,
        launchPlanId: r.task ? undefined : r.launchPlan.rowId,
        workflowId: r.task ? r.workflow.rowId : r.launchPlan.workflowRowId,
        taskId: r.task?.rowId,
        parentNodeExecutionId: r.parentNodeExecutionId,
        sourceExecutionId: origin.sourceExecutionId ?? r.sourceExecutionId,
        cluster: "",
        inputsUri,
        userInputsUri,
        principal,
        launchEntity: r.task ? "task" : "launch_plan",
        createdAt: now,
      },
      db.codec,
    );
    // Single-task executions get no tag rows and no concurrency check.
    const tags = r.task ? [] : tagRowsOf(r.key, spec, now, db.codec);
    // The inputs are written once the name is reserved (a duplicate never
    // touches the existing execution's blobs) and before the row commits (a
    // crash never leaves an execution without its inputs).
    const id = await executions.create(row, tags, r.task ? undefined : concurrencyGuard(r), () =>
      Promise.all([
        this.#offload(inputsUri, r.parameters.inputs, r.key),
        this.#offload(userInputsUri, r.userInputs, r.key),
      ]),
    );

    let cluster: string;
    try {
      ({ cluster } = await this.#d.executor.execute(this.#executionData(r, inputsUri)));
    } catch (err) {
      this.#d.logger.info({ execution: r.key, err: (err as Error).message }, "the executor refused the execution");
      if (r.task) {
        // FlyteAdmin returns a single-task launch failure as the call's error and records nothing.
        await executions.delete(id);
        throw err;
      }
      await this.#recordFailure(id, err);
      return executionIdOf(r.key);
    }
    if (cluster !== "") await this.#recordCluster(r.key, cluster);
    return executionIdOf(r.key);
  }

  #executionData(r: ResolvedLaunch, inputsUri: string): ExecutionData {
    return {
      namespace: r.namespace,
      executionId: executionIdOf(r.key),
      referenceWorkflowName: r.workflow.id.name,
      referenceLaunchPlanName: r.launchPlan.launchPlan.id?.name ?? "",
      workflowClosure: r.closure,
      workflowClosureReference: r.workflow.closureRef,
      executionParameters: r.parameters,
      offloadedInputsReference: inputsUri,
    };
  }

  async #offload(ref: string, map: LiteralMap, key: ExecutionKey): Promise<void> {
    try {
      await this.#d.blobs.write(ref, toBinary(LiteralMapSchema, map));
    } catch (err) {
      const passed = passThrough(err);
      if (passed) throw passed;
      const keys = [key.project, key.domain, key.name, ref.slice(ref.lastIndexOf("/") + 1)];
      throw AdminError.internal(`Failed to write protobuf for [${keys.join(" ")}] with err: ${(err as Error).message}`);
    }
  }

  /** [v1.16] A launch the executor refuses is stored as FAILED, with the error, and the call succeeds. */
  async #recordFailure(id: number, err: unknown): Promise<void> {
    const isAdmin = err instanceof AdminError;
    const error = create(ExecutionErrorSchema, {
      code: isAdmin ? goCodeName(err.code) : "Unknown",
      message: err instanceof Error ? err.message : String(err),
      kind:
        isAdmin && err.code === Code.INVALID_ARGUMENT ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
    });
    const { db, executions } = this.#d;
    await db.transaction(async (trx) => {
      const row = await executions.getById(id, trx);
      if (!row) return;
      const closure = closureOf(row);
      closure.phase = WorkflowExecution_Phase.FAILED;
      closure.outputResult = { case: "error", value: error };
      await executions.update(trx, id, {
        phase: "FAILED",
        closure: closureBytes(closure, db.codec),
        error_kind: ExecutionError_ErrorKind[error.kind] ?? String(error.kind),
        error_code: error.code,
      });
    });
  }

  /** The cluster the executor placed the run on, in the column and in `spec.metadata.system_metadata`. */
  async #recordCluster(key: ExecutionKey, cluster: string): Promise<void> {
    const { db, executions } = this.#d;
    await db.transaction(async (trx) => {
      const row = await executions.getForUpdate(trx, key);
      if (!row) return;
      const spec = specOf(row);
      spec.metadata ??= create(ExecutionMetadataSchema);
      spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
      spec.metadata.systemMetadata.executionCluster = cluster;
      await executions.update(trx, row.id, { cluster, spec: specBytes(spec, db.codec) });
    });
  }
}

/** launch plan `concurrency_policy` (v1.16 §1.1 17b), checked atomically with the insert. */
function concurrencyGuard(r: ResolvedLaunch): ConcurrencyGuard | undefined {
  const lp = r.launchPlan.launchPlan;
  const policy = lp.spec?.concurrencyPolicy;
  if (!policy || !lp.id) return undefined;
  return {
    launchPlan: { project: lp.id.project, domain: lp.id.domain, name: lp.id.name },
    activePhases: CONCURRENCY_ACTIVE_PHASES,
    admit: (active) => {
      if (active < policy.max) return;
      switch (policy.behavior) {
        case ConcurrencyLimitBehavior.SKIP:
          throw AdminError.alreadyExists(
            `concurrency limit (${policy.max}) reached for launch plan ${lp.id?.name}; skipping execution`,
          );
        case ConcurrencyLimitBehavior.UNSPECIFIED:
          return;
        default:
          throw AdminError.internal(
            `unsupported concurrency-limit behavior: ${ConcurrencyLimitBehavior[policy.behavior] ?? policy.behavior}`,
          );
      }
    },
  };
}

/** Go's codes.Code String(): `InvalidArgument`, `Internal`, ... */
export function goCodeName(code: Code): string {
  if (code === Code.OK) return "OK";
  if (code === Code.CANCELLED) return "Canceled";
  const name = Object.entries(Code).find(([, v]) => v === code)?.[0] ?? "UNKNOWN";
  return name
    .split("_")
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join("");
}
