/**
 * Gate nodes, as FlytePropeller runs them: `sleep` waits its duration;
 * `signal` creates the signal through SignalService's GetOrCreateSignal and
 * waits for a value (set by a user with SetSignal), which becomes the
 * node's one output; `approve` waits for a boolean signal: true passes the
 * node's inputs on as its outputs, false fails it (ReceivedRejectSignal).
 */
import { create } from "@bufbuild/protobuf";
import { durationToNanos } from "../../../common/time.js";
import { SignalGetOrCreateRequestSchema } from "../../../proto/gen/flyteidl/admin/signal_pb.js";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import { type Literal, LiteralMapSchema } from "../../../proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, LiteralTypeSchema, SimpleType } from "../../../proto/gen/flyteidl/core/types_pb.js";
import { type NodeContext, type NodeHandler, writeOutputs } from "../node-run.js";
import { abortReason, type NodeResult, pause } from "../run-context.js";

const failure = (code: string, message: string, kind: ExecutionError_ErrorKind): NodeResult => ({
  phase: "failed",
  error: create(ExecutionErrorSchema, { code, message, kind }),
});

/** Polls the signal until it has a value. */
async function signalValue(ctx: NodeContext, signalId: string, type: LiteralType): Promise<Literal | undefined> {
  const cp = ctx.scope.services.controlPlane;
  const request = create(SignalGetOrCreateRequestSchema, { id: { executionId: ctx.scope.id, signalId }, type });
  for (;;) {
    const signal = await cp.getOrCreateSignal(request);
    if (signal.value?.value.case !== undefined) return signal.value;
    await pause(ctx.scope.services.settings.pollIntervalMs, ctx.signal);
    if (ctx.signal.aborted) return undefined;
  }
}

export const gateNodeHandler: NodeHandler = {
  usesParallelism: false,
  async run(ctx) {
    const gate = ctx.node.target.case === "gateNode" ? ctx.node.target.value : undefined;
    const condition = gate?.condition;
    await ctx.event({ phase: NodeExecution_Phase.RUNNING });
    switch (condition?.case) {
      case "sleep": {
        const ms = condition.value.duration ? durationToNanos(condition.value.duration) / 1e6 : 0;
        // A resumed sleep counts from when the node started under the previous server.
        const elapsed = ctx.recorded ? Math.max(0, Date.now() - ctx.recorded.startedAtMs) : 0;
        await pause(Math.max(0, ms - elapsed), ctx.signal);
        if (ctx.signal.aborted) return { phase: "aborted", reason: abortReason(ctx.signal) };
        return { phase: "succeeded", outputs: create(LiteralMapSchema, {}), outputUri: "" };
      }
      case "signal": {
        const value = await signalValue(
          ctx,
          condition.value.signalId,
          condition.value.type ?? create(LiteralTypeSchema),
        );
        if (!value) return { phase: "aborted", reason: abortReason(ctx.signal) };
        const outputs = create(LiteralMapSchema, { literals: { [condition.value.outputVariableName]: value } });
        return { phase: "succeeded", outputs, outputUri: await writeOutputs(ctx, outputs) };
      }
      case "approve": {
        const boolean = create(LiteralTypeSchema, { type: { case: "simple", value: SimpleType.BOOLEAN } });
        const value = await signalValue(ctx, condition.value.signalId, boolean);
        if (!value) return { phase: "aborted", reason: abortReason(ctx.signal) };
        const s = value.value.case === "scalar" ? value.value.value.value : undefined;
        const p = s?.case === "primitive" ? s.value.value : undefined;
        if (p?.case !== "boolean") {
          return failure(
            "RuntimeExecutionError",
            "received a non-boolean approve signal value",
            ExecutionError_ErrorKind.UNKNOWN,
          );
        }
        if (!p.value) {
          return failure(
            "ReceivedRejectSignal",
            "received a reject signal to disapprove the node input values",
            ExecutionError_ErrorKind.USER,
          );
        }
        return { phase: "succeeded", outputs: ctx.inputs, outputUri: await writeOutputs(ctx, ctx.inputs) };
      }
      default:
        return failure(
          "BadSpecificationError",
          "gateNode does not have a supported condition reference",
          ExecutionError_ErrorKind.SYSTEM,
        );
    }
  },
};
