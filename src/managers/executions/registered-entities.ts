/**
 * RegisteredEntities over the registration repositories and managers: what
 * CreateExecution reads (launch plans, workflows, tasks) and what a
 * single-task execution creates (its skeleton workflow and launch plan).
 */
import { create } from "@bufbuild/protobuf";
import {
  NamedEntityState,
  type NamedEntityUpdateRequest,
  NamedEntityUpdateRequestSchema,
} from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { LaunchPlanCreateRequest } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { type Identifier, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../../store/dialect.js";
import { launchPlanFromRow } from "../../store/repositories/launch-plan-mapper.js";
import { taskFromRow } from "../../store/repositories/task-mapper.js";
import type { RegistrationRepositories } from "../registration/create.js";
import { entityKey, identifierOf, missingEntityError } from "../validation/identifier.js";
import type { WorkflowManager } from "../workflow-manager.js";
import type { RegisteredEntities } from "./sources.js";

export interface RegisteredEntitiesOptions {
  readonly codec: ValueCodec;
  readonly repos: RegistrationRepositories;
  readonly workflows: WorkflowManager;
  readonly launchPlans: { create(req: LaunchPlanCreateRequest): Promise<void> };
  readonly namedEntities: { update(req: NamedEntityUpdateRequest): Promise<void> };
}

/**
 * The registration side of executions.
 *
 * @example
 * const entities = registeredEntities({ codec: db.codec, repos, workflows, launchPlans, namedEntities });
 * const { launchPlan } = await entities.launchPlan(id);
 */
export function registeredEntities(o: RegisteredEntitiesOptions): RegisteredEntities {
  return {
    async launchPlan(id: Identifier) {
      const key = entityKey(id);
      const row = await o.repos.launchPlans.get(key);
      if (!row) throw missingEntityError(ResourceType.LAUNCH_PLAN, key);
      return { rowId: row.id, workflowRowId: row.workflow_id, launchPlan: launchPlanFromRow(row, o.codec) };
    },
    async workflow(id: Identifier) {
      const key = entityKey(id);
      const row = await o.repos.workflows.get(key);
      if (!row) throw missingEntityError(ResourceType.WORKFLOW, key);
      return { rowId: row.id, id: identifierOf(ResourceType.WORKFLOW, key), closureRef: row.remote_closure_identifier };
    },
    async task(id: Identifier) {
      const key = entityKey(id);
      const row = await o.repos.tasks.get(key);
      if (!row) throw missingEntityError(ResourceType.TASK, key);
      return { rowId: row.id, task: taskFromRow(row, o.codec) };
    },
    createWorkflow: (req) => o.workflows.create(req),
    createLaunchPlan: (req) => o.launchPlans.create(req),
    markSystemGenerated: (resourceType, project, domain, name) =>
      o.namedEntities.update(
        create(NamedEntityUpdateRequestSchema, {
          resourceType,
          id: { project, domain, name },
          metadata: { state: NamedEntityState.SYSTEM_GENERATED },
        }),
      ),
  };
}
