/**
 * The co-pilot contract for raw container tasks (a container with
 * `data_config`): before the task, its inputs are laid out in a directory
 * (one file per primitive input with its text, blobs as files or
 * directories, lists as numbered entries, plus `inputs.pb` and, for the JSON
 * and YAML formats, `inputs.json` / `inputs.yaml`); after it, each declared
 * output is read from the output directory (primitives parsed from their
 * file, blobs uploaded under the raw output prefix) into `outputs.pb`. A file
 * `_ERROR` in the output directory is the task's error message.
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, type JsonObject, toBinary } from "@bufbuild/protobuf";
import { type Duration, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { stringify as yamlStringify } from "yaml";
import type { DataStore } from "../../blob/data-store.js";
import { formatGoDuration, parseGoDuration } from "../../common/duration.js";
import { durationToNanos, nanosToDuration } from "../../common/time.js";
import type { VariableMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
  type Primitive,
  PrimitiveSchema,
  type Scalar,
  ScalarSchema,
  VoidSchema,
} from "../../proto/gen/flyteidl/core/literals_pb.js";
import { DataLoadingConfig_LiteralMapFormat } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { BlobType_BlobDimensionality, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";

/** The name of the error file a raw container may write in its output directory. */
export const COPILOT_ERROR_FILE = "_ERROR";
const MAX_PRIMITIVE_BYTES = 1024;

/** Reads a blob literal's bytes: local files directly, everything else through the store. */
async function copyBlob(store: DataStore, uri: string, to: string, multipart: boolean): Promise<void> {
  if (uri.startsWith("file://")) {
    await cp(fileURLToPath(uri), to, { recursive: multipart });
    return;
  }
  if (multipart)
    throw new Error(`multipart blob [${uri}] outside the local store is not supported by the local engine`);
  await writeFile(to, await store.read(uri));
}

/** Writes `inputs` into `dir` in co-pilot's layout. */
export async function writeCopilotInputs(
  store: DataStore,
  inputs: LiteralMap,
  dir: string,
  format: DataLoadingConfig_LiteralMapFormat,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const values: Record<string, unknown> = {};
  for (const [name, literal] of Object.entries(inputs.literals)) {
    values[name] = await writeLiteral(store, literal, join(dir, name));
  }
  await writeFile(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, inputs));
  if (format === DataLoadingConfig_LiteralMapFormat.JSON) {
    await writeFile(join(dir, "inputs.json"), JSON.stringify(values, jsonBigint));
  } else if (format === DataLoadingConfig_LiteralMapFormat.YAML) {
    await writeFile(join(dir, "inputs.yaml"), yamlStringify(values));
  }
}

function jsonBigint(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

async function writeLiteral(store: DataStore, literal: Literal, path: string): Promise<unknown> {
  const v = literal.value;
  if (v.case === "collection") {
    await mkdir(path, { recursive: true });
    const out: unknown[] = [];
    for (const [i, item] of v.value.literals.entries())
      out.push(await writeLiteral(store, item, join(path, String(i))));
    return out;
  }
  if (v.case === "map") {
    await mkdir(path, { recursive: true });
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v.value.literals)) out[k] = await writeLiteral(store, item, join(path, k));
    return out;
  }
  if (v.case !== "scalar") throw new Error(`unsupported literal type [${v.case ?? "nil"}]`);
  const s = v.value.value;
  switch (s.case) {
    case "primitive": {
      const [value, text] = primitiveValue(s.value);
      await writeFile(path, text);
      return value;
    }
    case "blob": {
      const multipart = s.value.metadata?.type?.dimensionality === BlobType_BlobDimensionality.MULTIPART;
      await copyBlob(store, s.value.uri, path, multipart);
      return path;
    }
    case "schema":
      await copyBlob(store, s.value.uri, path, true);
      return path;
    case "binary":
      await writeFile(path, s.value.value);
      return s.value.value;
    case "error":
      await writeFile(path, s.value.message);
      return s.value.message;
    case "generic":
      await writeFile(path, JSON.stringify(s.value));
      return s.value;
    case "union":
      return s.value.value ? writeLiteral(store, s.value.value, path) : null;
    case "noneType":
      await writeFile(path, "null");
      return null;
    default:
      throw new Error(`unsupported scalar type [${s.case ?? "nil"}]`);
  }
}

function primitiveValue(p: Primitive): [unknown, string] {
  const v = p.value;
  switch (v.case) {
    case "stringValue":
      return [v.value, v.value];
    case "boolean":
      return [v.value, String(v.value)];
    case "integer":
      return [v.value, v.value.toString()];
    case "floatValue":
      return [v.value, String(v.value)];
    case "datetime": {
      const d = new Date(Number(v.value.seconds) * 1000 + Math.floor(v.value.nanos / 1e6));
      return [d.toISOString(), d.toISOString()];
    }
    case "duration":
      return [goDurationText(v.value), goDurationText(v.value)];
    default:
      return [null, "null"];
  }
}

