/**
 * Offloaded literals (executions.md §0.4): inputs and outputs too big or not
 * meant for a row are written as a binary `core.LiteralMap` under
 * `<base>/metadata/<keys...>` and the row keeps the reference.
 */
import { toBinary } from "@bufbuild/protobuf";
import { AdminError, passThrough } from "../errors/admin-error.js";
import { type LiteralMap, LiteralMapSchema } from "../proto/gen/flyteidl/core/literals_pb.js";
import type { DataStore } from "./data-store.js";

/**
 * Writes `data` to `<base>/metadata/<keys joined by "/">` and returns its reference;
 * INTERNAL "Failed to write protobuf for [...]" when the store fails.
 *
 * @example
 * const uri = await offloadLiteralMap(store, outputs, "p", "d", "exec", "n0", "offloaded_outputs");
 */
export async function offloadLiteralMap(store: DataStore, data: LiteralMap, ...keys: string[]): Promise<string> {
  const ref = store.ref("metadata", ...keys);
  try {
    await store.write(ref, toBinary(LiteralMapSchema, data));
  } catch (err) {
    const passed = passThrough(err);
    if (passed) throw passed;
    throw AdminError.internal(`Failed to write protobuf for [${keys.join(" ")}] with err: ${(err as Error).message}`);
  }
  return ref;
}
