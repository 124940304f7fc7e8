/**
 * Registers a project of runnable entities through the real API, for tests
 * and benchmarks that drive the local engine (console, engine API, workers):
 * raw container tasks that need no Python (sh scripts run by the local engine,
 * co-pilot input/output directories), workflows chaining them, and a launch
 * plan per workflow.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { DescriptionEntitySchema } from "../../src/proto/gen/flyteidl/admin/description_entity_pb.js";
import { DynamicJobSpecSchema } from "../../src/proto/gen/flyteidl/core/dynamic_job_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { ParameterSchema } from "../../src/proto/gen/flyteidl/core/interface_pb.js";
import type { TaskTemplate } from "../../src/proto/gen/flyteidl/core/tasks_pb.js";
import type { LiteralTypeSchema } from "../../src/proto/gen/flyteidl/core/types_pb.js";
import { WorkflowMetadataSchema, WorkflowTemplateSchema } from "../../src/proto/gen/flyteidl/core/workflow_pb.js";
import type { TestServer } from "./server.js";

/** What registration needs of a server: its AdminService client. */
type Registrar = Pick<TestServer, "admin">;

const INT = { type: { case: "simple" as const, value: 1 } };
/** A node target running registered task `task`. */
const runs = (task: Identifier) => ({
  case: "taskNode" as const,
  value: { reference: { case: "referenceId" as const, value: task } },
});
const promise = (nodeId: string, v: string) => ({ value: { case: "promise" as const, value: { nodeId, var: v } } });
export const intLiteral = (n: bigint) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: n } } } },
  },
});

/**
 * The runnable entities of one project and domain.
 *
 * @example
 * const project = new ShellProject(server, "enginetest");
 * const inc = await project.task("inc", "echo $(( $(cat /var/in/x) + 1 )) > /var/out/o0");
 * const lp = await project.chain("twice", [inc, inc]);
 */
export class ShellProject {
  constructor(
    readonly s: Registrar,
    readonly project: string,
    readonly domain = "development",
  ) {}

  id(resourceType: ResourceType, name: string, version = "v1"): Identifier {
    return create(IdentifierSchema, { resourceType, project: this.project, domain: this.domain, name, version });
  }

  /** A raw container task `x: int -> o0: int` running `script` with /var/in and /var/out. */
  async task(name: string, script: string): Promise<Identifier> {
    return this.#rawTask(name, ["sh", "-c", script]);
  }

