/**
 * Test support for the engine's own tests: a control plane that records the
 * events the engine sends (the real one, over the managers, is exercised by
 * the API tests), raw container tasks written in shell with co-pilot
 * directories, and a helper that runs a compiled workflow to its end.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { LocalStore } from "../../blob/local-store.js";
import { compileWorkflow, formatCompileErrors } from "../../compiler/index.js";
import { id, iface } from "../../compiler/test-support.js";
import { configSchema } from "../../config/schema.js";
import { AdminError, Code } from "../../errors/admin-error.js";
import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "../../proto/gen/flyteidl/admin/event_pb.js";
import type { ExecutionCreateRequest } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecutionConfigSchema } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { type Signal, SignalSchema } from "../../proto/gen/flyteidl/admin/signal_pb.js";
import { type CompiledTask, CompiledTaskSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type Literal, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";
import type { WorkflowTemplate } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type { ExecutionData } from "../workflow-executor.js";
import type {
  EngineControlPlane,
  RecordedNode,
  RecoverableNode,
  UnfinishedExecution,
  UnfinishedNode,
} from "./control-plane.js";
import { LocalExecutor } from "./local-executor.js";

const TERMINAL = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

/** Records what the engine reports. */
export class RecordingControlPlane implements EngineControlPlane {
  readonly workflowEvents: WorkflowExecutionEventRequest[] = [];
  readonly nodeEvents: NodeExecutionEventRequest[] = [];
  readonly taskEvents: TaskExecutionEventRequest[] = [];
  readonly created: ExecutionCreateRequest[] = [];
  readonly signals = new Map<string, Literal>();
  unfinished: UnfinishedExecution[] = [];
  unfinishedNodes: UnfinishedNode[] = [];
  #waiters: Array<() => void> = [];

  async createWorkflowEvent(r: WorkflowExecutionEventRequest) {
    this.workflowEvents.push(r);
    for (const w of this.#waiters.splice(0)) w();
  }
  async createNodeEvent(r: NodeExecutionEventRequest) {
    this.nodeEvents.push(r);
  }
  async createTaskEvent(r: TaskExecutionEventRequest) {
    this.taskEvents.push(r);
  }
  async createExecution(r: ExecutionCreateRequest) {
    this.created.push(r);
  }
  async getExecution(): Promise<never> {
    throw new AdminError(Code.NOT_FOUND, "no executions here");
  }
  async getExecutionOutputs(): Promise<LiteralMap> {
    return create(LiteralMapSchema);
  }
  async terminateExecution() {}
  async getLaunchPlan(): Promise<never> {
    throw new AdminError(Code.NOT_FOUND, "no launch plans here");
  }
  async getOrCreateSignal(r: { id?: { signalId: string } }): Promise<Signal> {
    return create(SignalSchema, { value: this.signals.get(r.id?.signalId ?? "") });
  }
  async listUnfinishedExecutions() {
    return this.unfinished;
  }
  async listUnfinishedNodes() {
    return this.unfinishedNodes;
  }
  /** What listRecordedNodes answers (a resumed execution's nodes). */
  recorded: RecordedNode[] = [];
  async listRecordedNodes() {
    return this.recorded;
  }

  /** The nodes as the admin would have recorded these events: last phase, outputs, error, start. */
  recordedNodes(): RecordedNode[] {
    const nodes = new Map<string, RecordedNode>();
    for (const r of this.nodeEvents) {
      const e = r.event!;
      const id = e.id?.nodeId ?? "";
      const at = e.occurredAt ? Number(e.occurredAt.seconds) * 1000 + e.occurredAt.nanos / 1e6 : 0;
      const before = nodes.get(id);
      nodes.set(id, {
        nodeId: id,
        phase: e.phase,
        outputUri: e.outputResult.case === "outputUri" ? e.outputResult.value : "",
        error: e.outputResult.case === "error" ? e.outputResult.value : undefined,
        startedAtMs: before?.startedAtMs ?? at,
        systemFailedAttempts: [],
      });
    }
    return [...nodes.values()];
  }
  /** Nodes of the recovered execution that succeeded, by node id. */
  readonly recoverable = new Map<string, RecoverableNode>();
  async recoverableNode(_id: WorkflowExecutionIdentifier, nodeId: string) {
    return this.recoverable.get(nodeId);
  }

  /** Resolves once the execution's workflow events reach a terminal phase. */
  async finished(timeoutMs = 20_000): Promise<WorkflowExecution_Phase> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = this.workflowEvents.at(-1)?.event?.phase;
      if (last !== undefined && TERMINAL.has(last)) return last;
      if (Date.now() > deadline) throw new Error("execution did not finish in time");
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** `[node id, phase name]` of every node event, in order. */
  nodePhases(): string[] {
    return this.nodeEvents.map((e) => `${e.event?.id?.nodeId}:${e.event?.phase}`);
  }
}

/** A raw container task in shell: inputs are files in /var/inputs, outputs files in /var/outputs (co-pilot). */
export function shellTask(
  name: string,
  script: string,
  inputs: Record<string, LiteralType> = {},
  outputs: Record<string, LiteralType> = {},
  metadata: { retries?: number; discoverable?: boolean; discoveryVersion?: string } = {},
): CompiledTask {
  return create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: id(name),
      type: "raw-container",
      interface: iface(inputs, outputs),
      metadata: {
        retries: { retries: metadata.retries ?? 0 },
        discoverable: metadata.discoverable ?? false,
        discoveryVersion: metadata.discoveryVersion ?? "",
      },
      target: {
        case: "container",
        value: {
          image: "alpine:3",
          command: ["sh", "-c", script],
          dataConfig: { enabled: true, inputPath: "/var/inputs", outputPath: "/var/outputs", format: 0 },
        },
      },
    }),
  });
}

