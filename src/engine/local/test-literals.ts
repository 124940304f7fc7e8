/** Literal builders for the engine's unit tests. */
import { create } from "@bufbuild/protobuf";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
  type Primitive,
} from "../../proto/gen/flyteidl/core/literals_pb.js";

export const prim = (value: Primitive["value"]): Literal =>
  create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "primitive", value: { value } } } } });
export const int = (n: number) => prim({ case: "integer", value: BigInt(n) });
export const float = (n: number) => prim({ case: "floatValue", value: n });
export const str = (s: string) => prim({ case: "stringValue", value: s });
export const bool = (b: boolean) => prim({ case: "boolean", value: b });
export const none = (): Literal =>
  create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "noneType", value: {} } } } });
export const list = (...items: Literal[]): Literal =>
  create(LiteralSchema, { value: { case: "collection", value: { literals: items } } });
export const map = (literals: Record<string, Literal>): Literal =>
  create(LiteralSchema, { value: { case: "map", value: { literals } } });
export const lmap = (literals: Record<string, Literal>): LiteralMap => create(LiteralMapSchema, { literals });