  /** Registers raw container task `name`, `x -> o0` of `type`, running `command`; co-pilot dirs unless told not. */
  async #rawTask(
    name: string,
    command: string[],
    o: { type?: MessageInitShape<typeof LiteralTypeSchema>; copilot?: boolean } = {},
  ): Promise<Identifier> {
    const id = this.id(ResourceType.TASK, name);
    const type = o.type ?? INT;
    await this.s.admin.createTask({
      id,
      spec: {
        template: {
          id,
          type: "raw-container",
          metadata: { runtime: { version: "test" } },
          interface: { inputs: { variables: { x: { type } } }, outputs: { variables: { o0: { type } } } },
          target: {
            case: "container",
            value: {
              image: "alpine:3",
              command,
              dataConfig:
                o.copilot === false ? undefined : { enabled: true, inputPath: "/var/in", outputPath: "/var/out" },
            },
          },
        },
      },
    });
    return id;
  }

  /** Workflow and launch plan `name`: x -> tasks[0] -> ... -> y; `defaultX` makes x optional with that default. */
  async chain(name: string, tasks: Identifier[], defaultX?: bigint): Promise<Identifier> {
    const parameters =
      defaultX === undefined
        ? {
            x: {
              var: { type: INT, description: "the number to start from" },
              behavior: { case: "required" as const, value: true },
            },
          }
        : { x: { var: { type: INT }, behavior: { case: "default" as const, value: intLiteral(defaultX) } } };
    return this.#workflow(
      name,
      {
        interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { y: { type: INT } } } },
        nodes: tasks.map((task, i) => ({
          id: `n${i}`,
          metadata: { name: `${task.name}-${i}` },
          inputs: [{ var: "x", binding: i === 0 ? promise("start-node", "x") : promise(`n${i - 1}`, "o0") }],
          upstreamNodeIds: i === 0 ? [] : [`n${i - 1}`],
          target: runs(task),
        })),
        outputs: [{ var: "y", binding: promise(`n${tasks.length - 1}`, "o0") }],
      },
      {
        description: {
          shortDescription: `${name}: ${tasks.map((t) => t.name).join(" then ")}`,
          longDescription: { content: { case: "value", value: `Runs ${tasks.length} tasks one after the other.` } },
        },
        parameters,
      },
    );
  }

  /**
   * Workflow and launch plan `name` waiting on people: signal `proceed` (bool,
   * Approve/Reject), then signal `value` (int), whose value `task` increments into y.
   */
  async gated(name: string, task: Identifier): Promise<Identifier> {
    const BOOL = { type: { case: "simple" as const, value: 4 } };
    const signal = (signalId: string, type: typeof INT) => ({
      case: "gateNode" as const,
      value: { condition: { case: "signal" as const, value: { signalId, type, outputVariableName: "o0" } } },
    });
    return this.#workflow(name, {
      interface: { inputs: { variables: {} }, outputs: { variables: { y: { type: INT } } } },
      nodes: [
        { id: "approve", target: signal("proceed", BOOL) },
        { id: "ask", upstreamNodeIds: ["approve"], target: signal("value", INT) },
        {
          id: "add",
          inputs: [{ var: "x", binding: promise("ask", "o0") }],
          upstreamNodeIds: ["ask"],
          target: runs(task),
        },
      ],
      outputs: [{ var: "y", binding: promise("add", "o0") }],
    });
  }

  /** Workflow and launch plan `name`: a sub-workflow node running `task` twice (x -> y). */
  async nested(name: string, task: Identifier): Promise<Identifier> {
    const sub = this.id(ResourceType.WORKFLOW, `${name}.sub`);
    const iface = { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { y: { type: INT } } } };
    const taskTarget = runs(task);
    return this.#workflow(
      name,
      {
        interface: iface,
        nodes: [
          {
            id: "inner",
            inputs: [{ var: "x", binding: promise("start-node", "x") }],
            target: {
              case: "workflowNode" as const,
              value: { reference: { case: "subWorkflowRef" as const, value: sub } },
            },
          },
        ],
        outputs: [{ var: "y", binding: promise("inner", "y") }],
      },
      {
        subWorkflows: [
          {
            id: sub,
            metadata: {},
            interface: iface,
            nodes: [
              { id: "s0", inputs: [{ var: "x", binding: promise("start-node", "x") }], target: taskTarget },
              {
                id: "s1",
                inputs: [{ var: "x", binding: promise("s0", "o0") }],
                upstreamNodeIds: ["s0"],
                target: taskTarget,
              },
            ],
            outputs: [{ var: "y", binding: promise("s1", "o0") }],
          },
        ],
      },
    );
  }

  /** Workflow and launch plan `name` with inputs x (int, default 1) and f (a file, required); `task` runs on x only. */
  async withFile(name: string, task: Identifier): Promise<Identifier> {
    const FILE = { type: { case: "blob" as const, value: { format: "", dimensionality: 0 } } };
    return this.#workflow(
      name,
      {
        interface: {
          inputs: { variables: { x: { type: INT }, f: { type: FILE } } },
          outputs: { variables: { y: { type: INT } } },
        },
        nodes: [
          {
            id: "n0",
            inputs: [{ var: "x", binding: promise("start-node", "x") }],
            target: runs(task),
          },
        ],
        outputs: [{ var: "y", binding: promise("n0", "o0") }],
      },
      {
        parameters: {
          x: { var: { type: INT }, behavior: { case: "default" as const, value: intLiteral(1n) } },
          f: { var: { type: FILE, description: "any file" }, behavior: { case: "required" as const, value: true } },
        },
      },
    );
  }

  /** Workflow and launch plan `name`: a map task squaring each element of xs (list of int) into o. */
  async mapped(name: string): Promise<Identifier> {
    const LIST = { type: { case: "collectionType" as const, value: INT } };
    const task = await this.#rawTask(
      `${name}-square`,
      ["sh", "-c", 'x=$(cat /var/in/x); echo "square of $x"; echo $((x*x)) > /var/out/o0'],
      { type: LIST },
    );
    const inner = {
      id: "n0",
      inputs: [{ var: "x", binding: promise("start-node", "xs") }],
      target: runs(task),
    };
    return this.#workflow(
      name,
      {
        interface: { inputs: { variables: { xs: { type: LIST } } }, outputs: { variables: { o: { type: LIST } } } },
        nodes: [
          {
            id: "n0",
            inputs: [{ var: "x", binding: promise("start-node", "xs") }],
            target: {
              case: "arrayNode" as const,
              value: { node: inner, parallelismOption: { case: "parallelism" as const, value: 2 } },
            },
          },
        ],
        outputs: [{ var: "o", binding: promise("n0", "o0") }],
      },
      {
        parameters: {
          xs: { var: { type: LIST }, behavior: { case: "required" as const, value: true } },
        },
      },
    );
  }

  /** Workflow and launch plan `name`: one node launching launch plan `child` (x -> y) as a child execution. */
  async parent(name: string, child: Identifier): Promise<Identifier> {
    return this.#workflow(name, {
      interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { y: { type: INT } } } },
      nodes: [
        {
          id: "child",
          inputs: [{ var: "x", binding: promise("start-node", "x") }],
          target: {
            case: "workflowNode" as const,
            value: { reference: { case: "launchplanRef" as const, value: child } },
          },
        },
      ],
      outputs: [{ var: "y", binding: promise("child", "y") }],
    });
  }

  /**
   * Workflow and launch plan `name`: one dynamic task node `dyn` whose generated workflow runs `task` twice
   * (d0, then d1 on d0's output). The task hands back FlytePropeller's futures file, written to `dir` beforehand.
   */
  async dynamic(name: string, task: Identifier, dir: string): Promise<Identifier> {
    const template = (await this.s.admin.getTask({ id: task })).closure?.compiledTask?.template;
    const futures = join(dir, `${name}-futures.pb`);
    if (!template) throw new Error(`task ${task.name} has no template`);
    writeTwoStepFutures(futures, template);
    const dyn = await this.#rawTask(
      `${name}-dyn`,
      ["sh", "-c", `p=\${1#file://}; mkdir -p "$p" && cp ${futures} "$p/futures.pb"`, "sh", "{{.outputPrefix}}"],
      { copilot: false },
    );
    return this.#workflow(name, {
      interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { y: { type: INT } } } },
      nodes: [
        {
          id: "dyn",
          inputs: [{ var: "x", binding: promise("start-node", "x") }],
          target: runs(dyn),
        },
      ],
      outputs: [{ var: "y", binding: promise("dyn", "o0") }],
    });
  }

  /** Registers workflow `name` (its template's id and metadata filled in) and its launch plan. */
  async #workflow(
    name: string,
    template: MessageInitShape<typeof WorkflowTemplateSchema>,
    o: {
      readonly description?: MessageInitShape<typeof DescriptionEntitySchema>;
      readonly subWorkflows?: MessageInitShape<typeof WorkflowTemplateSchema>[];
      readonly parameters?: { [name: string]: MessageInitShape<typeof ParameterSchema> };
    } = {},
  ): Promise<Identifier> {
    const wf = this.id(ResourceType.WORKFLOW, name);
    const t = create(WorkflowTemplateSchema, template);
    t.id = wf;
    t.metadata = create(WorkflowMetadataSchema);
    await this.s.admin.createWorkflow({
      id: wf,
      spec: {
        template: t,
        subWorkflows: (o.subWorkflows ?? []).map((w) => create(WorkflowTemplateSchema, w)),
        description: o.description && create(DescriptionEntitySchema, o.description),
      },
    });
    return this.#launchPlan(name, wf, o.parameters);
  }

  /** Launch plan `name` of workflow `wf`, with the given default inputs. */
  async #launchPlan(
    name: string,
    wf: Identifier,
    parameters: { [name: string]: MessageInitShape<typeof ParameterSchema> } = {},
  ): Promise<Identifier> {
    const lp = this.id(ResourceType.LAUNCH_PLAN, name);
    await this.s.admin.createLaunchPlan({
      id: lp,
      spec: { workflowId: wf, defaultInputs: { parameters }, fixedInputs: { literals: {} } },
    });
    return lp;
  }

  /** Starts an execution of launch plan `lp` over the API. */
  async launch(lp: Identifier, name: string, x?: bigint): Promise<void> {
    await this.s.admin.createExecution({
      project: this.project,
      domain: this.domain,
      name,
      spec: { launchPlan: lp },
      inputs: { literals: x === undefined ? {} : { x: intLiteral(x) } },
    });
  }
}

/**
 * Writes FlytePropeller's futures file of a dynamic task whose generated workflow runs `task` twice: d0 on the
 * workflow's x, then d1 on d0's o0; its o0 is d1's.
 */
export function writeTwoStepFutures(file: string, task: TaskTemplate): void {
  const id = task.id ?? create(IdentifierSchema);
  const target = runs(id);
  const spec = create(DynamicJobSpecSchema, {
    minSuccesses: 2n,
    tasks: [task],
    nodes: [
      { id: "d0", inputs: [{ var: "x", binding: promise("start-node", "x") }], target },
      { id: "d1", inputs: [{ var: "x", binding: promise("d0", "o0") }], upstreamNodeIds: ["d0"], target },
    ],
    outputs: [{ var: "o0", binding: promise("d1", "o0") }],
  });
  writeFileSync(file, toBinary(DynamicJobSpecSchema, spec));
}
