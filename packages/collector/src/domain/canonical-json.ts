/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). JCS is defined in terms of ECMAScript's own
 * serialisation — numbers as `Number.prototype.toString`, strings as `JSON.stringify` escapes
 * them — so those are used directly; what JCS adds is object members sorted by their names'
 * UTF-16 code units (JavaScript's default string order) and no whitespace.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JCS cannot represent NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return canonicalize((obj as { toJSON(): unknown }).toJSON());
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`JCS cannot represent a ${typeof value}`);
}
