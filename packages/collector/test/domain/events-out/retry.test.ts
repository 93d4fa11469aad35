import { describe, expect, it } from 'vitest';
import { afterFailure, DEFAULT_RETRY_POLICY, retryDelay, schedule } from '../../../src/domain/events-out/retry.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const low = () => 0;
const mid = () => 0.5;
const high = () => 1 - 2 ** -53; // the largest Math.random can answer

describe('retryDelay: exponential, capped, with equal jitter', () => {
  it.each([
    // attempts, random, delay: full = 30 s × 2^(n−1) ≤ 6 h; delay = full/2 + full/2 × r
    { attempts: 1, random: low, delay: 15 * S },
    { attempts: 1, random: mid, delay: 22.5 * S },
    { attempts: 1, random: high, delay: 30 * S },
    { attempts: 2, random: low, delay: 30 * S },
    { attempts: 5, random: low, delay: 4 * M },
    { attempts: 10, random: low, delay: 128 * M },
    { attempts: 11, random: low, delay: 3 * H, why: '30 s × 2^10 = 8.5 h, capped at 6 h' },
    { attempts: 12, random: low, delay: 3 * H, why: 'full delay capped at 6 h' },
    { attempts: 12, random: high, delay: 6 * H },
    { attempts: 2000, random: mid, delay: 4.5 * H, why: 'huge attempt counts stay capped, never Infinity/NaN' },
  ])('attempt $attempts, random $random.name → $delay ms', ({ attempts, random, delay }) => {
    expect(retryDelay(attempts, random)).toBe(delay);
  });

  it('refuses nonsense input rather than scheduling at NaN', () => {
    expect(() => retryDelay(0, mid)).toThrow(RangeError);
    expect(() => retryDelay(1, () => 1)).toThrow(/\[0, 1\)/);
    expect(() => retryDelay(1, () => Number.NaN)).toThrow(RangeError);
  });

  it('no jitter: the same delay whatever random says', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, jitter: 0 };
    expect(retryDelay(3, low, policy)).toBe(retryDelay(3, high, policy));
  });
});

describe('afterFailure', () => {
  const start = Date.parse('2026-11-20T00:00:00Z');
  it.each([
    { failedAt: start, attempts: 1, expected: { retry: true, at: start + 15 * S } },
    { failedAt: start + 71 * H, attempts: 20, expected: { retry: true, at: start + 72 * H }, why: 'a wait past the deadline is cut to the deadline' },
    { failedAt: start + 72 * H, attempts: 21, expected: { retry: false, reason: 'no successful delivery in 3 days (21 attempts); last: HTTP 503' } },
    { failedAt: start + 80 * H, attempts: 2, expected: { retry: false, reason: 'no successful delivery in 3 days (2 attempts); last: HTTP 503' }, why: 'a worker that was down long' },
  ])('$attempts attempts, failed at +$failedAt', ({ failedAt, attempts, expected }) => {
    expect(afterFailure({ firstAttemptAt: start, attempts, failedAt, lastError: 'HTTP 503' }, low)).toEqual(expected);
  });
});

describe('schedule: the whole policy', () => {
  it.each([
    { name: 'low', random: low },
    { name: 'mid', random: mid },
    { name: 'high', random: high },
  ])('random $name: increasing, every gap ≤ 6 h, the last try at exactly 3 days', ({ random }) => {
    const times = schedule(0, random);
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThan(0);
      expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(6 * H);
    }
    expect(times.at(-1)).toBe(3 * D);
  });

  it('with random 0: 34 attempts (10 doubling waits from 15 s, then 3 h each; the table in docs/events-out.md)', () => {
    const times = schedule(0, low);
    expect(times.slice(0, 6)).toEqual([0, 15 * S, 45 * S, 105 * S, 225 * S, 465 * S]);
    expect(times).toHaveLength(34);
    expect(times[10]! - times[9]!).toBe(128 * M);
    expect(times[11]! - times[10]!).toBe(3 * H);
  });

  it('jitter spreads endpoints that failed at the same moment', () => {
    let seed = 1;
    const lcg = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const a = schedule(0, lcg);
    const b = schedule(0, lcg);
    expect(a[3]).not.toBe(b[3]);
  });
});
