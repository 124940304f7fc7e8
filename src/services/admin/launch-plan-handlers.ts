/** AdminService: launch plans. */
import type { LaunchPlanManager } from "../../managers/launch-plan-manager.js";
import { ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";
import { defaultResourceType } from "./resource-type-defaults.js";

export function launchPlanHandlers(launchPlans: LaunchPlanManager): ServiceImpl<typeof AdminService> {
  return {
    createLaunchPlan: async (req) => {
      await launchPlans.create(req);
      return {};
    },
    getLaunchPlan: (req) => {
      defaultResourceType(req.id, ResourceType.LAUNCH_PLAN);
      return launchPlans.get(req);
    },
    getActiveLaunchPlan: (req) => launchPlans.getActive(req),
    listLaunchPlans: (req) => launchPlans.list(req),
    listActiveLaunchPlans: (req) => launchPlans.listActive(req),
    listLaunchPlanIds: (req) => launchPlans.listIds(req),
    updateLaunchPlan: async (req) => {
      defaultResourceType(req.id, ResourceType.LAUNCH_PLAN);
      await launchPlans.update(req);
      return {};
    },
  };
}
