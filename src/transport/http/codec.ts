/**
 * The gateway's three marshalers and how a request picks them, as FlyteAdmin
 * v1.16's grpc-gateway v2 does:
 * - `application/json`: protojson with proto field names, every field
 *   emitted, unknown input fields refused;
 * - `application/octet-stream`: binary protobuf (the Flyte console);
 * - anything else: protojson with lowerCamel names, every field emitted,
 *   unknown input fields ignored.
 */
import {
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonObject,
  type JsonValue,
  type Message,
  toJson,
} from "@bufbuild/protobuf";
import { encodeBinary, encodedOnce } from "../../proto/encoded-once.js";
import { typeRegistry } from "../../proto/registry.js";

export type Marshaler = "json" | "binary" | "default";

const REGISTERED: Record<string, Marshaler> = {
  "application/json": "json",
  "application/octet-stream": "binary",
  "*": "default",
};

/**
 * Picks the inbound and outbound marshalers. Outbound: the first Accept value
 * that exactly equals a registered type; inbound: the first Content-Type whose
 * media type is registered, else the default; with no Accept match the
 * response uses the inbound marshaler.
 */
export function chooseMarshalers(
  accept: readonly string[] | undefined,
  contentType: readonly string[] | undefined,
): { inbound: Marshaler; outbound: Marshaler } {
  let inbound: Marshaler = "default";
  for (const ct of contentType ?? []) {
    const media = (ct.split(";")[0] ?? "").trim().toLowerCase();
    const m = REGISTERED[media];
    if (m) {
      inbound = m;
      break;
    }
  }
  let outbound: Marshaler | undefined;
  for (const a of accept ?? []) {
    const m = REGISTERED[a];
    if (m) {
      outbound = m;
      break;
    }
  }
  return { inbound, outbound: outbound ?? inbound };
}

export function contentTypeOf(m: Marshaler): string {
  return m === "binary" ? "application/octet-stream" : "application/json";
}

/** Encodes a response message. */
export function encodeMessage(m: Marshaler, desc: DescMessage, msg: Message): Buffer {
  const bytes =
    m === "binary"
      ? encodeBinary(desc, msg)
      : encodedOnce(msg, m, () => Buffer.from(JSON.stringify(toGatewayJson(desc, msg, m === "json"))));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a request body; an empty body is an empty message. Throws on malformed input. */
export function decodeMessage<D extends DescMessage>(m: Marshaler, desc: D, body: Buffer): Message {
  if (body.length === 0) return fromBinary(desc, new Uint8Array());
  if (m === "binary") return fromBinary(desc, body);
  const json = JSON.parse(body.toString("utf8")) as JsonValue;
  return fromJson(desc, json, { ignoreUnknownFields: m === "default", registry: typeRegistry });
}

/**
 * protojson as grpc-gateway's marshalers write it: every field emitted,
 * including unset message fields as `null` (Go's EmitUnpopulated), which
 * protobuf-es leaves out.
 */
export function toGatewayJson(desc: DescMessage, msg: Message, protoNames: boolean): JsonValue {
  const json = toJson(desc, msg, {
    alwaysEmitImplicit: true,
    useProtoFieldName: protoNames,
    registry: typeRegistry,
  });
  addNulls(desc, msg as unknown as Record<string, unknown>, json, protoNames);
  return json;
}

/** Well-known types have their own JSON forms; their insides are never padded. */
function hasSpecialJson(desc: DescMessage): boolean {
  return desc.file.name.startsWith("google/protobuf/");
}

function addNulls(desc: DescMessage, msg: Record<string, unknown>, json: JsonValue, protoNames: boolean): void {
  if (hasSpecialJson(desc) || json === null || typeof json !== "object" || Array.isArray(json)) return;
  const obj = json as JsonObject;
  for (const field of desc.fields) {
    const key = protoNames ? field.name : field.jsonName;
    if (field.oneof) {
      const oneof = msg[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (field.fieldKind === "message" && oneof?.case === field.localName) {
        addNulls(field.message, oneof.value as Record<string, unknown>, obj[key] as JsonValue, protoNames);
      }
      continue;
    }
    const value = msg[field.localName];
    switch (field.fieldKind) {
      case "message":
        if (value === undefined) obj[key] = null;
        else if (!isUnboxed(value))
          addNulls(field.message, value as Record<string, unknown>, obj[key] as JsonValue, protoNames);
        break;
      case "list":
        if (field.listKind === "message") {
          const items = obj[key] as JsonValue[];
          (value as Record<string, unknown>[]).forEach((v, i) => {
            addNulls(field.message, v, items[i] as JsonValue, protoNames);
          });
        }
        break;
      case "map":
        if (field.mapKind === "message") {
          const entries = obj[key] as JsonObject;
          for (const [k, v] of Object.entries(value as Record<string, Record<string, unknown>>)) {
            addNulls(field.message, v, entries[k] as JsonValue, protoNames);
          }
        }
        break;
      default:
        break;
    }
  }
}

/** Wrapper-typed fields hold their primitive directly in protobuf-es. */
function isUnboxed(value: unknown): boolean {
  return typeof value !== "object" || value === null || value instanceof Uint8Array;
}
