/**
 * Encodings of answers that never change. The immutable caches (GetTask,
 * GetWorkflow) hand out the same message object for every call; encoding a
 * 50-node workflow closure costs more than the rest of its call, so such a
 * message, once marked, keeps each encoding it was given (binary protobuf,
 * each JSON flavour) for as long as the message itself lives.
 *
 * A marked message must never be modified again.
 */

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
