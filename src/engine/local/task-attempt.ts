/**
 * One attempt of a container task: lay out its working directory (and the
 * co-pilot directories of a raw container), render FlytePropeller's template
 * variables in its command, run it (a local process, or `docker run`), then
 * read what it left at its output prefix, as FlytePropeller's task handler
 * does: `error.pb` first, then `futures.pb` (a dynamic task), then
 * `outputs.pb` (required when the task declares outputs).
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary } from "@bufbuild/protobuf";
import { readProto, writeProto } from "../../blob/data-store.js";
import { LocalStore } from "../../blob/local-store.js";
import { type DynamicJobSpec, DynamicJobSpecSchema } from "../../proto/gen/flyteidl/core/dynamic_job_pb.js";
import { ContainerError_Kind, ErrorDocumentSchema } from "../../proto/gen/flyteidl/core/errors_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  type TaskLog,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  type Container,
  Resources_ResourceName,
  type TaskTemplate,
  TaskTemplateSchema,
} from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { type AttemptProcessState, waitForAdopted } from "./attempt-files.js";
import { readCopilotOutputs, writeCopilotInputs } from "./copilot.js";
import { dockerRunArgv } from "./docker-command.js";
import type { ProcessExit } from "./process-runner.js";
import type { EngineServices, ExecutionScope } from "./run-context.js";
import { taskEnvironment } from "./task-environment.js";
import { attemptDir, attemptLogs, logFiles } from "./task-logs.js";
import { perRetryKey, renderTemplates, TemplateError } from "./template-render.js";

/** Everything one attempt needs. */
export interface AttemptSpec {
  readonly scope: ExecutionScope;
  readonly task: TaskTemplate;
  readonly uniqueNodeId: string;
  readonly attempt: number;
  /** A map task's sub-task index. */
  readonly index?: number | undefined;
  /** The attempt's own inputs (a sub-task's element), for `{{.inputs.x}}` and co-pilot. */
  readonly inputs: LiteralMap;
  /** The inputs file `{{.input}}` names. */
  readonly inputUri: string;
  readonly outputPrefix: string;
  readonly rawOutputPrefix: string;
  readonly prevCheckpointPrefix: string;
  /** Aborts the attempt (TerminateExecution, a timeout). */
  readonly signal: AbortSignal;
  /** Called when the process starts, with its log links. */
  readonly onStarted: (logs: TaskLog[]) => Promise<void>;
  /**
   * Set when a previous server started this attempt: its process is still running (adopt it: wait for it) or has
   * ended (read what it left). Nothing is started then.
   */
  readonly adopt?: Extract<AttemptProcessState, { kind: "running" | "exited" }> | undefined;
}

export type AttemptOutcome =
  | { readonly kind: "succeeded"; readonly outputs: LiteralMap; readonly outputUri: string; readonly logs: TaskLog[] }
  | { readonly kind: "dynamic"; readonly spec: DynamicJobSpec; readonly futuresUri: string; readonly logs: TaskLog[] }
  | { readonly kind: "failed"; readonly error: ExecutionError; readonly recoverable: boolean; readonly logs: TaskLog[] }
  | { readonly kind: "aborted"; readonly logs: TaskLog[] };

const STDERR_TAIL_BYTES = 2000;

function failure(code: string, message: string, kind: ExecutionError_ErrorKind, recoverable: boolean, logs: TaskLog[]) {
  return {
    kind: "failed" as const,
    error: create(ExecutionErrorSchema, { code, message, kind }),
    recoverable,
    logs,
  };
}

function segmentsOf(scope: ExecutionScope, uniqueNodeId: string, attempt: number, index: number | undefined): string[] {
  const segments = [scope.id.project, scope.id.domain, scope.id.name, uniqueNodeId, String(attempt)];
  if (index !== undefined) segments.push(String(index));
  return segments;
}

/** The working directory of an attempt (where its process records its pid and exit status). */
export function attemptDirFor(
  scope: ExecutionScope,
  uniqueNodeId: string,
  attempt: number,
  index: number | undefined,
): string {
  return attemptDir(scope.services.settings.workDir, segmentsOf(scope, uniqueNodeId, attempt, index));
}

