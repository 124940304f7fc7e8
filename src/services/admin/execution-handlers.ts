/** AdminService: the workflow execution lifecycle. */
import { nowMicros } from "../../common/time.js";
import type { ExecutionManager } from "../../managers/executions/execution-manager.js";
import type { ExecutionMetricsManager } from "../../managers/executions/execution-metrics.js";
import type { CallerIdentity } from "../../managers/executions/launch-settings.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { CallContext, ServiceImpl } from "../types.js";

/**
 * Who is calling, as executions record it: the token subject (the principal,
 * "" without authentication), its email claim, and the client id for
 * application tokens (whose subject is the client itself).
 */
export function callerOf(ctx: CallContext): CallerIdentity {
  const { subject, clientId, claims } = ctx.identity;
  const email = typeof claims.email === "string" ? claims.email : undefined;
  const appId = clientId !== "" && subject === clientId ? clientId : undefined;
  return { subject, email, appId };
}

/** The RPCs that launch executions: create, relaunch, recover. */
export function executionLaunchHandlers(executions: ExecutionManager): ServiceImpl<typeof AdminService> {
  return {
    createExecution: async (req, ctx) => ({ id: await executions.create(req, callerOf(ctx), nowMicros()) }),
    relaunchExecution: async (req, ctx) => ({ id: await executions.relaunch(req, callerOf(ctx), nowMicros()) }),
    recoverExecution: async (req, ctx) => ({ id: await executions.recover(req, callerOf(ctx), nowMicros()) }),
  };
}

/** The RPCs on recorded executions: terminate, update, get, list, data, metrics. */
export function executionHandlers(executions: ExecutionManager): ServiceImpl<typeof AdminService> {
  return {
    terminateExecution: async (req, ctx) => {
      await executions.terminate(req, callerOf(ctx));
      return {};
    },
    updateExecution: async (req, ctx) => {
      await executions.update(req, callerOf(ctx), nowMicros());
      return {};
    },
    getExecution: (req) => executions.get(req.id),
    listExecutions: (req) => executions.list(req),
    getExecutionData: (req) => executions.getData(req.id),
  };
}

export function executionMetricsHandlers(metrics: ExecutionMetricsManager): ServiceImpl<typeof AdminService> {
  return { getExecutionMetrics: (req) => metrics.get(req) };
}
