import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { AdminError, Code, detail } from "../errors/admin-error.js";
import {
  type ExecutionCreateRequest,
  ExecutionMetadata_ExecutionMode,
} from "../proto/gen/flyteidl/admin/execution_pb.js";
import { InactiveProjectSchema } from "../proto/gen/flyteidl/admin/project_pb.js";
import { ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { ExecutionFirer, fireRequest } from "./execution-firer.js";
import { SimulatedClock } from "./simulated-clock.js";

const AT = Date.parse("2026-03-01T12:00:00Z");
const cron = {
  project: "p",
  domain: "d",
  name: "lp",
  version: "v1",
  cronExpression: "0 12 * * *",
  fixedRateValue: 0,
  unit: 0,
  kickoffTimeInputArg: "kickoff",
};

test("the request: the launch plan version, SCHEDULED with scheduled_at, the derived name, kickoff input for cron only", () => {
  const r = fireRequest(cron, AT);
  assert.equal(r.name, "f" + r.name.slice(1, 17) + "000");
  assert.equal(r.project, "p");
  assert.deepEqual(
    [r.spec?.launchPlan?.resourceType, r.spec?.launchPlan?.name, r.spec?.launchPlan?.version],
    [ResourceType.LAUNCH_PLAN, "lp", "v1"],
  );
  assert.equal(r.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.SCHEDULED);
  assert.equal(r.spec?.metadata?.scheduledAt?.seconds, BigInt(AT / 1000));
  const kickoff = r.inputs?.literals.kickoff;
  assert.equal(kickoff?.value.case === "scalar" && kickoff.value.value.value.case, "primitive");
  const fixed = fireRequest({ ...cron, cronExpression: "", fixedRateValue: 1 }, AT);
  assert.deepEqual(Object.keys(fixed.inputs?.literals ?? {}), []);
  assert.deepEqual(Object.keys(fireRequest({ ...cron, kickoffTimeInputArg: "" }, AT).inputs?.literals ?? {}), []);
});

function firer(launch: (r: ExecutionCreateRequest) => Promise<unknown>, clock = new SimulatedClock(AT)) {
  return new ExecutionFirer({ launch, clock, logger: pino({ level: "silent" }), attempts: 3, backoffMs: 100 });
}

test("ALREADY_EXISTS (a repeated fire, or a concurrency SKIP) and an inactive project count as done, without retry", async () => {
  let calls = 0;
  const dup = firer(async () => {
    calls++;
    throw AdminError.alreadyExists("value with matching already exists (...)");
  });
  assert.equal(await dup.fire(cron, AT), "already_exists");
  const inactive = firer(async () => {
    calls++;
    throw AdminError.invalidArgument("project [p] is not active", [
      detail(InactiveProjectSchema, create(InactiveProjectSchema, { id: "p" })),
    ]);
  });
  assert.equal(await inactive.fire(cron, AT), "inactive_project");
  assert.equal(calls, 2);
});

test("transient failures are retried with backoff; refusals of the request are not", async () => {
  const clock = new SimulatedClock(AT);
  const seen: number[] = [];
  let n = 0;
  const flaky = firer(async () => {
    seen.push(clock.now());
    if (n++ < 2) throw AdminError.internal("database is restarting");
  }, clock);
  const done = flaky.fire(cron, AT);
  await clock.runUntil(AT + 10_000);
  assert.equal(await done, "created");
  assert.deepEqual(
    seen.map((t) => t - AT),
    [0, 100, 300],
  );

  let refused = 0;
  const bad = firer(async () => {
    refused++;
    throw new AdminError(Code.NOT_FOUND, "missing entity of type LAUNCH_PLAN");
  });
  assert.equal(await bad.fire(cron, AT), "failed");
  assert.equal(refused, 1);

  let always = 0;
  const down = firer(async () => {
    always++;
    throw new Error("socket hang up");
  }, clock);
  const gaveUp = down.fire(cron, AT);
  await clock.runUntil(clock.now() + 10_000);
  assert.equal(await gaveUp, "failed");
  assert.equal(always, 3);
});
