import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * API keys are 32 random bytes: far too much entropy to guess, so a plain SHA-256 of the key
 * (no salt, no slow KDF) is a safe way to store them and lets a key be looked up by its hash.
 */
export function generateKey(prefix: 'affil_admin' | 'affil_acct'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two key hashes without leaking, through timing, how much of them matched. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function newId(prefix: 'acc' | 'key'): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export { randomUUID };
