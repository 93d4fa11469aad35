import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dayKey, dayStart, isSaltExpired, newSalt, normaliseAddress, oldestKeptSaltDay, saltExpiresAt, visitorHash } from '../../../src/domain/integrity/visitor.js';

const t = (iso: string) => Date.parse(iso);
const SALT = 'c2FsdC1mb3ItdGhlLWRheQ';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131';

describe('visitor hash', () => {
  it('is HMAC-SHA256(salt, len:address\\nua) truncated to 16 bytes, base64url', () => {
    const expected = createHmac('sha256', SALT).update(`9:192.0.2.1\n${UA}`).digest().subarray(0, 16).toString('base64url');
    expect(visitorHash(SALT, '192.0.2.1', UA)).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it.each([
    { name: 'same inputs', a: [SALT, '192.0.2.1', UA], b: [SALT, '192.0.2.1', UA], same: true },
    { name: 'IPv4-mapped IPv6 is the IPv4 client', a: [SALT, '::ffff:192.0.2.1', UA], b: [SALT, '192.0.2.1', UA], same: true },
    { name: 'IPv6 case', a: [SALT, '2001:DB8::1', UA], b: [SALT, '2001:db8::1', UA], same: true },
    { name: 'another salt (another day)', a: ['other-salt', '192.0.2.1', UA], b: [SALT, '192.0.2.1', UA], same: false },
    { name: 'another address', a: [SALT, '192.0.2.2', UA], b: [SALT, '192.0.2.1', UA], same: false },
    { name: 'another browser', a: [SALT, '192.0.2.1', `${UA} Edg/131`], b: [SALT, '192.0.2.1', UA], same: false },
    { name: 'boundary between address and UA cannot shift', a: [SALT, '1.2.3.4', '5 UA'], b: [SALT, '1.2.3.45', ' UA'], same: false },
    { name: 'missing UA is an empty one', a: [SALT, '192.0.2.1', undefined], b: [SALT, '192.0.2.1', ''], same: true },
  ] as const)('$name', ({ a, b, same }) => {
    const ha = visitorHash(a[0], a[1], a[2]);
    const hb = visitorHash(b[0], b[1], b[2]);
    expect(ha === hb).toBe(same);
  });

  it('never contains the address or the user agent', () => {
    const h = visitorHash(SALT, '192.0.2.1', UA);
    expect(h).not.toContain('192');
    expect(h.length).toBe(22);
  });

  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['10.0.0.1', '10.0.0.1'],
    ['FE80::1', 'fe80::1'],
    ['::ffff:abcd', '::ffff:abcd'],
  ])('normaliseAddress(%s) = %s', (input, output) => {
    expect(normaliseAddress(input)).toBe(output);
  });
});

describe('salts', () => {
  it('a salt is 32 random bytes, base64url', () => {
    const salt = newSalt((n) => new Uint8Array(n).fill(0xff));
    expect(Buffer.from(salt, 'base64url')).toEqual(Buffer.alloc(32, 0xff));
    expect(newSalt()).not.toBe(newSalt());
    expect(newSalt()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    { at: '2026-12-03T00:00:00.000Z', day: '2026-12-03' },
    { at: '2026-12-03T23:59:59.999Z', day: '2026-12-03' },
    { at: '2026-12-02T23:59:59.999Z', day: '2026-12-02' },
    { at: '2024-02-29T12:00:00.000Z', day: '2024-02-29' },
  ])('dayKey($at) = $day (UTC)', ({ at, day }) => {
    expect(dayKey(t(at))).toBe(day);
    expect(dayStart(day)).toBe(t(`${day}T00:00:00.000Z`));
  });

  it.each([
    { day: '2026-12-01', now: '2026-12-02T23:59:59.999Z', expired: false },
    { day: '2026-12-01', now: '2026-12-03T00:00:00.000Z', expired: true },
    { day: '2026-12-03', now: '2026-12-03T12:00:00.000Z', expired: false },
    { day: '2026-12-02', now: '2026-12-03T23:59:59.999Z', expired: false },
    { day: '2026-12-02', now: '2026-12-04T00:00:00.000Z', expired: true },
  ])('salt of $day at $now: expired=$expired (48 h after its day began)', ({ day, now, expired }) => {
    expect(saltExpiresAt(day)).toBe(dayStart(day) + 48 * 3_600_000);
    expect(isSaltExpired(day, t(now))).toBe(expired);
    // oldestKeptSaltDay agrees with isSaltExpired: a salt is kept exactly when its day is not before it.
    expect(day >= oldestKeptSaltDay(t(now))).toBe(!expired);
  });

  it('keeps today and yesterday, deletes the day before', () => {
    expect(oldestKeptSaltDay(t('2026-12-03T05:00:00Z'))).toBe('2026-12-02');
    expect(oldestKeptSaltDay(t('2026-03-01T00:00:00Z'))).toBe('2026-02-28');
  });
});
