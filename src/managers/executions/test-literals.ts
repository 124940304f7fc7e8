/** Literal and type builders for the execution manager's unit tests. */
import { create } from "@bufbuild/protobuf";
import { type Literal, LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, LiteralTypeSchema, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";

export function intLit(v: number): Literal {
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(v) } } } },
    },
  });
}

export function strLit(v: string): Literal {
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } },
    },
  });
}

export function datetimeLit(seconds: bigint, nanos = 0): Literal {
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "datetime", value: { seconds, nanos } } } } },
    },
  });
}

/** A blob literal without metadata: its type cannot be inferred. */
export function untypedBlobLit(): Literal {
  return create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "blob", value: { uri: "s3://x" } } } },
  });
}

export function simple(t: SimpleType): LiteralType {
  return create(LiteralTypeSchema, { type: { case: "simple", value: t } });
}

export const INT = simple(SimpleType.INTEGER);
export const STR = simple(SimpleType.STRING);
