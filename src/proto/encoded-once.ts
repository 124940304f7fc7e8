/**
 * Encodings of answers that never change. The answer caches (GetTask,
 * GetWorkflow, ...) hand out the same message object for every call; encoding
 * a 50-node workflow closure costs more than the rest of its call, so such a
 * message, once marked, keeps each encoding it was given (binary protobuf,
 * each JSON flavour) for as long as the message itself lives. A list answer
 * (ListTasks) is encoded around the kept encodings of its final items.
 *
 * A marked message must never be modified again.
 */
import { type DescField, type DescMessage, type Message, toBinary } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";

const encodings = new WeakMap<object, Map<string, Uint8Array>>();

/** Marks `message` as final: its encodings may be kept. Answers the message. */
export function markFinal<T extends object>(message: T): T {
  if (!encodings.has(message)) encodings.set(message, new Map());
  return message;
}

/**
 * `encode()`, or the bytes it gave for this message and `format` before when the message is marked final.
 *
 * @example
 * const bytes = encodedOnce(msg, "binary", () => toBinary(schema, msg));
 */
export function encodedOnce(message: object, format: string, encode: () => Uint8Array): Uint8Array {
  const memo = encodings.get(message);
  if (memo === undefined) return encode();
  let bytes = memo.get(format);
  if (bytes === undefined) {
    bytes = encode();
    memo.set(format, bytes);
  }
  return bytes;
}

/**
 * Binary protobuf of `message`. Final messages are encoded once; a message
 * with a repeated message field holding final items is written as the rest
 * of it followed by each item's kept encoding (protobuf parsers accept fields
 * in any order, and a repeated field's items may come anywhere).
 */
export function encodeBinary(schema: DescMessage, message: Message): Uint8Array {
  return encodedOnce(message, "binary", () => spliced(schema, message) ?? toBinary(schema, message));
}

/** Each message type's repeated message fields, found once (every answer is encoded through here). */
const listFields = new WeakMap<DescMessage, readonly DescField[]>();

function spliced(schema: DescMessage, message: Message): Uint8Array | undefined {
  let lists = listFields.get(schema);
  if (lists === undefined) {
    lists = schema.fields.filter((f) => f.fieldKind === "list" && f.listKind === "message");
    listFields.set(schema, lists);
  }
  if (lists.length === 0) return undefined;
  const fields = lists.filter((f) =>
    ((message as unknown as Record<string, unknown[]>)[f.localName] ?? []).some((item) =>
      encodings.has(item as object),
    ),
  );
  if (fields.length === 0) return undefined;
  const rest: Record<string, unknown> = { ...message };
  for (const f of fields) rest[f.localName] = [];
  const head = toBinary(schema, rest as unknown as Message);
  const items: (readonly [number, Uint8Array])[] = [];
  for (const f of fields) {
    if (f.fieldKind !== "list" || f.listKind !== "message") continue;
    for (const item of (message as unknown as Record<string, Message[]>)[f.localName] ?? []) {
      items.push([f.number, encodeBinary(f.message, item)]);
    }
  }
  return lengthDelimited(head, items);
}

/**
 * A message's encoding from the encodings of its message fields, in field
 * order (e.g. a TaskClosure around the CompiledTask bytes its digest was
 * computed on), so a large field is encoded once.
 *
 * @example
 * const closure = encodeMessageFields([[1, compiledBytes], [2, toBinary(TimestampSchema, createdAt)]]);
 */
export function encodeMessageFields(fields: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  return lengthDelimited(new Uint8Array(0), fields);
}

/**
 * `head`, then each (field number, bytes) as a length-delimited field, in
 * one buffer of the exact size: every part is copied once (a growing
 * writer copies a 17 KB ListTasks answer several times over).
 */
function lengthDelimited(head: Uint8Array, fields: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  let size = head.byteLength;
  for (const [number, bytes] of fields)
    size += varintSize(tagOf(number)) + varintSize(bytes.byteLength) + bytes.byteLength;
  const out = new Uint8Array(size);
  out.set(head);
  let at = head.byteLength;
  for (const [number, bytes] of fields) {
    at = putVarint(out, at, tagOf(number));
    at = putVarint(out, at, bytes.byteLength);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/** The key of a length-delimited field (field number, wire type 2), unsigned. */
function tagOf(fieldNumber: number): number {
  return ((fieldNumber << 3) | WireType.LengthDelimited) >>> 0;
}

/** Bytes of an unsigned 32-bit varint. */
function varintSize(value: number): number {
  let n = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) n++;
  return n;
}

/** Writes an unsigned 32-bit varint at `at`; the position after it. */
function putVarint(out: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  let i = at;
  while (v > 0x7f) {
    out[i++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[i++] = v;
  return i;
}
