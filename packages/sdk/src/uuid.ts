/**
 * A random (v4) UUID. `crypto.randomUUID` exists only in secure contexts and many publisher pages
 * are plain `http:`, so fall back to `getRandomValues`, which every browser has everywhere.
 */
export function uuid(): string {
  return (
    crypto.randomUUID?.() ??
    // Each 0/1 becomes a random hex digit; the 8 becomes 8–b (the RFC 4122 variant); the 4 stays.
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
    )
  );
}
