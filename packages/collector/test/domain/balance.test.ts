import { describe, expect, it } from 'vitest';
import { balances, entryBucket, entryMonth, payableAt, type BalanceEntry } from '../../src/domain/balance.js';

const t = (iso: string) => Date.parse(iso);
const DAYS = 60;

describe('payableAt (recorded month, next month 00:00 UTC + payableAfterDays)', () => {
  it.each([
    { recorded: '2026-09-15T12:00:00Z', days: 60, payable: '2026-11-30T00:00:00.000Z', why: 'Oct 1 + 60 days' },
    { recorded: '2026-09-30T23:59:59.999Z', days: 60, payable: '2026-11-30T00:00:00.000Z', why: 'last ms of the month' },
    { recorded: '2026-10-01T00:00:00Z', days: 60, payable: '2026-12-31T00:00:00.000Z', why: 'first ms of October counts in October: Nov 1 + 60' },
    { recorded: '2026-07-10T00:00:00Z', days: 60, payable: '2026-09-30T00:00:00.000Z', why: 'Aug 1 + 60' },
    { recorded: '2026-12-31T23:00:00Z', days: 0, payable: '2027-01-01T00:00:00.000Z', why: 'zero days: the 1st' },
    { recorded: '2028-01-20T00:00:00Z', days: 30, payable: '2028-03-02T00:00:00.000Z', why: 'leap year: Feb 1 + 30 days = Mar 2 (February has 29)' },
  ])('$why', ({ recorded, days, payable }) => {
    expect(new Date(payableAt(t(recorded), days)).toISOString()).toBe(payable);
  });

  it('an entry is dated by the recorded month in UTC, not local time', () => {
    expect(entryMonth(t('2026-09-30T23:30:00-02:00'))).toBe('2026-10');
  });
});

const base: BalanceEntry = { id: 1, account: 'ann', currency: 'USD', amount: 5000, kind: 'shipment', recordedAt: t('2026-09-15T12:00:00Z') };
const BEFORE = t('2026-11-29T23:59:59.999Z');
const AT = t('2026-11-30T00:00:00Z');

describe('entryBucket', () => {
  const target = (over: Partial<BalanceEntry>): BalanceEntry => ({ ...base, ...over });
  const reversal = (over: Partial<BalanceEntry> = {}): BalanceEntry => ({ ...base, id: 2, amount: -2000, kind: 'return', recordedAt: t('2026-12-05T00:00:00Z'), reverses: 1, ...over });
  it.each([
    { why: 'earned, before its payable date: maturing', e: base, others: [], now: BEFORE, bucket: 'maturing' },
    { why: 'from 00:00 UTC on its payable date: payable', e: base, others: [], now: AT, bucket: 'payable' },
    { why: 'a back-dated merchant `at` (July) changes nothing: still maturing', e: { ...base, at: t('2026-07-01T00:00:00Z') }, others: [], now: BEFORE, bucket: 'maturing' },
    { why: 'on hold, even past its date', e: { ...base, onHold: true }, others: [], now: AT, bucket: 'onHold' },
    { why: 'in a created payout', e: { ...base, payout: 'created' as const }, others: [], now: AT, bucket: 'inPayout' },
    { why: 'in a paid payout', e: { ...base, payout: 'paid' as const }, others: [], now: AT, bucket: 'paid' },
    { why: 'reversal of a maturing entry nets against maturing, even when the reversal itself is older than 60 days', e: reversal({ recordedAt: t('2026-09-20T00:00:00Z') }), others: [target({})], now: BEFORE, bucket: 'maturing' },
    { why: 'reversal of a payable entry nets against payable (its own date would say maturing)', e: reversal(), others: [target({})], now: AT, bucket: 'payable' },
    { why: 'reversal of an entry in a created payout nets against inPayout', e: reversal(), others: [target({ payout: 'created' })], now: AT, bucket: 'inPayout' },
    { why: 'reversal of a paid entry: carried forward', e: reversal(), others: [target({ payout: 'paid' })], now: AT, bucket: 'carriedForward' },
    { why: 'reversal of a held entry: on hold', e: reversal(), others: [target({ onHold: true })], now: AT, bucket: 'onHold' },
    { why: 'carried-forward reversal once in the next, created payout: inPayout', e: reversal({ payout: 'created' }), others: [target({ payout: 'paid' })], now: AT, bucket: 'inPayout' },
    { why: 'carried-forward reversal once that payout is paid: paid', e: reversal({ payout: 'paid' }), others: [target({ payout: 'paid' })], now: AT, bucket: 'paid' },
    { why: 'a positive correction of a paid entry is new money, dated by itself', e: reversal({ amount: 300 }), others: [target({ payout: 'paid' })], now: AT, bucket: 'maturing' },
    { why: 'reversal of an entry not in the input stands alone', e: reversal({ reverses: 99 }), others: [], now: AT, bucket: 'maturing' },
  ])('$why', ({ e, others, now, bucket }) => {
    const byId = new Map([...others, e].map((x) => [x.id, x]));
    expect(entryBucket(e, byId, now, DAYS)).toBe(bucket);
  });
});

describe('balances', () => {
  it('sums per account and currency into all seven buckets, pending from unshipped amounts', () => {
    const entries: BalanceEntry[] = [
      { ...base, id: 1, amount: 5000, payout: 'paid' },
      { ...base, id: 2, amount: -2000, kind: 'return', reverses: 1, recordedAt: t('2026-12-01T00:00:00Z') },
      { ...base, id: 3, amount: 1250, recordedAt: t('2026-10-02T00:00:00Z') },
      { ...base, id: 4, amount: 700, onHold: true },
      { ...base, id: 5, amount: 900, payout: 'created' },
      { ...base, id: 6, amount: 400 },
      { ...base, id: 7, currency: 'JPY', amount: 1500 },
      { ...base, id: 8, account: 'bob', amount: 333 },
    ];
    const result = balances({ entries, pending: [{ account: 'ann', currency: 'USD', amount: 640 }], now: t('2026-12-10T00:00:00Z'), payableAfterDays: DAYS });
    expect(result).toEqual([
      {
        account: 'ann',
        byCurrency: {
          JPY: { pending: 0, maturing: 0, payable: 1500, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 },
          USD: { pending: 640, maturing: 1250, payable: 400, inPayout: 900, paid: 5000, onHold: 700, carriedForward: -2000 },
        },
      },
      { account: 'bob', byCurrency: { USD: { pending: 0, maturing: 0, payable: 333, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 } } },
    ]);
    const usd = result[0]!.byCurrency.USD!;
    const total = Object.values(usd).reduce((a, b) => a + b, 0);
    expect(total).toBe(5000 - 2000 + 1250 + 700 + 900 + 400 + 640); // no minor unit created or lost
  });

  it('refuses a sum that would no longer be exact', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(() => balances({ entries: [{ ...base, amount: big }, { ...base, id: 2, amount: big }], now: AT, payableAfterDays: DAYS })).toThrow(RangeError);
  });
});
