/**
 * A random (v4) UUID. Every blob URL ends in one (`blob:<origin>/<uuid>`, File API), drawn from the
 * browser's CSPRNG like `crypto.randomUUID` — which exists only in secure contexts, while many
 * publisher pages are plain `http:`. Reading it off a revoked blob URL works everywhere and is far
 * smaller than formatting `crypto.getRandomValues` output ourselves (the size budget counts).
 */
export const uuid = (url = URL.createObjectURL(new Blob())): string => (URL.revokeObjectURL(url), url.slice(-36));
