/**
 * The state a running execution shares across its nodes, the frame of one
 * workflow level (the execution's workflow, a sub-workflow, a dynamic
 * workflow), and what a node's run ends with.
 */

import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { DataStore } from "../../blob/data-store.js";
import type { CatalogCacheStatus, CatalogMetadata } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import type { CompiledWorkflow } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { ExecutionError } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type Identifier,
  IdentifierSchema,
  ResourceType,
  type WorkflowExecutionIdentifier,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import type { DynamicWorkflowNodeMetadata } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { ExecutionParameters } from "../workflow-executor.js";
import type { EngineControlPlane } from "./control-plane.js";
import type { EngineFiles } from "./engine-files.js";
import type { EventReporter } from "./event-reporter.js";
import type { ProcessLauncher } from "./process-launcher.js";
import type { Semaphore } from "./process-runner.js";
import type { ResumeState } from "./resume-state.js";
import type { EngineSettings } from "./settings.js";
import type { TaskCache } from "./task-cache.js";
import type { ParentInfo } from "./unique-id.js";
import type { WarmPython } from "./warm-python.js";

export { EngineSuspended, suspended } from "./engine-suspended.js";

/** What the engine provides to every execution. */
export interface EngineServices {
  readonly store: DataStore;
  readonly controlPlane: EngineControlPlane;
  readonly events: EventReporter;
  readonly logger: Logger;
  readonly settings: EngineSettings;
  /** Bounds task processes across all executions (`executor.local.maxParallelTasks`). */
  readonly taskSlots: Semaphore;
  /** Starts task processes (from a small helper process, off the server's thread). */
  readonly processes: ProcessLauncher;
  /** Forks flytekit tasks from warm Python workers (undefined: `executor.local.warmPython` is off). */
  readonly warmPython: WarmPython | undefined;
  readonly cache: TaskCache;
  /** Fast reads and writes of the engine's own files in the store. */
  readonly files: EngineFiles;
  /** The origin our HTTP server is reached at, for task log links. */
  readonly publicUrl: () => string;
}

/** One execution being run. */
export interface ExecutionScope {
  readonly services: EngineServices;
  readonly id: WorkflowExecutionIdentifier;
  readonly namespace: string;
  readonly workflowName: string;
  readonly launchPlanName: string;
  readonly parameters: ExecutionParameters;
  /** Where this execution's node data lives (`.../metadata/propeller/<p>-<d>-<name>`). */
  readonly metadataPrefix: string;
  /** Base of raw output data (files, dataframes) written by tasks. */
  readonly rawOutputPrefix: string;
  /** `spec.max_parallelism`: task, array and launch plan nodes running at once (undefined: unlimited). */
  readonly parallelism: Semaphore | undefined;
  readonly envs: Readonly<Record<string, string>>;
  readonly overwriteCache: boolean;
  /** Aborted by TerminateExecution (reason in `signal.reason`) or by the server stopping. */
  readonly signal: AbortSignal;
  /** Set when the execution continues from what a previous server recorded. */
  readonly resume?: ResumeState | undefined;
}

/** One workflow level. */
export interface Frame {
  readonly workflow: CompiledWorkflow;
  /** Tasks this level's nodes may refer to, by identifier key. */
  readonly tasks: ReadonlyMap<string, TaskTemplate>;
  /** Sub-workflows, by identifier key. */
  readonly subWorkflows: ReadonlyMap<string, CompiledWorkflow>;
  /** The node this level runs under (undefined at the top). */
  readonly parent: ParentInfo | undefined;
  /** Storage prefix of this level's node directories. */
  readonly dataDir: string;
  /** Outputs of finished nodes (`start-node`: the level's inputs). */
  readonly outputs: Map<string, LiteralMap>;
  /** Aborted when this level must stop (its execution aborted, a node failed, its parent node stopped). */
  readonly signal: AbortSignal;
}

/** The task-node details a terminal node event carries. */
export interface TaskNodeInfo {
  readonly cacheStatus?: CatalogCacheStatus | undefined;
  readonly catalogKey?: CatalogMetadata | undefined;
  readonly checkpointUri?: string | undefined;
  readonly dynamicWorkflow?: DynamicWorkflowNodeMetadata | undefined;
  /** The node turned out to be a dynamic task: its events say is_dynamic (and is_parent). */
  readonly isDynamic?: boolean | undefined;
}

/** How a node's run ended. */
export type NodeResult =
  | {
      readonly phase: "succeeded";
      readonly outputs: LiteralMap;
      /** Where the outputs were written (empty: the node has none). */
      readonly outputUri: string;
      readonly taskNode?: TaskNodeInfo | undefined;
      readonly childExecution?: WorkflowExecutionIdentifier | undefined;
      /** Taken over from the recovered execution (reported RECOVERED), not run. */
      readonly recovered?: boolean | undefined;
    }
  | {
      readonly phase: "failed" | "timedOut";
      readonly error: ExecutionError;
      readonly taskNode?: TaskNodeInfo | undefined;
      readonly childExecution?: WorkflowExecutionIdentifier | undefined;
    }
  | { readonly phase: "skipped" }
  | { readonly phase: "aborted"; readonly reason: string };

/** The key tasks and sub-workflows are looked up by. */
export function idKey(
  id: { resourceType?: number; project: string; domain: string; name: string; version: string } | undefined,
): string {
  return id ? `${id.project}/${id.domain}/${id.name}/${id.version}` : "";
}

/** A task's identifier with resource type TASK (as task events and cache sources name it). */
export function taskIdentifier(task: TaskTemplate): Identifier {
  const id = task.id;
  return create(IdentifierSchema, {
    resourceType: ResourceType.TASK,
    project: id?.project ?? "",
    domain: id?.domain ?? "",
    name: id?.name ?? "",
    version: id?.version ?? "",
    org: id?.org ?? "",
  });
}

/** The reason an aborted signal carries, as text. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string") return r;
  if (r instanceof Error) return r.message;
  return "aborted";
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
