/** Rows of `signals` to and from admin.Signal: the type and the value as protobuf bytes. */
import { create, fromBinary } from "@bufbuild/protobuf";
import type { Selectable } from "kysely";
import { type Signal, SignalSchema } from "../../proto/gen/flyteidl/admin/signal_pb.js";
import { LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../proto/gen/flyteidl/core/types_pb.js";
import type { SignalsTable } from "../schema.js";

export type SignalRow = Selectable<SignalsTable>;

/** A signal's key: its execution and its signal id. */
export interface SignalKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly signalId: string;
}

export function signalFromRow(row: SignalRow): Signal {
  return create(SignalSchema, {
    id: {
      signalId: row.signal_id,
      executionId: { project: row.execution_project, domain: row.execution_domain, name: row.execution_name },
    },
    type: row.type.length > 0 ? fromBinary(LiteralTypeSchema, row.type) : undefined,
    value: row.value !== null && row.value.length > 0 ? fromBinary(LiteralSchema, row.value) : undefined,
  });
}