function goDurationText(d: Duration): string {
  return formatGoDuration(durationToNanos(d));
}

/** What a raw container produced: its outputs, or the error it reported. */
export type CopilotResult = { readonly outputs: LiteralMap } | { readonly error: string };

/**
 * Reads the declared outputs from `dir`, uploading blobs under `rawOutputPrefix`.
 * Throws with a message when an output is missing or unreadable.
 */
export async function readCopilotOutputs(
  store: DataStore,
  outputs: VariableMap | undefined,
  dir: string,
  rawOutputPrefix: string,
): Promise<CopilotResult> {
  const errorText = await readFile(join(dir, COPILOT_ERROR_FILE), "utf8").catch(() => undefined);
  if (errorText !== undefined) return { error: `User Error: ${errorText}` };
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(outputs?.variables ?? {})) {
    const path = join(dir, name);
    const type = variable.type?.type;
    if (type?.case === "blob") {
      literals[name] = await uploadBlob(
        store,
        path,
        `${rawOutputPrefix}/${name === "" ? "_" : name}`,
        type.value.format,
      );
    } else if (type?.case === "simple") {
      literals[name] = await readSimple(path, type.value);
    } else {
      throw new Error(`currently CoPilot uploader does not support [${type?.case ?? "nil"}], system error`);
    }
  }
  return { outputs: create(LiteralMapSchema, { literals }) };
}

async function uploadBlob(store: DataStore, path: string, to: string, format: string): Promise<Literal> {
  const info = await stat(path);
  if (info.isDirectory()) {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.isFile()) await store.write(`${to}/${entry.name}`, await readFile(join(path, entry.name)));
    }
  } else {
    await store.write(to, await readFile(path));
  }
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: {
        value: {
          case: "blob",
          value: { uri: to, metadata: { type: { format, dimensionality: BlobType_BlobDimensionality.SINGLE } } },
        },
      },
    },
  });
}

async function readSimple(path: string, type: SimpleType): Promise<Literal> {
  const info = await stat(path);
  if (info.isDirectory()) throw new Error(`expected file for type [${SimpleType[type]}], found dir at path [${path}]`);
  if (info.size > MAX_PRIMITIVE_BYTES) {
    throw new Error(`maximum allowed filesize is [${MAX_PRIMITIVE_BYTES}], but found [${info.size}]`);
  }
  return literalForSimpleType(type, await readFile(path, "utf8"));
}

function scalarLiteral(value: Scalar["value"]): Literal {
  return create(LiteralSchema, { value: { case: "scalar", value: create(ScalarSchema, { value }) } });
}

function primitiveLiteral(value: Primitive["value"]): Literal {
  return scalarLiteral({ case: "primitive", value: create(PrimitiveSchema, { value }) });
}

/** co-pilot's `MakeLiteralForSimpleType`: the text of a file as a literal of `type` (surrounding blanks trimmed). */
export function literalForSimpleType(type: SimpleType, raw: string): Literal {
  const s = raw.replace(/^[ \n\t]+|[ \n\t]+$/g, "");
  switch (type) {
    case SimpleType.INTEGER:
      if (!/^[+-]?\d+$/.test(s)) throw new Error(`parse int: invalid syntax [${s}]`);
      return primitiveLiteral({ case: "integer", value: BigInt(s) });
    case SimpleType.FLOAT: {
      const f = Number(s);
      if (s === "" || Number.isNaN(f)) throw new Error(`parse float: invalid syntax [${s}]`);
      return primitiveLiteral({ case: "floatValue", value: f });
    }
    case SimpleType.STRING:
      return primitiveLiteral({ case: "stringValue", value: s });
    case SimpleType.BOOLEAN:
      if (["1", "t", "T", "TRUE", "true", "True"].includes(s))
        return primitiveLiteral({ case: "boolean", value: true });
      if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) {
        return primitiveLiteral({ case: "boolean", value: false });
      }
      throw new Error(`parse bool: invalid syntax [${s}]`);
    case SimpleType.DATETIME: {
      const d = new Date(s);
      if (Number.isNaN(d.getTime())) throw new Error(`parse datetime: invalid syntax [${s}]`);
      return primitiveLiteral({ case: "datetime", value: timestampFromDate(d) });
    }
    case SimpleType.DURATION: {
      const nanos = parseGoDuration(s);
      if (nanos === undefined) throw new Error(`parse duration: invalid syntax [${s}]`);
      return primitiveLiteral({ case: "duration", value: nanosToDuration(nanos) });
    }
    case SimpleType.NONE:
      return scalarLiteral({ case: "noneType", value: create(VoidSchema) });
    case SimpleType.STRUCT:
      return scalarLiteral({ case: "generic", value: JSON.parse(s) as JsonObject });
    default:
      throw new Error(`unsupported simple type [${SimpleType[type]}]`);
  }
}
