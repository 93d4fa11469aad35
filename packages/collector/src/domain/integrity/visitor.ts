import { createHmac, randomBytes } from 'node:crypto';

/**
 * The visitor hash (SPEC §10 "Integrity"): a keyed hash of client address and user agent under a
 * random salt of the UTC day. It lets rules say "the same browser on the same network" without
 * storing either: the address and user agent are used once and dropped, and once a day's salt is
 * deleted (48 h after the day began) nobody, not even the operator, can link that day's hashes
 * back to an address by trying candidates. Plausible Analytics counts visitors the same way.
 *
 * Storage keeps the salts (one row per day, shared by every instance); this module holds the rules.
 */

const DAY_MS = 86_400_000;
/** How long a day's salt lives, counted from 00:00 UTC of its day. */
export const SALT_LIFETIME_MS = 48 * 3_600_000;
/** Bytes of HMAC output kept: 128 bits, ample against collisions among one day's visitors. */
export const VISITOR_HASH_BYTES = 16;
/** Bytes of randomness in a salt: as long as the HMAC-SHA256 block wants its key to be strong. */
export const SALT_BYTES = 32;

/** The UTC day `t` (epoch ms) falls in: `YYYY-MM-DD`, the key a salt is stored under. */
export function dayKey(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** Epoch ms of 00:00 UTC of a day key. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** A fresh salt: random bytes, base64url. `random` is injectable for tests. */
export function newSalt(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(SALT_BYTES)).toString('base64url');
}

/** When a day's salt must be gone: 48 h after its day began (the end of the next day). */
export function saltExpiresAt(day: string): number {
  return dayStart(day) + SALT_LIFETIME_MS;
}

export function isSaltExpired(day: string, now: number): boolean {
  return now >= saltExpiresAt(day);
}

/**
 * The oldest day whose salt is kept at `now`: storage deletes every salt with a day before it
 * (`DELETE … WHERE day < ?`, day keys sort as dates). At 2026-12-03T05:00Z that is 2026-12-02.
 */
export function oldestKeptSaltDay(now: number): string {
  return dayKey(now - SALT_LIFETIME_MS + DAY_MS);
}

/**
 * The same client written one way: an IPv4 address that reached an IPv6 socket
 * (`::ffff:192.0.2.1`) is that IPv4 address, and IPv6 letters are lower case, so a dual-stack
 * listener does not give one visitor two hashes.
 */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/**
 * HMAC-SHA256 keyed by the day's salt over address and user agent, truncated to 128 bits,
 * base64url (22 characters). The two inputs are joined with a length prefix so that no pair can
 * pass for another (`"1.2.3.4" + "5 UA"` vs `"1.2.3.45" + " UA"`). A missing user agent hashes as
 * an empty one.
 */
export function visitorHash(salt: string, address: string, userAgent: string | undefined): string {
  const a = normaliseAddress(address);
  const ua = userAgent ?? '';
  return createHmac('sha256', salt)
    .update(`${a.length}:${a}\n${ua}`)
    .digest()
    .subarray(0, VISITOR_HASH_BYTES)
    .toString('base64url');
}