/** A started engine over a temporary store, with its recording control plane. */
export interface TestEngine {
  readonly engine: LocalExecutor;
  readonly cp: RecordingControlPlane;
  readonly store: LocalStore;
  run(
    template: WorkflowTemplate,
    tasks: CompiledTask[],
    inputs?: Record<string, Literal>,
    options?: {
      name?: string;
      maxParallelism?: number;
      overwriteCache?: boolean;
      subWorkflows?: WorkflowTemplate[];
      recoveryExecution?: WorkflowExecutionIdentifier;
    },
  ): Promise<ExecutionData>;
  close(): Promise<void>;
}

export async function startTestEngine(local: Record<string, unknown> = {}): Promise<TestEngine> {
  const dir = await mkdtemp(join(tmpdir(), "engine-test-"));
  const config = configSchema.parse({ executor: { local: { pollInterval: "20ms", ...local } } });
  const store = new LocalStore(join(dir, "blobs"), "flyte");
  const engine = new LocalExecutor({ config, blobs: store, logger: pino({ level: "silent" }), dataDir: dir });
  const cp = new RecordingControlPlane();
  await engine.bind(cp, () => "http://127.0.0.1:8088");
  let counter = 0;
  return {
    engine,
    cp,
    store,
    async run(template, tasks, inputs = {}, options = {}) {
      const compiled = compileWorkflow(template, options.subWorkflows ?? [], tasks, []);
      if ("errors" in compiled) throw new Error(formatCompileErrors(compiled.errors));
      const data: ExecutionData = {
        namespace: "p-d",
        executionId: {
          $typeName: "flyteidl.core.WorkflowExecutionIdentifier",
          project: "p",
          domain: "d",
          name: options.name ?? `e${++counter}`,
          org: "",
        },
        referenceWorkflowName: template.id?.name ?? "",
        referenceLaunchPlanName: template.id?.name ?? "",
        workflowClosure: compiled.closure,
        workflowClosureReference: "",
        offloadedInputsReference: "",
        executionParameters: {
          inputs: create(LiteralMapSchema, { literals: inputs }),
          acceptedAt: Date.now() * 1000,
          labels: {},
          annotations: {},
          executionConfig: create(WorkflowExecutionConfigSchema, {
            maxParallelism: options.maxParallelism ?? 25,
            overwriteCache: options.overwriteCache ?? false,
          }),
          taskResources: { defaults: {} as never, limits: {} as never },
          eventVersion: 2,
          roleNameKey: "",
          taskPluginOverrides: [],
          recoveryExecution: options.recoveryExecution,
        },
      };
      await engine.execute(data);
      return data;
    },
    async close() {
      await engine.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
