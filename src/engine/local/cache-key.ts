/**
 * Task cache keys as FlytePropeller builds them for datacatalog: a dataset
 * `flyte_task-<task name>` in the task's project and domain, versioned
 * `<discovery_version>-<inputs signature>-<outputs signature>`, and an
 * artifact tag `flyte_cached-<hash of the inputs>` (inputs listed in
 * `cache_ignore_input_vars` left out; a literal carrying its own `hash` is
 * hashed by it alone). Hashes are SHA-256 over deterministic protobuf
 * bytes, base64url without padding.
 */
import { createHash } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { type CatalogMetadata, CatalogMetadataSchema } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import type { TaskExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import {
  type TypedInterface,
  type VariableMap,
  VariableMapSchema,
} from "../../proto/gen/flyteidl/core/interface_pb.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../proto/gen/flyteidl/core/literals_pb.js";

const SIGNATURE_HASH_LENGTH = 8;

/** Where a cached result is filed. */
export interface CacheKey {
  readonly project: string;
  readonly domain: string;
  /** `flyte_task-<task name>` */
  readonly dataset: string;
  /** `<discovery_version>-<inputs signature>-<outputs signature>` */
  readonly version: string;
  /** `flyte_cached-<inputs hash>` */
  readonly tag: string;
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url");
}

function sortedRecord<T>(record: Readonly<Record<string, T>>, map: (v: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(record).sort()) out[k] = map(record[k]!);
  return out;
}

/** A copy where literals with a `hash` keep only it, and map keys are in sorted order. */
function hashify(literal: Literal): Literal {
  if (literal.hash !== "") return create(LiteralSchema, { hash: literal.hash });
  const v = literal.value;
  if (v.case === "collection") {
    return create(LiteralSchema, { value: { case: "collection", value: { literals: v.value.literals.map(hashify) } } });
  }
  if (v.case === "map") {
    return create(LiteralSchema, {
      value: { case: "map", value: { literals: sortedRecord(v.value.literals, hashify) } },
    });
  }
  return literal;
}

/** FlytePropeller's `HashLiteralMap`. */
export function hashInputs(inputs: LiteralMap | undefined, ignore: readonly string[] = []): string {
  const kept: Record<string, Literal> = {};
  for (const name of Object.keys(inputs?.literals ?? {}).sort()) {
    if (!ignore.includes(name)) kept[name] = hashify(inputs!.literals[name]!);
  }
  return digest(toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: kept })));
}

function signature(vars: VariableMap | undefined): string {
  const sorted = create(VariableMapSchema, { variables: sortedRecord(vars?.variables ?? {}, (x) => x) });
  return digest(toBinary(VariableMapSchema, sorted)).slice(0, SIGNATURE_HASH_LENGTH);
}

/** The cache key of a task (its id, `discovery_version`, interface) called with `inputs`. */
export function cacheKey(
  taskId: Identifier,
  discoveryVersion: string,
  iface: TypedInterface | undefined,
  inputs: LiteralMap | undefined,
  ignoreInputVars: readonly string[],
): CacheKey {
  const version = discoveryVersion.trim();
  if (version === "") throw new Error(`task cannot have an empty discoveryVersion ${discoveryVersion}`);
  return {
    project: taskId.project,
    domain: taskId.domain,
    dataset: `flyte_task-${taskId.name}`,
    version: `${version}-${signature(iface?.inputs)}-${signature(iface?.outputs)}`,
    tag: `flyte_cached-${hashInputs(inputs, ignoreInputVars)}`,
  };
}

/** The path segments a key's entry is stored under (every segment safe for a storage reference). */
export function cacheKeySegments(key: CacheKey): string[] {
  return [key.project, key.domain, key.dataset, key.version, key.tag].map((s) => encodeURIComponent(s));
}

/** The catalog metadata events carry: dataset id, artifact tag, and the attempt that produced the entry. */
export function catalogMetadata(
  key: CacheKey,
  artifactId: string,
  source: TaskExecutionIdentifier | undefined,
): CatalogMetadata {
  return create(CatalogMetadataSchema, {
    datasetId: create(IdentifierSchema, {
      resourceType: ResourceType.DATASET,
      project: key.project,
      domain: key.domain,
      name: key.dataset,
      version: key.version,
    }),
    artifactTag: { artifactId, name: key.tag },
    sourceExecution: source ? { case: "sourceTaskExecution", value: source } : { case: undefined },
  });
}
