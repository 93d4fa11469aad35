/**
 * Money is an integer count of the currency's minor unit (cents; yen have none) plus an
 * ISO 4217 code. Products of amount × quantity × basis points can pass 2^53, so the
 * arithmetic runs in BigInt and only the final, rounded amount becomes a number again.
 */

/** Divides `n` by a positive `d`, rounding half to even (banker's rounding). */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  if (twice < d) return q;
  return q % 2n === 0n ? q : away;
}

/** round_half_even(unitAmount × quantity × rateBp / 10000), SPEC §5.6. */
export function lineCommission(unitAmount: number, quantity: number, rateBp: number): number {
  const amount = divideHalfEven(BigInt(unitAmount) * BigInt(quantity) * BigInt(rateBp), 10_000n);
  return Number(amount);
}

/** What a line sells for: unit amount × quantity (minor units). */
export const lineRevenue = (l: { unitAmount: number; quantity: number }): number => l.unitAmount * l.quantity;

/** The largest amount we accept on the wire: a total that still fits a JS safe integer. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
