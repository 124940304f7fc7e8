/** AdminService: the event RPCs FlytePropeller (or the local engine) reports progress with. */
import type { EventManagers } from "../../managers/events/index.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";

export function eventHandlers(events: EventManagers): ServiceImpl<typeof AdminService> {
  return {
    createWorkflowEvent: async (req) => {
      await events.workflow.create(req);
      return {};
    },
    createNodeEvent: async (req) => {
      await events.node.create(req);
      return {};
    },
    createTaskEvent: async (req) => {
      await events.task.create(req);
      return {};
    },
  };
}
