import { Problem } from '../errors.js';

/**
 * SQLite sums money in 64-bit integers; JSON numbers (and JavaScript's) are exact only up to
 * 2^53 − 1. Report statements read their sums as BigInt and pass them through here, so a total
 * past that is a clear error instead of a silently rounded amount.
 */
export function exactNumber(value: bigint | number | null, what: string): number {
  if (value === null) return 0;
  if (typeof value === 'number') return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Problem('unprocessable', `${what} in this report is ${value}, beyond ±(2^53 − 1), the largest amount a JSON number carries exactly; ask for a shorter period or a narrower scope (tag, account, marketplace)`);
  }
  return Number(value);
}

/** Every field of a row through `exactNumber` (BigInt-read statements), strings kept. */
export function exactRow<T extends Record<string, unknown>>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? exactNumber(v, k) : v;
  return out as T;
}
