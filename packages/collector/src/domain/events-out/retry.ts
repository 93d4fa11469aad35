/**
 * When a failed delivery is tried again (SPEC §10: exponential backoff with jitter, for up to 3 days,
 * then the endpoint is disabled with the reason). Pure: the outbox worker stores `nextAttemptAt`
 * and asks again after each failure; the random source is passed in so schedules are testable.
 */
export interface RetryPolicy {
  /** Delay after the first failure, before jitter. Default 30 s. */
  firstDelayMs: number;
  /** Each further failure multiplies the delay by this. Default 2. */
  factor: number;
  /** No single wait is longer than this. Default 6 h. */
  maxDelayMs: number;
  /** Measured from the first attempt: no retry after this; the endpoint is disabled. Default 3 days. */
  giveUpAfterMs: number;
  /** The share of each delay that is random (0: none, 1: anything from 0 to the delay). Default 0.5. */
  jitter: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 30_000,
  factor: 2,
  maxDelayMs: 6 * HOUR,
  giveUpAfterMs: 72 * HOUR,
  jitter: 0.5,
};

/** What is known after a failed attempt. */
export interface FailedDelivery {
  /** When the first attempt was made (the clock for the 3 days). */
  firstAttemptAt: number;
  /** Attempts made so far, this failed one included (≥ 1). */
  attempts: number;
  /** Now: when this attempt failed. */
  failedAt: number;
  /** What went wrong, for the reason shown when giving up: `HTTP 500`, `timed out after 10 s`, … */
  lastError: string;
}

export type RetryDecision =
  | { retry: true; at: number }
  | { retry: false; reason: string };

/**
 * The wait before attempt n + 1, n ≥ 1 failed attempts: `firstDelay × factor^(n−1)`, capped, then
 * "equal jitter": a fixed part keeps retries from bunching at 0, the random part (`random()` in
 * [0, 1)) spreads endpoints that failed together (an outage) so they do not all come back at once.
 */
export function retryDelay(attempts: number, random: () => number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('attempts must be a whole number ≥ 1');
  // Past ~60 doublings the product is Infinity; the cap makes that harmless.
  const full = Math.min(policy.maxDelayMs, policy.firstDelayMs * policy.factor ** (attempts - 1));
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must answer a number in [0, 1), got ${r}`);
  return Math.round(full * (1 - policy.jitter) + full * policy.jitter * r);
}

/**
 * Retry at `failedAt + retryDelay`, or give up when the 3 days have passed. A retry that would land
 * past the deadline is moved to the deadline itself, so the last try happens at 3 days exactly and
 * not up to one whole delay (6 h) earlier.
 */
export function afterFailure(f: FailedDelivery, random: () => number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RetryDecision {
  const deadline = f.firstAttemptAt + policy.giveUpAfterMs;
  if (f.failedAt >= deadline) {
    return { retry: false, reason: `no successful delivery in ${describeSpan(f.failedAt - f.firstAttemptAt)} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'}); last: ${f.lastError}` };
  }
  return { retry: true, at: Math.min(deadline, f.failedAt + retryDelay(f.attempts, random, policy)) };
}

/**
 * Every attempt's time, from the first at `start`, for an endpoint that always fails instantly:
 * what the policy amounts to (tests and the docs' table).
 */
export function schedule(start: number, random: () => number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number[] {
  const times = [start];
  for (;;) {
    const decision = afterFailure({ firstAttemptAt: start, attempts: times.length, failedAt: times.at(-1)!, lastError: 'HTTP 500' }, random, policy);
    if (!decision.retry) return times;
    times.push(decision.at);
  }
}

function describeSpan(ms: number): string {
  if (ms >= 48 * HOUR) return `${Math.round(ms / (24 * HOUR))} days`;
  if (ms >= 2 * HOUR) return `${Math.round(ms / HOUR)} hours`;
  return `${Math.round(ms / MINUTE)} minutes`;
}
