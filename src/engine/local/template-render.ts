/**
 * FlytePropeller's container template variables, substituted in a task's
 * command and args (flyteplugins `core/template`): case-insensitive, written
 * `{{ .name }}` or `{{ $name }}`. `{{.inputs.x}}` is the value of input `x`
 * printed as Go prints it; an empty previous checkpoint becomes `""`.
 */
import { decode } from "@msgpack/msgpack";
import type { Literal, LiteralMap, Primitive, Scalar } from "../../proto/gen/flyteidl/core/literals_pb.js";

/** The values a task attempt's templates refer to. */
export interface TemplateValues {
  /** `{{.input}}`: the inputs file. */
  readonly inputFile: string;
  /** `{{.inputPrefix}}`: the directory of the inputs file. */
  readonly inputPrefix: string;
  /** `{{.outputPrefix}}`: where outputs.pb / error.pb / futures.pb are written. */
  readonly outputPrefix: string;
  /** `{{.rawOutputDataPrefix}}`: where offloaded data (files, dataframes) goes. */
  readonly rawOutputDataPrefix: string;
  readonly checkpointOutputPrefix: string;
  /** "" on the first attempt. */
  readonly prevCheckpointPrefix: string;
  readonly perRetryUniqueKey: string;
  readonly taskTemplatePath: string;
  readonly namespace: string;
  /** The inputs, for `{{.inputs.<name>}}`. */
  readonly inputs: LiteralMap;
}

const rx = (name: string) => new RegExp(`\\{\\{\\s*[.$]${name}\\s*\\}\\}`, "gi");
const INPUT_FILE = rx("Input");
const INPUT_PREFIX = rx("InputPrefix");
const OUTPUT_PREFIX = rx("OutputPrefix");
const RAW_OUTPUT = rx("RawOutputDataPrefix");
const PREV_CHECKPOINT = rx("PrevCheckpointPrefix");
const CHECKPOINT = rx("CheckpointOutputPrefix");
const RETRY_KEY = rx("PerRetryUniqueKey");
const TASK_TEMPLATE = rx("TaskTemplatePath");
const NAMESPACE = rx("Namespace");
const INPUT_VAR = /\{\{\s*[.$]Inputs\.([^}\s]+)\s*\}\}/gi;

/** A template that cannot be rendered (an unknown input, an unprintable literal). */
export class TemplateError extends Error {}

/** The key FlytePropeller derives from the attempt's generated name for `{{.perRetryUniqueKey}}`. */
export function perRetryKey(generatedName: string): string {
  return generatedName.replace(/^[^a-zA-Z_]+/, "a").replace(/[^a-zA-Z0-9_]+/g, "_");
}

/** Renders every template in `args` (FlytePropeller's `template.Render`). */
export function renderTemplates(args: readonly string[], values: TemplateValues): string[] {
  return args.map((a) => renderOne(a, values));
}

function renderOne(template: string, v: TemplateValues): string {
  let s = template
    .replace(INPUT_FILE, () => v.inputFile)
    .replace(OUTPUT_PREFIX, () => v.outputPrefix)
    .replace(INPUT_PREFIX, () => v.inputPrefix)
    .replace(RAW_OUTPUT, () => v.rawOutputDataPrefix)
    .replace(PREV_CHECKPOINT, () => v.prevCheckpointPrefix || '""')
    .replace(CHECKPOINT, () => v.checkpointOutputPrefix)
    .replace(RETRY_KEY, () => v.perRetryUniqueKey)
    .replace(TASK_TEMPLATE, () => v.taskTemplatePath)
    .replace(NAMESPACE, () => v.namespace);
  const errors: string[] = [];
  s = s.replace(INPUT_VAR, (match, name: string) => {
    const literal = v.inputs.literals[name];
    if (literal === undefined) {
      errors.push(`input template [${match}]: requested input is not found [${name}]`);
      return "";
    }
    try {
      return literalText(literal);
    } catch (err) {
      errors.push(
        `input template [${match}]: failed to bind a value to inputName [${name}]: ${(err as Error).message}`,
      );
      return "";
    }
  });
  if (errors.length > 0) throw new TemplateError(errors.map((e, i) => `${i}: ${e}`).join("\r\n"));
  return s;
}

/** A literal as `{{.inputs.x}}` prints it: primitives, blob/schema URIs, msgpack values, `[a,b]` for lists. */
export function literalText(literal: Literal): string {
  const v = literal.value;
  if (v.case === "collection") return `[${v.value.literals.map(literalText).join(",")}]`;
  if (v.case === "scalar") return scalarText(v.value);
  throw new TemplateError(`received an unexpected primitive type [${v.case ?? "nil"}]`);
}

function scalarText(scalar: Scalar): string {
  const v = scalar.value;
  switch (v.case) {
    case "primitive":
      return primitiveText(v.value);
    case "blob":
      return v.value.uri;
    case "schema":
      return v.value.uri;
    case "binary":
      if (v.value.tag !== "msgpack") throw new TemplateError(`unsupported binary tag [${v.value.tag}]`);
      return goValueText(decode(v.value.value));
    default:
      throw new TemplateError(`received an unexpected scalar type [${v.case ?? "nil"}]`);
  }
}

/** A primitive as Go's `%v` prints it. */
export function primitiveText(p: Primitive): string {
  const v = p.value;
  switch (v.case) {
    case "integer":
      return v.value.toString();
    case "boolean":
      return v.value ? "true" : "false";
    case "floatValue":
      return goFloat(v.value);
    case "stringValue":
      return v.value;
    case "datetime":
      return rfc3339Nano(v.value.seconds, v.value.nanos);
    case "duration":
      return durationProtoText(v.value.seconds, v.value.nanos);
    default:
      throw new TemplateError("received an unexpected primitive type [nil]");
  }
}

/** Go's `%v` of a float64: shortest digits, exponent form below 1e-4 or from 1e6 (strconv %g, shortest). */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(f)));
  if (exp < -4 || exp >= 6) {
    const [mantissa, e] = f.toExponential().split("e");
    const n = Number(e);
    return `${mantissa}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return String(f);
}

function rfc3339Nano(seconds: bigint, nanos: number): string {
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const frac = nanos > 0 ? `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `${iso}${frac}Z`;
}

/** How Go prints a protobuf Duration message (`seconds:5 nanos:1`). */
function durationProtoText(seconds: bigint, nanos: number): string {
  const parts: string[] = [];
  if (seconds !== 0n) parts.push(`seconds:${seconds}`);
  if (nanos !== 0) parts.push(`nanos:${nanos}`);
  return parts.join(" ");
}

/** A decoded msgpack value as Go's `%v` prints the decoded interface{}. */
function goValueText(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : goFloat(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return `[${[...value].join(" ")}]`;
  if (Array.isArray(value)) return `[${value.map(goValueText).join(" ")}]`;
  if (value instanceof Map) {
    return `map[${[...value.entries()].map(([k, x]) => `${goValueText(k)}:${goValueText(x)}`).join(" ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goValueText(x)}`).join(" ")}]`;
}
