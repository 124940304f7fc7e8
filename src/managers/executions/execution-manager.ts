/**
 * The execution lifecycle RPCs (executions.md §1, §2): create, relaunch,
 * recover, terminate, update, get and list. Event ingestion lives with the
 * event managers; data and metrics in their own modules.
 */
import { clone, create, fromBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { microsToTimestamp } from "../../common/time.js";
import type { Config } from "../../config/schema.js";
import type { WorkflowExecutor } from "../../engine/workflow-executor.js";
import { AdminError, Code, detail } from "../../errors/admin-error.js";
import type { ResourceListRequest } from "../../proto/gen/flyteidl/admin/common_pb.js";
import { EventFailureReasonSchema } from "../../proto/gen/flyteidl/admin/event_pb.js";
import {
  AbortMetadataSchema,
  type Execution,
  type ExecutionCreateRequest,
  ExecutionCreateRequestSchema,
  type ExecutionList,
  ExecutionListSchema,
  ExecutionMetadata_ExecutionMode,
  ExecutionMetadataSchema,
  type ExecutionRecoverRequest,
  type ExecutionRelaunchRequest,
  ExecutionStateChangeDetailsSchema,
  type ExecutionTerminateRequest,
  type ExecutionUpdateRequest,
  type WorkflowExecutionGetDataResponse,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { Database } from "../../store/database.js";
import { type Filter, parseFilters } from "../../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../../store/list/paging.js";
import {
  closureBytes,
  closureOf,
  type ExecutionKey,
  type ExecutionRow,
  executionFromRow,
  executionIdOf,
  executionKeyOf,
  phaseOfName,
  rowKey,
  specOf,
} from "../../store/repositories/execution-mapper.js";
import type { ExecutionListQuery, ExecutionRepository } from "../../store/repositories/execution-repository.js";
import type { RowVersion } from "../../store/repositories/row-versions.js";
import { PageAnswers, RowAnswers, VersionedAnswers } from "../row-answers.js";
import { requireWorkflowExecutionId } from "../validation/execution-ids.js";
import type { ExecutionDataReader } from "./execution-data.js";
import { executionNotFound, type LaunchResolver } from "./launch-resolver.js";
import { type CallerIdentity, namespaceFor } from "./launch-settings.js";
import type { ExecutionLauncher } from "./launcher.js";
import { TERMINAL_PHASES } from "./request-validation.js";

export interface ExecutionManagerDeps {
  readonly config: Config;
  readonly db: Database;
  readonly executions: ExecutionRepository;
  readonly blobs: DataStore;
  readonly executor: WorkflowExecutor;
  readonly resolver: LaunchResolver;
  readonly launcher: ExecutionLauncher;
  readonly data: ExecutionDataReader;
  /** Memory for decoded GetExecution answers, kept while their row stays the same (0: none kept). */
  readonly answerCacheBytes?: number;
}

/**
 * The rules of workflow executions.
 *
 * @example
 * const { id } = await executions.create(request, { subject: "" }, nowMicros());
 * await executions.terminate({ id, cause: "no longer needed" }, caller);
 */
export class ExecutionManager {
  readonly #d: ExecutionManagerDeps;
  /**
   * Clients poll GetExecution and ListExecutions: an execution whose row did
   * not change since is answered as before (its GetExecution form, its list item).
   */
  readonly #answers: RowAnswers<ExecutionRow, Execution>;
  readonly #listItems: RowAnswers<ExecutionRow, Execution>;
  readonly #listByVersions: VersionedAnswers<ExecutionRow, Execution>;
  readonly #byVersion: VersionedAnswers<ExecutionRow, Execution>;
  /** Whole ListExecutions answers, reused while their page is unchanged (PostgreSQL). */
  readonly #pages: PageAnswers<ExecutionList>;

  constructor(deps: ExecutionManagerDeps) {
    this.#d = deps;
    this.#answers = new RowAnswers((deps.answerCacheBytes ?? 0) / 2);
    this.#listItems = new RowAnswers((deps.answerCacheBytes ?? 0) / 2);
    // Answers are kept per row version on PostgreSQL, per row content on SQLite: of each pair, one fills.
    this.#listByVersions = new VersionedAnswers((deps.answerCacheBytes ?? 0) / 2);
    this.#byVersion = new VersionedAnswers((deps.answerCacheBytes ?? 0) / 2);
    this.#pages = new PageAnswers(ExecutionListSchema, (deps.answerCacheBytes ?? 0) / 4);
  }

  /** CreateExecution; `receivedAt` (microseconds) becomes the executor's accepted-at time. */
  async create(
    request: ExecutionCreateRequest,
    caller: CallerIdentity,
    receivedAt: number,
  ): Promise<WorkflowExecutionIdentifier> {
    // The resolver completes the spec in place; keep the caller's message intact.
    const req = clone(ExecutionCreateRequestSchema, request);
    return this.#d.launcher.launch(await this.#d.resolver.resolve(req, caller, receivedAt));
  }

  /** RelaunchExecution: the original's stored spec and user inputs, through the whole create pipeline. */
  async relaunch(
    request: ExecutionRelaunchRequest,
    caller: CallerIdentity,
    receivedAt: number,
  ): Promise<WorkflowExecutionIdentifier> {
    const original = await this.#load(requireWorkflowExecutionId(request.id));
    const spec = specOf(original);
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.mode = ExecutionMetadata_ExecutionMode.RELAUNCH;
    spec.metadata.referenceExecution = executionIdOf(rowKey(original));
    spec.overwriteCache = request.overwriteCache;
    // Rows from before user inputs were stored keep them in the spec.
    const inputs = original.user_inputs_uri ? await this.#readInputs(original.user_inputs_uri) : spec.inputs;
    return this.#relaunchAs(original, request.name, spec, inputs, caller, receivedAt);
  }

  /** RecoverExecution: like relaunch, in RECOVERED mode, so the engine reuses the succeeded nodes' outputs. */
  async recover(
    request: ExecutionRecoverRequest,
    caller: CallerIdentity,
    receivedAt: number,
  ): Promise<WorkflowExecutionIdentifier> {
    const original = await this.#load(requireWorkflowExecutionId(request.id));
    const spec = specOf(original);
    spec.metadata ??= create(ExecutionMetadataSchema);
    if (request.metadata) spec.metadata.parentNodeExecution = request.metadata.parentNodeExecution;
    spec.metadata.mode = ExecutionMetadata_ExecutionMode.RECOVERED;
    spec.metadata.referenceExecution = executionIdOf(rowKey(original));
    const inputs = original.user_inputs_uri ? await this.#readInputs(original.user_inputs_uri) : undefined;
    return this.#relaunchAs(original, request.name, spec, inputs, caller, receivedAt);
  }

  async #relaunchAs(
    original: ExecutionRow,
    name: string,
    spec: ReturnType<typeof specOf>,
    inputs: LiteralMap | undefined,
    caller: CallerIdentity,
    receivedAt: number,
  ): Promise<WorkflowExecutionIdentifier> {
    const request = create(ExecutionCreateRequestSchema, {
      project: original.execution_project,
      domain: original.execution_domain,
      name,
      spec,
      inputs,
    });
    const resolved = await this.#d.resolver.resolve(request, caller, receivedAt);
    return this.#d.launcher.launch(resolved, { sourceExecutionId: original.id });
  }

  async #readInputs(uri: string): Promise<LiteralMap> {
    try {
      return fromBinary(LiteralMapSchema, await this.#d.blobs.read(uri));
    } catch (err) {
      throw AdminError.internal(
        `failed to read the inputs of the original execution from ${uri}: ${(err as Error).message}`,
      );
    }
  }

  /**
   * TerminateExecution: records ABORTING with the cause and the caller, then
   * tells the executor. A terminal execution cannot be aborted.
   */
  async terminate(request: ExecutionTerminateRequest, caller: CallerIdentity): Promise<void> {
    const key = executionKeyOf(requireWorkflowExecutionId(request.id));
    const { db, executions } = this.#d;
    const row = await db.transaction(async (trx) => {
      const current = await executions.getForUpdate(trx, key);
      if (!current) throw executionNotFound(key);
      if (TERMINAL_PHASES.has(phaseOfName(current.phase))) {
        throw new AdminError(Code.FAILED_PRECONDITION, "Cannot abort an already terminated workflow execution", [
          detail(
            EventFailureReasonSchema,
            create(EventFailureReasonSchema, {
              reason: { case: "alreadyInTerminalState", value: { currentPhase: current.phase } },
            }),
          ),
        ]);
      }
      const closure = closureOf(current);
      closure.outputResult = {
        case: "abortMetadata",
        value: create(AbortMetadataSchema, { cause: request.cause, principal: caller.subject }),
      };
      closure.phase = WorkflowExecution_Phase.ABORTING;
      await executions.update(trx, current.id, {
        phase: "ABORTING",
        abort_cause: request.cause,
        closure: closureBytes(closure, db.codec),
      });
      return current;
    });
    try {
      await this.#d.executor.abort({
        executionId: executionIdOf(key),
        cluster: row.cluster,
        namespace: this.#namespace(key),
      });
    } catch (err) {
      if (err instanceof AdminError) throw err;
      throw AdminError.internal(
        `failed to terminate execution: ${key.project}/${key.domain}/${key.name} with err ${(err as Error).message}`,
      );
    }
  }

  /** UpdateExecution: the state (active/archived) and who changed it when; any phase, idempotent. */
  async update(request: ExecutionUpdateRequest, caller: CallerIdentity, receivedAt: number): Promise<void> {
    const key = executionKeyOf(requireWorkflowExecutionId(request.id));
    const { db, executions } = this.#d;
    await db.transaction(async (trx) => {
      const row = await executions.getForUpdate(trx, key);
      if (!row) throw executionNotFound(key);
      const closure = closureOf(row);
      closure.stateChangeDetails = create(ExecutionStateChangeDetailsSchema, {
        state: request.state,
        principal: caller.subject,
        occurredAt: microsToTimestamp(receivedAt),
      });
      await executions.update(trx, row.id, { state: request.state, closure: closureBytes(closure, db.codec) });
    });
  }

  /** GetExecution, with the namespace filled in when the row has none. */
  async get(id: WorkflowExecutionIdentifier | undefined): Promise<Execution> {
    const key = executionKeyOf(requireWorkflowExecutionId(id));
    const text = `${key.project}/${key.domain}/${key.name}`;
    const build = (r: ExecutionRow) =>
      executionFromRow(r, this.#d.db.codec, { defaultNamespace: this.#namespace(key) });
    const { executions } = this.#d;
    if (!executions.versions.enabled) return this.#answers.answer(text, await this.#load(key), build);
    const answer = await this.#byVersion.read(text, executions.versions, { ...key }, build);
    if (answer === undefined) throw executionNotFound(key);
    return answer;
  }

  /** GetExecutionData: inputs and outputs, inline and as URL blobs. */
  async getData(id: WorkflowExecutionIdentifier | undefined): Promise<WorkflowExecutionGetDataResponse> {
    return this.#d.data.get(await this.#load(executionKeyOf(requireWorkflowExecutionId(id))));
  }

  /**
   * ListExecutions: scoped to project and domain (and name), the request's
   * filters, archived executions hidden unless a filter names `state`;
   * error messages trimmed, inputs blanked.
   */
  async list(request: ResourceListRequest): Promise<ExecutionList> {
    const id = request.id;
    if (!id) throw AdminError.missing("id");
    if (id.project === "") throw AdminError.missing("project");
    if (id.domain === "") throw AdminError.missing("domain");
    requireLimit(request.limit);
    const filters: Filter[] = [eq("execution_project", id.project), eq("execution_domain", id.domain)];
    if (id.name !== "") filters.push(eq("execution_name", id.name));
    filters.push(...parseFilters(request.filters, "e"));
    const sort = parseSort(request.sortBy, "e");
    const offset = parseToken(request.token, "ListExecutions");
    if (!filters.some((f) => f.column === "state")) filters.push({ ...eq("state", ""), values: [0] });
    const query = { filters, sort, limit: request.limit, offset };
    // The token counts the rows the page read (a row gone before its second read is left out, not the page's end).
    const answer = (executions: Execution[], read: number) =>
      create(ExecutionListSchema, { executions, token: nextToken(offset, read, request.limit) });
    const page = await this.#d.executions.listVersions(query);
    if (page === undefined) {
      const executions = await this.#listRows(query);
      return answer(executions, executions.length);
    }
    return this.#pages.answer(JSON.stringify(query), page.text, async () =>
      answer(await this.#listByVersion(page.rows), page.rows.length),
    );
  }

  /** A list item: the execution without its inputs, and with its error message trimmed. */
  #listItem(row: ExecutionRow): Execution {
    const e = executionFromRow(row, this.#d.db.codec, { trimErrorMessage: true });
    if (e.spec) e.spec.inputs = undefined;
    if (e.closure) e.closure.computedInputs = undefined;
    return e;
  }

  /** SQLite: whole rows, each answer reused while its row is the same. */
  async #listRows(query: ExecutionListQuery): Promise<Execution[]> {
    const rows = await this.#d.executions.list(query);
    return rows.map((row) => this.#listItems.answer(String(row.id), row, (r) => this.#listItem(r)));
  }

  /**
   * PostgreSQL: the page as ids and row versions, then whole rows only for
   * the items not kept at that version (a row that changed, or is new here).
   */
  #listByVersion(versions: readonly RowVersion[]): Promise<Execution[]> {
    return this.#listByVersions.page(
      versions,
      (ids) => this.#d.executions.getVersionedByIds(ids),
      (r) => this.#listItem(r),
    );
  }

  async #load(key: ExecutionKey): Promise<ExecutionRow> {
    const row = await this.#d.executions.get(key);
    if (!row) throw executionNotFound(key);
    return row;
  }

  #namespace(key: ExecutionKey): string {
    return namespaceFor(this.#d.config.namespace_mapping.template, key.project, key.domain);
  }
}

function eq(column: string, value: string): Filter {
  return { fn: "eq", entity: "e", column, values: [value] };
}