/** Runs one attempt to its end. Never throws for the task's own failures. */
export async function runAttempt(spec: AttemptSpec): Promise<AttemptOutcome> {
  const { scope, task } = spec;
  const services = scope.services;
  const segments = segmentsOf(scope, spec.uniqueNodeId, spec.attempt, spec.index);
  const dir = attemptDir(services.settings.workDir, segments);
  const logs = attemptLogs(services.publicUrl(), segments);
  await mkdir(dir, { recursive: true });
  if (task.target.case !== "container") {
    return failure(
      "UnsupportedTaskType",
      `task type [${task.type}] has no container; the local engine runs container tasks only`,
      ExecutionError_ErrorKind.USER,
      false,
      logs,
    );
  }
  const container = task.target.value;
  const copilot = container.dataConfig?.enabled ? container.dataConfig : undefined;
  const localIn = join(dir, "inputs");
  const localOut = join(dir, "outputs");
  if (copilot && !spec.adopt) {
    await writeCopilotInputs(services.store, spec.inputs, localIn, copilot.format);
    await mkdir(localOut, { recursive: true });
  }
  const taskTemplatePath = `${spec.outputPrefix}/task.pb`;
  let argv: string[];
  try {
    const values = {
      inputFile: spec.inputUri,
      inputPrefix: spec.inputUri.replace(/\/[^/]*$/, ""),
      outputPrefix: spec.outputPrefix,
      rawOutputDataPrefix: spec.rawOutputPrefix,
      checkpointOutputPrefix: `${spec.rawOutputPrefix}/_flytecheckpoints`,
      prevCheckpointPrefix: spec.prevCheckpointPrefix,
      perRetryUniqueKey: perRetryKey(`${scope.id.name}-${spec.uniqueNodeId}-${spec.attempt}`),
      taskTemplatePath,
      namespace: scope.namespace,
      inputs: spec.inputs,
    };
    const command = renderTemplates(container.command, values);
    const args = renderTemplates(container.args, values);
    const wantsTemplate = [...container.command, ...container.args].some((a) =>
      /\{\{\s*[.$]TaskTemplatePath\s*\}\}/i.test(a),
    );
    if (wantsTemplate && !spec.adopt) {
      await writeProto(services.store, taskTemplatePath, TaskTemplateSchema, task);
    }
    argv = buildArgv(spec, container, command, args, dir, copilot ? { localIn, localOut } : undefined);
  } catch (err) {
    if (err instanceof TemplateError)
      return failure("TemplateRenderFailed", err.message, ExecutionError_ErrorKind.USER, false, logs);
    throw err;
  }
  const env = processEnvironment(spec, container, dir);
  const files = logFiles(dir);
  const release = await services.taskSlots.acquire(spec.signal).catch(() => undefined);
  if (!release) return { kind: "aborted", logs };
  let exit: ProcessExit;
  try {
    exit = await startOrAdopt(spec, { argv, dir, env, files, logs });
  } finally {
    release();
  }
  if (exit.aborted) return { kind: "aborted", logs };
  if (exit.launcherLost) {
    return failure("ProcessLauncherLost", exit.spawnError ?? "", ExecutionError_ErrorKind.SYSTEM, true, logs);
  }
  if (exit.spawnError !== undefined) {
    return failure(
      "ContainerFailedToStart",
      `cannot start [${argv[0]}]: ${exit.spawnError} (task processes see only executor.local.env: is it on its PATH?)`,
      ExecutionError_ErrorKind.SYSTEM,
      false,
      logs,
    );
  }
  const errorDoc = await readErrorDocument(services, spec.outputPrefix, logs);
  if (errorDoc) return errorDoc;
  if (exit.code !== 0) {
    const tail = await stderrTail(files.stderr);
    const how = exit.code === undefined ? `killed by ${exit.signal}` : `terminated with exit code (${exit.code})`;
    return failure(
      "Error",
      `[primary] ${how}. Reason [Error]. Message: \n${tail}.`,
      ExecutionError_ErrorKind.USER,
      true,
      logs,
    );
  }
  if (copilot) {
    const result = await readCopilotOutputs(
      services.store,
      task.interface?.outputs,
      localOut,
      spec.rawOutputPrefix,
    ).catch((err: Error) => ({ error: err.message }));
    if ("error" in result)
      return failure("CoPilotOutputsFailed", result.error, ExecutionError_ErrorKind.USER, true, logs);
    await writeProto(services.store, `${spec.outputPrefix}/outputs.pb`, LiteralMapSchema, result.outputs);
  }
  const futuresUri = `${spec.outputPrefix}/futures.pb`;
  if (await services.files.exists(futuresUri)) {
    return {
      kind: "dynamic",
      spec: await readProto(services.store, futuresUri, DynamicJobSpecSchema),
      futuresUri,
      logs,
    };
  }
  return readOutputs(services, task, spec.outputPrefix, logs);
}

async function startOrAdopt(
  spec: AttemptSpec,
  p: { argv: string[]; dir: string; env: Record<string, string>; files: ReturnType<typeof logFiles>; logs: TaskLog[] },
): Promise<ProcessExit> {
  const settings = spec.scope.services.settings;
  const adopt = spec.adopt;
  if (adopt?.kind === "exited") return { code: adopt.code, signal: adopt.signal, aborted: false };
  if (adopt?.kind === "running") return waitForAdopted(p.dir, adopt.pid, spec.signal, settings.killGraceMs);
  await spec.onStarted(p.logs);
  const process = {
    argv: p.argv,
    cwd: p.dir,
    env: p.env,
    stdoutFile: p.files.stdout,
    stderrFile: p.files.stderr,
    signal: spec.signal,
    killGraceMs: settings.killGraceMs,
    record: true,
  };
  const services = spec.scope.services;
  const image = spec.task.target.case === "container" ? spec.task.target.value.image : "";
  const warm = services.warmPython ? await services.warmPython.run(process, image) : undefined;
  return warm ?? services.processes.run(process);
}

