/** AdminService: tasks. */
import type { TaskManager } from "../../managers/task-manager.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";

export function taskHandlers(tasks: TaskManager): ServiceImpl<typeof AdminService> {
  return {
    createTask: async (req) => {
      await tasks.create(req);
      return {};
    },
    getTask: (req) => tasks.get(req),
    listTasks: (req) => tasks.list(req),
    listTaskIds: (req) => tasks.listIds(req),
  };
}
