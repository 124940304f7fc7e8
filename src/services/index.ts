/**
 * The handler table of every served service, assembled from the per-area
 * handler sets. A method with no handler answers UNIMPLEMENTED.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { AuthMetadataSource } from "../auth/auth-stack.js";
import type { Managers } from "../managers/index.js";
import { AdminService } from "../proto/gen/flyteidl/service/admin_pb.js";
import { AuthMetadataService } from "../proto/gen/flyteidl/service/auth_pb.js";
import { DataProxyService } from "../proto/gen/flyteidl/service/dataproxy_pb.js";
import { IdentityService } from "../proto/gen/flyteidl/service/identity_pb.js";
import { SignalService } from "../proto/gen/flyteidl/service/signal_pb.js";
import { attributeHandlers } from "./admin/attribute-handlers.js";
import { eventHandlers } from "./admin/event-handlers.js";
import { executionHandlers, executionLaunchHandlers, executionMetricsHandlers } from "./admin/execution-handlers.js";
import { launchPlanHandlers } from "./admin/launch-plan-handlers.js";
import { namedEntityHandlers } from "./admin/named-entity-handlers.js";
import { nodeExecutionHandlers } from "./admin/node-execution-handlers.js";
import { projectHandlers } from "./admin/project-handlers.js";
import { taskHandlers } from "./admin/task-handlers.js";
import { workflowHandlers } from "./admin/workflow-handlers.js";
import { authMetadataHandlers } from "./auth/auth-metadata-handlers.js";
import { identityHandlers } from "./auth/identity-handlers.js";
import { artifactHandlers } from "./dataproxy/artifact-handlers.js";
import { dataProxyHandlers } from "./dataproxy/dataproxy-handlers.js";
import { signalHandlers } from "./signal/signal-handlers.js";
import type { Handler } from "./types.js";

type HandlerTable = Map<string, Record<string, Handler<DescMethod["input"], DescMethod["output"]> | undefined>>;

/** Handlers keyed by service type name, then method local name; `auth` adds AuthMetadataService and IdentityService. */
export function handlerTable(m: Managers, auth?: AuthMetadataSource): HandlerTable {
  const table: HandlerTable = new Map();
  table.set(AdminService.typeName, {
    ...projectHandlers(m.projects),
    ...taskHandlers(m.tasks),
    ...attributeHandlers(m.attributes),
    ...workflowHandlers(m.workflows),
    ...executionHandlers(m.executions),
    ...executionLaunchHandlers(m.executions),
    ...executionMetricsHandlers(m.executionMetrics),
    ...launchPlanHandlers(m.launchPlans),
    ...namedEntityHandlers(m.namedEntities, m.descriptionEntities),
    ...eventHandlers(m.events),
    ...nodeExecutionHandlers(m.nodeExecutions, m.taskExecutions),
  } as never);
  table.set(DataProxyService.typeName, {
    ...dataProxyHandlers(m.dataProxy),
    ...artifactHandlers(m.artifacts),
  } as never);
  table.set(SignalService.typeName, { ...signalHandlers(m.signals) } as never);
  if (auth) {
    table.set(AuthMetadataService.typeName, authMetadataHandlers(auth) as never);
    table.set(IdentityService.typeName, identityHandlers(auth.enabled) as never);
  }
  return table;
}
