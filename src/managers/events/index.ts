/**
 * The event managers, built together because they share the event
 * repositories, the settings and the listeners.
 */
import type { DataStore } from "../../blob/data-store.js";
import type { Config } from "../../config/schema.js";
import type { Database } from "../../store/database.js";
import { ExecutionEventRepository } from "../../store/repositories/execution-event-repository.js";
import { ExecutionRepository } from "../../store/repositories/execution-repository.js";
import type { NodeExecutionRepository } from "../../store/repositories/node-execution-repository.js";
import type { TaskExecutionRepository } from "../../store/repositories/task-execution-repository.js";
import { EventListeners } from "./event-listener.js";
import { eventSettings } from "./event-settings.js";
import { NodeEventManager } from "./node-event-manager.js";
import { TaskEventManager } from "./task-event-manager.js";
import { WorkflowEventManager } from "./workflow-event-manager.js";

export type { AcceptedWorkflowEvent, EventListener } from "./event-listener.js";

export interface EventManagers {
  readonly workflow: WorkflowEventManager;
  readonly node: NodeEventManager;
  readonly task: TaskEventManager;
  /** Register what reacts to accepted events (notifications, publishers) here. */
  readonly listeners: EventListeners;
}

export interface EventManagerDeps {
  readonly config: Config;
  readonly db: Database;
  readonly blobs: DataStore;
  readonly nodes: NodeExecutionRepository;
  readonly tasks: TaskExecutionRepository;
  readonly log: (err: unknown, what: string) => void;
}

export function createEventManagers(d: EventManagerDeps): EventManagers {
  const settings = eventSettings(d.config);
  const listeners = new EventListeners(d.log);
  const executions = new ExecutionEventRepository(d.db, new ExecutionRepository(d.db));
  const common = { db: d.db, blobs: d.blobs, settings, listeners };
  return {
    workflow: new WorkflowEventManager({ ...common, executions }),
    node: new NodeEventManager({ ...common, executions, nodes: d.nodes, tasks: d.tasks }),
    task: new TaskEventManager({ ...common, tasks: d.tasks }),
    listeners,
  };
}
