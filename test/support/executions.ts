/**
 * Executions written straight through the repository (and the local blob
 * store's directory), for tests of reads, lists and state changes that do
 * not need a registered launch plan; and phase changes as the event path
 * makes them.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { microsToTimestamp, nowMicros } from "../../src/common/time.js";
import type { Notification } from "../../src/proto/gen/flyteidl/admin/common_pb.js";
import {
  ExecutionClosureSchema,
  ExecutionSpecSchema,
  ExecutionStateChangeDetailsSchema,
} from "../../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../../src/proto/gen/flyteidl/core/identifier_pb.js";
import { type Literal, LiteralMapSchema } from "../../src/proto/gen/flyteidl/core/literals_pb.js";
import {
  closureBytes,
  closureOf,
  newExecutionColumns,
  phaseName,
  tagRowsOf,
} from "../../src/store/repositories/execution-mapper.js";
import { ExecutionRepository } from "../../src/store/repositories/execution-repository.js";
import type { TestServer } from "./server.js";

export interface SeedOptions {
  readonly project?: string;
  readonly domain?: string;
  readonly phase?: WorkflowExecution_Phase;
  readonly inputs?: Record<string, Literal>;
  readonly labels?: Record<string, string>;
  readonly tags?: readonly string[];
  readonly launchPlanId?: number;
  readonly workflowId?: number;
  /** An error message recorded with the phase (FAILED executions). */
  readonly error?: string;
  /** The cluster recorded as running it (events from other producers are refused). */
  readonly cluster?: string;
  /** Notifications recorded in the closure (what CreateExecution resolves from the launch plan or request). */
  readonly notifications?: Notification[];
}

/** The `file://` reference of `metadata/<keys...>` in the test server's local store, written with `data`. */
export function writeLiteralMap(s: TestServer, keys: string[], literals: Record<string, Literal>): string {
  const path = join(s.dataDir, "blobs", "flyte", "metadata", ...keys);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals })));
  return pathToFileURL(path).href;
}

/** Inserts an execution as CreateExecution records one (UNDEFINED unless a phase is given). */
export async function seedExecution(s: TestServer, name: string, o: SeedOptions = {}): Promise<void> {
  const db = s.server.database;
  const project = o.project ?? "flytesnacks";
  const domain = o.domain ?? "development";
  const key = { project, domain, name };
  const inputsUri = writeLiteralMap(s, [project, domain, name, "inputs"], o.inputs ?? {});
  const userInputsUri = writeLiteralMap(s, [project, domain, name, "user_inputs"], o.inputs ?? {});
  const now = nowMicros();
  const wf = { resourceType: ResourceType.WORKFLOW, project, domain, name: "wf.seeded", version: "v1" };
  const spec = create(ExecutionSpecSchema, {
    launchPlan: { ...wf, resourceType: ResourceType.LAUNCH_PLAN },
    metadata: { principal: "seed" },
    labels: o.labels ? { values: o.labels } : undefined,
    tags: [...(o.tags ?? [])],
    inputs: { literals: o.inputs ?? {} },
  });
  const closure = create(ExecutionClosureSchema, {
    phase: o.phase ?? WorkflowExecution_Phase.UNDEFINED,
    createdAt: microsToTimestamp(now),
    updatedAt: microsToTimestamp(now),
    workflowId: wf,
    stateChangeDetails: create(ExecutionStateChangeDetailsSchema, {
      principal: "seed",
      occurredAt: microsToTimestamp(now),
    }),
    outputResult: o.error ? { case: "error", value: { code: "USER:Boom", message: o.error } } : { case: undefined },
    notifications: o.notifications ?? [],
  });
  const row = newExecutionColumns(
    {
      key,
      spec,
      closure,
      launchPlanId: o.launchPlanId,
      workflowId: o.workflowId ?? 0,
      cluster: o.cluster ?? "",
      inputsUri,
      userInputsUri,
      principal: "seed",
      launchEntity: "launch_plan",
      createdAt: now,
    },
    db.codec,
  );
  await new ExecutionRepository(db).create(row, tagRowsOf(key, spec, now, db.codec));
}

/** Moves an execution to a phase as the event path does (column and closure), through the repository. */
export async function setPhase(
  s: TestServer,
  name: string,
  phase: WorkflowExecution_Phase,
  project = "flytesnacks",
  domain = "development",
): Promise<void> {
  const db = s.server.database;
  const repo = new ExecutionRepository(db);
  await db.transaction(async (trx) => {
    const row = await repo.getForUpdate(trx, { project, domain, name });
    assert.ok(row, `execution ${name}`);
    const closure = closureOf(row);
    closure.phase = phase;
    await repo.update(trx, row.id, { phase: phaseName(phase), closure: closureBytes(closure, db.codec) });
  });
}
