/** The end node: its inputs (the level's output bindings, resolved) are its outputs. */
import type { NodeHandler } from "../node-run.js";
import { writeOutputs } from "../node-run.js";

export const endNodeHandler: NodeHandler = {
  usesParallelism: false,
  async run(ctx) {
    const outputUri = await writeOutputs(ctx, ctx.inputs);
    return { phase: "succeeded", outputs: ctx.inputs, outputUri };
  },
};
