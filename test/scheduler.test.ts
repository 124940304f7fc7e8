/**
 * The native scheduler in a running server (executions.md §6), on both
 * databases: an active launch plan's schedule fires executions through
 * CreateExecution — SCHEDULED mode, `scheduled_at`, the kickoff-time input,
 * the deterministic name — and a deactivated schedule stops firing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { timestampToMicros } from "../src/common/time.js";
import type { Execution } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { ExecutionMetadata_ExecutionMode } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { executionName } from "../src/scheduler/identity.js";
import { cronSchedule } from "./fixtures/launch-plans.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { DATETIME } from "./fixtures/types.js";
import { seedRunnableLaunchPlan } from "./support/launch-plans.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

/** Executions of a launch plan, oldest scheduled time first. */
async function scheduledRuns(s: TestServer, lpName: string): Promise<Execution[]> {
  const res = await s.admin.listExecutions({
    id: { project: PROJECT, domain: DOMAIN },
    limit: 1000,
    filters: `eq(launch_plan.name,${lpName})`,
  });
  return [...res.executions].sort((a, b) => scheduledAt(a) - scheduledAt(b));
}

function scheduledAt(e: Execution): number {
  const t = e.spec?.metadata?.scheduledAt;
  return t ? timestampToMicros(t) / 1000 : 0;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEachDatabase(
  "native scheduler",
  (srv) => {
    test("an active cron schedule fires SCHEDULED executions with scheduled_at, the kickoff input and the derived name; deactivation stops it", async () => {
      const s = srv();
      const name = `sched.every-second.${s.dialect}`;
      const lp = await seedRunnableLaunchPlan(s, {
        name,
        inputs: { kickoff_time: DATETIME },
        schedule: cronSchedule("@every 1s", "kickoff_time"),
      });
      const runs = await until("three scheduled executions", async () => {
        const r = await scheduledRuns(s, name);
        return r.length >= 3 ? r : undefined;
      });
      const key = { project: PROJECT, domain: DOMAIN, name, version: lp.version };
      for (const e of runs) {
        const at = scheduledAt(e);
        assert.equal(at % 1000, 0, "whole seconds");
        assert.equal(e.id?.name, executionName(key, at));
        assert.equal(e.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.SCHEDULED);
        assert.deepEqual(e.spec?.launchPlan, lp);
        const data = await s.admin.getExecutionData({ id: e.id });
        const kickoff = data.fullInputs?.literals.kickoff_time;
        const value = kickoff?.value.case === "scalar" ? kickoff.value.value.value : undefined;
        const dt =
          value?.case === "primitive" && value.value.value.case === "datetime" ? value.value.value.value : undefined;
        assert.ok(dt, "kickoff_time is a datetime");
        assert.equal(timestampToMicros(dt) / 1000, at);
      }
      // One per second, none missing in between.
      const times = runs.map(scheduledAt);
      for (let i = 1; i < times.length; i++) assert.equal((times[i] as number) - (times[i - 1] as number), 1000);

      await s.admin.updateLaunchPlan({ id: lp, state: LaunchPlanState.INACTIVE });
      // Give the scheduler a reload (1 s) to notice, then nothing more may appear.
      await new Promise((r) => setTimeout(r, 2_500));
      const settled = (await scheduledRuns(s, name)).length;
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal((await scheduledRuns(s, name)).length, settled);
    });
  },
  {
    scheduler: {
      eventScheduler: { local: { reloadInterval: "1s", snapshotInterval: "1s", leaderRetryInterval: "1s" } },
    },
  },
);
