/**
 * The launch form's data: which control a literal type gets, the text a
 * default literal fills it with, and the literal the entered text becomes
 * (with a clear message when it cannot).
 */
import { create, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Literal, LiteralSchema } from "../../../src/proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../../../src/proto/gen/flyteidl/core/types_pb.js";
import { literalValue, valueText } from "./literals.js";

export type Control = "int" | "float" | "string" | "bool" | "datetime" | "duration" | "enum" | "json" | "file" | "none";

type LiteralInit = MessageInitShape<typeof LiteralSchema>;

/** The form control for a type; unions choose per variant. */
export function controlFor(t: LiteralType | undefined): Control {
  const v = t?.type;
  if (!v) return "json";
  switch (v.case) {
    case "simple":
      switch (v.value) {
        case SimpleType.INTEGER:
          return "int";
        case SimpleType.FLOAT:
          return "float";
        case SimpleType.STRING:
          return "string";
        case SimpleType.BOOLEAN:
          return "bool";
        case SimpleType.DATETIME:
          return "datetime";
        case SimpleType.DURATION:
          return "duration";
        case SimpleType.NONE:
          return "none";
        default:
          return "json";
      }
    case "enumType":
      return "enum";
    case "blob":
    case "schema":
    case "structuredDatasetType":
      return "file";
    default:
      return "json";
  }
}

/** The text a literal puts into the control for type `t`. */
export function textOf(l: Literal | undefined, t: LiteralType | undefined): string {
  if (!l) return "";
  const v = literalValue(l);
  const control = controlFor(t);
  if (control === "datetime" && typeof v === "string") return v.slice(0, 19);
  if (control === "duration" && l.value.case === "scalar" && l.value.value.value.case === "primitive") {
    const p = l.value.value.value.value.value;
    if (p.case === "duration") return `${Number(p.value.seconds) + p.value.nanos / 1e9}s`;
  }
  if (control === "file" && v && typeof v === "object" && !Array.isArray(v)) return String(v.uri ?? "");
  if (v === null) return "";
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : valueText(v);
}

/** `90`, `90s`, `1.5m`, `2h`, `1h30m` -> milliseconds. */
export function parseDurationText(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = t;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`"${text}" is not a duration (e.g. 90s, 1h30m)`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}

const scalar = (value: NonNullable<LiteralInit["value"]>): LiteralInit => ({ value });
const primitive = (value: object): LiteralInit =>
  scalar({ case: "scalar", value: { value: { case: "primitive", value: { value } as never } } });

/** The literal of a typed JSON value (lists, maps and nested values of the form's JSON fields). */
function fromJson(v: JsonValue, t: LiteralType | undefined): LiteralInit {
  const type = t?.type;
  if (type?.case === "collectionType") {
    if (!Array.isArray(v)) throw new Error("expected a JSON list, e.g. [1, 2]");
    return { value: { case: "collection", value: { literals: v.map((x) => fromJson(x, type.value)) } } };
  }
  if (type?.case === "mapValueType") {
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw new Error('expected a JSON object, e.g. {"a": 1}');
    const literals: Record<string, LiteralInit> = {};
    for (const [k, x] of Object.entries(v)) literals[k] = fromJson(x, type.value);
    return { value: { case: "map", value: { literals } } };
  }
  if (type?.case === "unionType") {
    const none = type.value.variants.find((x) => x.type.case === "simple" && x.type.value === SimpleType.NONE);
    if (v === null && none) return unionOf(noneLiteral(), none);
    for (const variant of type.value.variants) {
      if (variant === none) continue;
      try {
        return unionOf(fromJson(v, variant), variant);
      } catch {
        // try the next variant
      }
    }
    throw new Error("matches none of the union's types");
  }
  const control = controlFor(t);
  if (control === "json") {
    if (type?.case === "simple" && type.value === SimpleType.STRUCT) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("expected a JSON object");
      return scalar({ case: "scalar", value: { value: { case: "generic", value: v } } });
    }
    throw new Error("this type cannot be entered in the form");
  }
  return fromText(typeof v === "string" ? v : JSON.stringify(v), t);
}

function noneLiteral(): LiteralInit {
  return scalar({ case: "scalar", value: { value: { case: "noneType", value: {} } } });
}

function unionOf(value: LiteralInit, type: LiteralType): LiteralInit {
  return scalar({ case: "scalar", value: { value: { case: "union", value: { value, type } } } });
}

/**
 * The literal for the text entered for type `t`.
 * Throws an Error whose message tells the user what is expected.
 */
export function fromText(text: string, t: LiteralType | undefined): LiteralInit {
  const type = t?.type;
  if (type?.case === "unionType" || type?.case === "collectionType" || type?.case === "mapValueType") {
    let parsed: JsonValue;
    const trimmed = text.trim();
    if (trimmed === "" && type.case === "unionType") return fromJson(null, t);
    try {
      parsed = JSON.parse(trimmed) as JsonValue;
    } catch {
      if (type.case !== "unionType") throw new Error("not valid JSON");
      parsed = trimmed;
    }
    return fromJson(parsed, t);
  }
  switch (controlFor(t)) {
    case "int": {
      if (!/^-?\d+$/.test(text.trim())) throw new Error("expected a whole number");
      return primitive({ case: "integer", value: BigInt(text.trim()) });
    }
    case "float": {
      const n = Number(text);
      if (text.trim() === "" || Number.isNaN(n)) throw new Error("expected a number");
      return primitive({ case: "floatValue", value: n });
    }
    case "string":
      return primitive({ case: "stringValue", value: text });
    case "bool":
      return primitive({ case: "boolean", value: text === "true" });
    case "datetime": {
      const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
      if (Number.isNaN(ms)) throw new Error("expected a date and time");
      return primitive({ case: "datetime", value: timestampFromMs(ms) });
    }
    case "duration": {
      const ms = parseDurationText(text);
      return primitive({
        case: "duration",
        value: { seconds: BigInt(Math.floor(ms / 1000)), nanos: Math.round((ms % 1000) * 1e6) },
      });
    }
    case "enum": {
      const values = type?.case === "enumType" ? type.value.values : [];
      if (!values.includes(text)) throw new Error(`expected one of ${values.join(", ")}`);
      return primitive({ case: "stringValue", value: text });
    }
    case "file": {
      if (text.trim() === "") throw new Error("choose a file to upload or give its URI");
      const dimensionality = type?.case === "blob" ? type.value.dimensionality : 0;
      const format = type?.case === "blob" ? type.value.format : "";
      return scalar({
        case: "scalar",
        value: { value: { case: "blob", value: { uri: text.trim(), metadata: { type: { format, dimensionality } } } } },
      });
    }
    case "none":
      return noneLiteral();
    default: {
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(text) as JsonValue;
      } catch {
        throw new Error("not valid JSON");
      }
      if (type?.case === "simple" && type.value === SimpleType.STRUCT) {
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
          throw new Error("expected a JSON object");
        return scalar({
          case: "scalar",
          value: { value: { case: "generic", value: parsed } },
        });
      }
      return fromJson(parsed, t);
    }
  }
}

/** A literal message from its init shape. */
export const literalOf = (init: LiteralInit): Literal => create(LiteralSchema, init);
