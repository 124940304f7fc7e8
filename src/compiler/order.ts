/**
 * Orders two strings as Go does (byte-wise UTF-8, which is code point order), so that every list the compiler
 * sorts comes out in the order FlytePropeller would produce. JavaScript's `<` compares UTF-16 code units, which
 * disagrees with code point order only when a surrogate pair meets a character in U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Returns the keys of a protobuf map field (a plain object) in Go's sorted order. */
export function sortedKeys(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).sort(compareStrings);
}

/**
 * Looks a key up in a protobuf map field without falling through to `Object.prototype`
 * (a variable named `constructor` must not resolve to a function).
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Sets a key of a protobuf map field (a plain object) as an own property, so that a user-chosen name such as
 * `__proto__` is stored like any other instead of replacing the object's prototype.
 */
export function putEntry<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