function buildArgv(
  spec: AttemptSpec,
  container: Container,
  command: string[],
  args: string[],
  dir: string,
  copilot: { localIn: string; localOut: string } | undefined,
): string[] {
  const settings = spec.scope.services.settings;
  const dataConfig = container.dataConfig;
  if (settings.runtime === "docker") {
    const store = spec.scope.services.store;
    return dockerRunArgv({
      docker: settings.dockerCommand,
      extraArgs: settings.dockerRunArgs,
      name: `flyte-${spec.scope.id.name}-${spec.uniqueNodeId}-${spec.attempt}${spec.index === undefined ? "" : `-${spec.index}`}`,
      image: container.image,
      command,
      args,
      env: taskEnv(spec, container, dir),
      workDir: dir,
      sharedDirs: store instanceof LocalStore ? [fileURLToPath(store.baseUri)] : [],
      mounts:
        copilot && dataConfig
          ? [
              { host: copilot.localIn, container: dataConfig.inputPath },
              { host: copilot.localOut, container: dataConfig.outputPath },
            ]
          : [],
      cpuLimit: container.resources?.limits.find((r) => r.name === Resources_ResourceName.CPU)?.value,
      memoryLimit: container.resources?.limits.find((r) => r.name === Resources_ResourceName.MEMORY)?.value,
    });
  }
  const all = [...command, ...args];
  if (!copilot || !dataConfig) return all;
  // A local process cannot use the task's absolute paths: the attempt's own directories stand in for them.
  return all.map((a) =>
    replacePath(replacePath(a, dataConfig.inputPath, copilot.localIn), dataConfig.outputPath, copilot.localOut),
  );
}

function replacePath(text: string, from: string, to: string): string {
  const f = from.replace(/\/+$/, "");
  return f === "" ? text : text.split(f).join(to);
}

function taskEnv(spec: AttemptSpec, container: Container, dir: string): Record<string, string> {
  const { scope } = spec;
  return taskEnvironment({
    configured: scope.services.settings.env,
    container: container.env,
    execution: scope.envs,
    executionId: scope.id,
    taskId: spec.task.id,
    workflowName: scope.workflowName,
    launchPlanName: scope.launchPlanName,
    attempt: spec.attempt,
    arrayIndex: spec.index,
    home: dir,
  });
}

/** The environment of the process itself: the task's, or the docker CLI's (config env only) with docker. */
function processEnvironment(spec: AttemptSpec, container: Container, dir: string): Record<string, string> {
  const settings = spec.scope.services.settings;
  if (settings.runtime === "docker") return { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, ...settings.env };
  return taskEnv(spec, container, dir);
}

async function readErrorDocument(
  services: EngineServices,
  prefix: string,
  logs: TaskLog[],
): Promise<AttemptOutcome | undefined> {
  const ref = `${prefix}/error.pb`;
  if (!(await services.files.exists(ref))) return undefined;
  const doc = fromBinary(ErrorDocumentSchema, await services.store.read(ref));
  if (!doc.error) {
    return failure(
      "ErrorFileBadFormat",
      `error not formatted correctly, nil error @path [${ref}]`,
      ExecutionError_ErrorKind.SYSTEM,
      true,
      logs,
    );
  }
  const e = doc.error;
  return {
    kind: "failed",
    error: create(ExecutionErrorSchema, {
      code: e.code,
      message: e.message,
      kind: e.origin,
      timestamp: e.timestamp,
      worker: e.worker,
    }),
    recoverable: e.kind === ContainerError_Kind.RECOVERABLE,
    logs,
  };
}

async function readOutputs(
  services: EngineServices,
  task: TaskTemplate,
  prefix: string,
  logs: TaskLog[],
): Promise<AttemptOutcome> {
  const ref = `${prefix}/outputs.pb`;
  const declared = Object.keys(task.interface?.outputs?.variables ?? {}).length > 0;
  if (!(await services.files.exists(ref))) {
    if (declared) {
      return failure(
        "OutputsNotFound",
        "Outputs not generated by task execution",
        ExecutionError_ErrorKind.UNKNOWN,
        true,
        logs,
      );
    }
    // As FlytePropeller, the outputs file is named even when a task without outputs wrote none.
    return { kind: "succeeded", outputs: create(LiteralMapSchema, {}), outputUri: ref, logs };
  }
  return { kind: "succeeded", outputs: await readProto(services.store, ref, LiteralMapSchema), outputUri: ref, logs };
}

async function stderrTail(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.length > STDERR_TAIL_BYTES ? text.slice(-STDERR_TAIL_BYTES) : text.trimEnd();
}
