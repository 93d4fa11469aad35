import { describe, expect, it } from 'vitest';
import { currencyExponent, divideHalfEven, lineCommission, minorToDecimal } from '../../src/domain/money.js';

describe('divideHalfEven', () => {
  it.each([
    [5n, 2n, 2n], // 2.5 → 2 (even)
    [7n, 2n, 4n], // 3.5 → 4 (even)
    [-5n, 2n, -2n],
    [-7n, 2n, -4n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [-2n, 3n, -1n],
    [10n, 5n, 2n],
    [0n, 7n, 0n],
    [25n, 10n, 2n], // 2.5 → 2
    [35n, 10n, 4n], // 3.5 → 4
    [26n, 10n, 3n],
  ])('%s / %s = %s', (n, d, q) => {
    expect(divideHalfEven(n, d)).toBe(q);
  });

  it('refuses a non-positive divisor', () => {
    expect(() => divideHalfEven(1n, 0n)).toThrow(RangeError);
  });
});

describe('lineCommission (SPEC §5.6)', () => {
  it.each([
    { unitAmount: 49900, quantity: 1, rateBp: 400, expected: 1996, why: 'worked example: camera' },
    { unitAmount: 1299, quantity: 2, rateBp: 450, expected: 117, why: 'worked example: 2 books, 116.91' },
    { unitAmount: 1299, quantity: 1, rateBp: 450, expected: 58, why: 'worked example: 1 book, 58.455' },
    { unitAmount: 50, quantity: 1, rateBp: 500, expected: 2, why: '2.5 rounds to even 2' },
    { unitAmount: 70, quantity: 1, rateBp: 500, expected: 4, why: '3.5 rounds to even 4' },
    { unitAmount: 1000, quantity: 3, rateBp: 0, expected: 0, why: 'zero rate' },
    { unitAmount: 0, quantity: 3, rateBp: 400, expected: 0, why: 'free item' },
    { unitAmount: 9_007_199_254_740, quantity: 1000, rateBp: 10_000, expected: 9_007_199_254_740_000, why: 'beyond 2^53 in the intermediate product' },
  ])('$why', ({ unitAmount, quantity, rateBp, expected }) => {
    expect(lineCommission(unitAmount, quantity, rateBp)).toBe(expected);
  });
});

describe('minorToDecimal', () => {
  it.each([
    { amount: 1996, currency: 'USD', expected: '19.96' },
    { amount: 5, currency: 'USD', expected: '0.05' },
    { amount: -5, currency: 'USD', expected: '-0.05' },
    { amount: 0, currency: 'EUR', expected: '0.00' },
    { amount: 100, currency: 'GBP', expected: '1.00' },
    { amount: 500, currency: 'JPY', expected: '500', why: 'no minor unit' },
    { amount: -500, currency: 'JPY', expected: '-500' },
    { amount: 1234, currency: 'BHD', expected: '1.234', why: 'three digits' },
    { amount: 9_007_199_254_740_991, currency: 'USD', expected: '90071992547409.91', why: 'largest safe integer, no float rounding' },
  ])('$amount $currency → $expected', ({ amount, currency, expected }) => {
    expect(minorToDecimal(amount, currency)).toBe(expected);
  });

  it('knows exponents from ISO 4217', () => {
    expect([currencyExponent('USD'), currencyExponent('JPY'), currencyExponent('KWD')]).toEqual([2, 0, 3]);
  });

  it('refuses fractions and malformed codes', () => {
    expect(() => minorToDecimal(1.5, 'USD')).toThrow(RangeError);
    expect(() => minorToDecimal(1, 'usd')).toThrow(/ISO 4217/);
  });
});
