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

const exponents = new Map<string, number>();

/**
 * Digits after the decimal point in the currency's minor unit (USD 2, JPY 0, KWD 3), from the
 * ICU data Node ships (CLDR, which follows ISO 4217 for these). Throws RangeError for a code that
 * is not three letters.
 */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let exponent = exponents.get(code);
  if (exponent === undefined) {
    if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(code, exponent);
  }
  return exponent;
}

/**
 * An integer amount of minor units as a plain decimal string in major units, exact (no floats):
 * 1999 USD → "19.99", -5 USD → "-0.05", 500 JPY → "500". No grouping, no symbol: this is what
 * payout files and CSV exports want.
 */
export function formatMinor(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount ${amount} is not a whole number of minor units`);
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(amount));
  const sign = amount < 0 ? '-' : '';
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** Adds minor-unit amounts, refusing a total that would no longer be exact. */
export function sumMinor(amounts: Iterable<number>): number {
  let total = 0;
  for (const a of amounts) {
    total += a;
    if (!Number.isSafeInteger(total)) throw new RangeError('sum of amounts passes the largest exact integer');
  }
  return total;
}
