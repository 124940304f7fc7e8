import { type LiteralType, LiteralTypeSchema, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { sortedKeys } from "../order.js";
import { protoText } from "../text-format.js";

/** The Go compact text form of a LiteralType (`simple:INTEGER`, `collection_type:{simple:STRING}`); `<nil>` if absent. */
export function literalTypeText(t: LiteralType | undefined): string {
  return protoText(LiteralTypeSchema, t);
}

/**
 * The type rendering FlytePropeller uses in type-mismatch messages: `None` for an absent type, a dataclass summary
 * for STRUCT types (field types rendered recursively, fields sorted), and the text form otherwise. The unbalanced
 * braces of the dataclass summary are Go's, kept so messages read the same.
 */
export function literalTypeToStr(t: LiteralType | undefined): string {
  if (t === undefined) return "None";
  if (t.type.case === "simple" && t.type.value === SimpleType.STRUCT) {
    const fields = t.structure?.dataclassType ?? {};
    const entries = sortedKeys(fields).map((k) => `dataclass_type:{key:${k} value:{${literalTypeToStr(fields[k])}}`);
    return `simple: STRUCT structure{${entries.join(", ")}}`;
  }
  return literalTypeText(t);
}
