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

/**
 * The number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, BHD 3), from the runtime's
 * ICU currency data. An unknown but well-formed code gets ICU's default of 2.
 */
export function currencyExponent(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * An amount in minor units as a plain decimal string in major units (1996 USD → "19.96", 500 JPY →
 * "500", -5 USD → "-0.05"): no grouping, no symbol, `.` as separator. Done on the digits, not with
 * floats, so no amount is ever rounded.
 */
export function minorToDecimal(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${amount} is not an integer amount in minor units`);
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  const sign = amount < 0 ? '-' : '';
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
