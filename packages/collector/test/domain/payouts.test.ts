import { describe, expect, it } from 'vitest';
import { balances, type BalanceEntry } from '../../src/domain/balance.js';
import {
  cancelPayout, markPaid, minimumFor, nextPayouts, parsePayoutsConfig, parseThrough, payoutId, planPayouts, withMembership,
  type Payout, type PayoutsConfig,
} from '../../src/domain/payouts.js';

const t = (iso: string) => Date.parse(iso);
const NOW = t('2026-12-01T00:00:00Z');
const config: PayoutsConfig = parsePayoutsConfig({ minimum: { USD: 1000, JPY: 3000 } });
const e = (id: number, amount: number, recorded: string, over: Partial<BalanceEntry> = {}): BalanceEntry =>
  ({ id, account: 'ann', currency: 'USD', amount, kind: amount < 0 ? 'return' : 'shipment', recordedAt: t(recorded), ...over });

/** Runs a payout and stores what it created, as the wiring will. */
function run(entries: BalanceEntry[], payouts: Payout[], through: string) {
  const plan = planPayouts({ entries, payouts, through, config, now: NOW });
  return { plan, payouts: [...payouts, ...plan.created] };
}
const replace = (payouts: Payout[], p: Payout) => payouts.map((x) => (x.id === p.id ? p : x));

describe('config payouts', () => {
  it('defaults: 60 days, 1000 minor units for any currency', () => {
    const c = parsePayoutsConfig(undefined);
    expect(c.payableAfterDays).toBe(60);
    expect(minimumFor(c, 'USD')).toBe(1000);
    expect(minimumFor(c, 'JPY')).toBe(1000);
  });
  it('a listed currency uses its own minimum; the others the default', () => {
    const c = parsePayoutsConfig({ payableAfterDays: 30, minimum: { USD: 2500 } });
    expect([c.payableAfterDays, minimumFor(c, 'USD'), minimumFor(c, 'EUR')]).toEqual([30, 2500, 1000]);
  });
  it.each([
    [[], /payouts must be an object/],
    [{ payableAfterDays: -1 }, /payouts.payableAfterDays must be a whole number of days/],
    [{ payableAfterDays: 1.5 }, /payouts.payableAfterDays/],
    [{ payableAfterDays: '60' }, /not "60"/],
    [{ minimum: 1000 }, /payouts.minimum must be an object/],
    [{ minimum: { usd: 1000 } }, /payouts.minimum.usd: "usd" is not an ISO 4217 code/],
    [{ minimum: { USD: 10.5 } }, /payouts.minimum.USD must be a whole number of minor units/],
    [{ minimum: { USD: -1 } }, /payouts.minimum.USD/],
    [{ minimun: {} }, /payouts.minimun is not a setting/],
  ])('%j → %s', (raw, message) => {
    expect(() => parsePayoutsConfig(raw)).toThrow(message);
  });
});

describe('parseThrough', () => {
  it.each([
    ['2026-09-30', t('2026-09-30T00:00:00Z')],
    ['2026-02-29', undefined],
    ['2026-9-30', undefined],
    ['2026-09-30T00:00:00Z', undefined],
    ['2028-02-29', t('2028-02-29T00:00:00Z')],
  ])('%s', (s, at) => expect(parseThrough(s)).toBe(at));
  it('a run with a bad through is refused', () => {
    expect(() => planPayouts({ entries: [], payouts: [], through: '30/09/2026', config, now: NOW })).toThrow(/through must be a date as YYYY-MM-DD/);
  });
});

describe('planPayouts', () => {
  // ann USD: July shipment payable 2026-09-30; August shipments payable 2026-10-31.
  const july = e(1, 3000, '2026-07-10T08:00:00Z');
  const august = e(2, 500, '2026-08-05T00:00:00Z');

  it('pays entries whose payable date is on or before through — not one day earlier', () => {
    expect(run([july], [], '2026-09-29').plan.created).toEqual([]);
    const { plan } = run([july], [], '2026-09-30');
    expect(plan.created).toEqual([
      { id: payoutId('ann', 'USD', '2026-09-30', 0), account: 'ann', currency: 'USD', amount: 3000, through: '2026-09-30', status: 'created', entries: [1], generation: 0, createdAt: NOW },
    ]);
  });

  it('dates by the recorded month: a back-dated `at` does not make an entry payable early', () => {
    const backdated = e(3, 4000, '2026-08-02T00:00:00Z', { at: t('2026-06-01T00:00:00Z') });
    expect(run([backdated], [], '2026-09-30').plan.created).toEqual([]);
    expect(run([backdated], [], '2026-10-31').plan.created.map((p) => p.amount)).toEqual([4000]);
  });

  it('below the minimum nothing is paid and the entries roll over to the next run', () => {
    const first = run([august], [], '2026-10-31');
    expect(first.plan.created).toEqual([]);
    expect(first.plan.belowMinimum).toEqual([{ account: 'ann', currency: 'USD', net: 500, minimum: 1000, entries: [2] }]);
    const september = e(4, 600, '2026-09-12T00:00:00Z'); // payable Oct 1 + 60 = Nov 30
    const second = run([august, september], first.payouts, '2026-11-30');
    expect(second.plan.created.map((p) => [p.amount, p.entries])).toEqual([[1100, [2, 4]]]);
  });

  it('leaves entries on hold out (and their reversals with them)', () => {
    const held = e(5, 8000, '2026-07-01T00:00:00Z', { onHold: true });
    const { plan } = run([july, held, e(6, -1000, '2026-07-20T00:00:00Z', { reverses: 5 })], [], '2026-09-30');
    expect(plan.created.map((p) => [p.amount, p.entries])).toEqual([[3000, [1]]]);
  });

  it('per account and currency, each against its own minimum (JPY has no minor units)', () => {
    const entries = [july, e(7, 2999, '2026-07-01T00:00:00Z', { currency: 'JPY' }), e(8, 1000, '2026-07-01T00:00:00Z', { account: 'bob' }), e(9, 3000, '2026-07-02T00:00:00Z', { account: 'bob', currency: 'JPY' })];
    const { plan } = run(entries, [], '2026-09-30');
    expect(plan.created.map((p) => [p.account, p.currency, p.amount])).toEqual([['ann', 'USD', 3000], ['bob', 'JPY', 3000], ['bob', 'USD', 1000]]);
    expect(plan.belowMinimum.map((s) => [s.account, s.currency, s.net, s.minimum])).toEqual([['ann', 'JPY', 2999, 3000]]);
  });

  it('is idempotent: the same through again creates nothing and returns the same payouts', () => {
    const first = run([july], [], '2026-09-30');
    const again = run([july, e(10, 9000, '2026-07-30T00:00:00Z')], first.payouts, '2026-09-30');
    expect(again.plan.created).toEqual([]);
    expect(again.plan.existing).toEqual(first.plan.created);
  });

  it('two runs racing from the same state name the same payout (storage keeps one by its id)', () => {
    const a = run([july], [], '2026-09-30').plan.created;
    const b = planPayouts({ entries: [july], payouts: [], through: '2026-09-30', config, now: NOW + 5 }).created;
    expect(b.map((p) => p.id)).toEqual(a.map((p) => p.id));
  });

  it('after a cancel the next run pays the freed entries under a new id', () => {
    const first = run([july], [], '2026-09-30');
    const cancelled = cancelPayout(first.plan.created[0]!, NOW);
    const payouts = replace(first.payouts, cancelled);
    const rerun = run([july], payouts, '2026-09-30');
    expect(rerun.plan.existing).toEqual([]);
    expect(rerun.plan.created.map((p) => [p.generation, p.amount, p.entries])).toEqual([[1, 3000, [1]]]);
    expect(rerun.plan.created[0]!.id).not.toBe(cancelled.id);
    expect(rerun.plan.created[0]!.id).toBe(payoutId('ann', 'USD', '2026-09-30', 1));
    expect(run([july], rerun.payouts, '2026-09-30').plan.created).toEqual([]); // and is idempotent again
  });

  it('a later through does not pay again what an earlier payout holds', () => {
    const first = run([july, august], [], '2026-09-30');
    const later = run([july, august, e(11, 700, '2026-08-30T00:00:00Z')], first.payouts, '2026-10-31');
    expect(later.plan.created.map((p) => [p.amount, p.entries])).toEqual([[1200, [2, 11]]]);
  });

  it('a reversal of an unpaid entry is netted into the same payout', () => {
    const { plan } = run([july, e(12, -1200, '2026-11-02T00:00:00Z', { reverses: 1 })], [], '2026-09-30');
    expect(plan.created.map((p) => [p.amount, p.entries])).toEqual([[1800, [1, 12]]]);
  });

  it('a return after payment is carried forward, then comes off the next payout', () => {
    let payouts = run([july], [], '2026-09-30').payouts;
    payouts = replace(payouts, markPaid(payouts[0]!, 'PP-1', NOW));
    const ret = e(13, -1200, '2026-10-10T00:00:00Z', { reverses: 1 });
    const september = e(14, 2000, '2026-08-20T00:00:00Z');
    const entries = [july, august, ret, september];
    const before = balances({ entries: withMembership(entries, payouts), now: t('2026-10-31T00:00:00Z'), payableAfterDays: 60 })[0]!.byCurrency.USD!;
    expect(before).toMatchObject({ paid: 3000, carriedForward: -1200, payable: 2500 });
    const next = run(entries, payouts, '2026-10-31');
    expect(next.plan.created.map((p) => [p.amount, p.entries])).toEqual([[1300, [2, 13, 14]]]); // 500 + 2000 − 1200
    const after = balances({ entries: withMembership(entries, next.payouts), now: t('2026-10-31T00:00:00Z'), payableAfterDays: 60 })[0]!.byCurrency.USD!;
    expect(after).toMatchObject({ paid: 3000, inPayout: 1300, carriedForward: 0, payable: 0 });
  });

  it('never pays below zero: a carried-forward reversal larger than what is payable waits', () => {
    let payouts = run([july], [], '2026-09-30').payouts;
    payouts = replace(payouts, markPaid(payouts[0]!, 'PP-1', NOW));
    const { plan } = run([july, august, e(15, -3000, '2026-10-01T00:00:00Z', { reverses: 1 })], payouts, '2026-10-31');
    expect(plan.created).toEqual([]);
    expect(plan.belowMinimum).toEqual([{ account: 'ann', currency: 'USD', net: -2500, minimum: 1000, entries: [2, 15] }]);
  });

  it('a reversal of an entry in a created payout waits for that payout, then is carried forward', () => {
    const first = run([july], [], '2026-09-30');
    const ret = e(16, -500, '2026-10-03T00:00:00Z', { reverses: 1 });
    const big = e(17, 4000, '2026-08-01T00:00:00Z');
    expect(run([july, ret, big], first.payouts, '2026-10-31').plan.created.map((p) => p.entries)).toEqual([[17]]);
    const paid = replace(first.payouts, markPaid(first.payouts[0]!, 'PP-9', NOW));
    expect(run([july, ret, big], paid, '2026-10-31').plan.created.map((p) => [p.amount, p.entries])).toEqual([[3500, [16, 17]]]);
  });
});

describe('payout status', () => {
  const p = planPayouts({ entries: [e(1, 3000, '2026-07-10T00:00:00Z')], payouts: [], through: '2026-09-30', config, now: NOW }).created[0]!;
  it('created → paid with a reference; the same reference again is a no-op; another is refused', () => {
    const paid = markPaid(p, ' PP-123 ', NOW + 1);
    expect(paid).toMatchObject({ status: 'paid', reference: 'PP-123', paidAt: NOW + 1 });
    expect(markPaid(paid, 'PP-123', NOW + 2)).toBe(paid);
    expect(() => markPaid(paid, 'PP-999', NOW)).toThrow(/already paid with reference "PP-123"/);
  });
  it('needs a reference', () => expect(() => markPaid(p, '  ', NOW)).toThrow(/reference must be 1 to 200 characters/));
  it('created → cancelled; cancelled again is a no-op; a cancelled payout cannot be paid', () => {
    const c = cancelPayout(p, NOW);
    expect(c.status).toBe('cancelled');
    expect(cancelPayout(c, NOW + 1)).toBe(c);
    expect(() => markPaid(c, 'x', NOW)).toThrow(/was cancelled/);
  });
  it('a paid payout cannot be cancelled', () => expect(() => cancelPayout(markPaid(p, 'x', NOW), NOW)).toThrow(/is paid/));
});

describe('nextPayouts: the amount of the next payout and the first day a run pays it', () => {
  // Payable after 60 days: September entries from Nov 30, October ones from Dec 31, November ones from Jan 30.
  const TODAY = t('2026-12-01T09:30:00Z');
  const paid = (ids: number[], amount: number): Payout => markPaid(planPayouts({ entries: ids.map((id) => e(id, amount, '2026-08-01T00:00:00Z')), payouts: [], through: '2026-10-31', config, now: NOW }).created[0]!, 'PP-1', NOW);
  const sept = '2026-09-03T10:00:00Z';
  const oct = '2026-10-05T10:00:00Z';
  const nov = '2026-11-20T10:00:00Z';
  it.each([
    { why: 'payable now, above the minimum: today', entries: [e(1, 3000, sept)], payouts: [], next: [{ amount: 3000, payableOn: '2026-12-01', belowMinimum: false }] },
    { why: 'maturing only: the day its month becomes payable', entries: [e(1, 1500, oct)], payouts: [], next: [{ amount: 1500, payableOn: '2026-12-31', belowMinimum: false }] },
    { why: 'payable now but under the minimum; October’s entries take it over on Dec 31', entries: [e(1, 600, sept), e(2, 700, oct)], payouts: [], next: [{ amount: 1300, payableOn: '2026-12-31', belowMinimum: false }] },
    { why: 'under the minimum even with everything: rolls over (what gathered, the day the last of it is payable)', entries: [e(1, 300, sept), e(2, 400, oct)], payouts: [], next: [{ amount: 700, payableOn: '2026-12-31', belowMinimum: true }] },
    { why: 'a return nets against its shipment, on the shipment’s day', entries: [e(1, 1500, oct), e(2, -300, nov, { reverses: 1 })], payouts: [], next: [{ amount: 1200, payableOn: '2026-12-31', belowMinimum: false }] },
    { why: 'the return alone under the minimum does not move the day', entries: [e(1, 1200, oct), e(2, -300, nov, { reverses: 1 })], payouts: [], next: [{ amount: 900, payableOn: '2026-12-31', belowMinimum: true }] },
    { why: 'held entries are never in it', entries: [e(1, 5000, sept, { onHold: true }), e(2, 1200, sept)], payouts: [], next: [{ amount: 1200, payableOn: '2026-12-01', belowMinimum: false }] },
    { why: 'a return after payment (carried forward) comes off the next payout', entries: [e(1, 3000, '2026-08-01T00:00:00Z'), e(2, -500, nov, { reverses: 1 }), e(3, 2000, oct)], payouts: [paid([1], 3000)], next: [{ amount: 1500, payableOn: '2026-12-31', belowMinimum: false }] },
    { why: 'only a carried-forward reversal: nothing to pay, it waits for the next money', entries: [e(1, 3000, '2026-08-01T00:00:00Z'), e(2, -500, nov, { reverses: 1 })], payouts: [paid([1], 3000)], next: [{ amount: -500, payableOn: '2026-12-01', belowMinimum: true }] },
    { why: 'everything paid: no next payout', entries: [e(1, 3000, '2026-08-01T00:00:00Z')], payouts: [paid([1], 3000)], next: [] },
    { why: 'entries in a created payout are not next', entries: [e(1, 3000, '2026-08-01T00:00:00Z'), e(2, 1100, oct)], payouts: [planPayouts({ entries: [e(1, 3000, '2026-08-01T00:00:00Z')], payouts: [], through: '2026-10-31', config, now: NOW }).created[0]!], next: [{ amount: 1100, payableOn: '2026-12-31', belowMinimum: false }] },
    { why: 'each currency with its own minimum (JPY 3000)', entries: [e(1, 2500, sept, { currency: 'JPY' }), e(2, 1000, sept)], payouts: [], next: [{ currency: 'JPY', amount: 2500, minimum: 3000, belowMinimum: true }, { currency: 'USD', amount: 1000, minimum: 1000, belowMinimum: false }] },
  ])('$why', ({ entries, payouts, next }) => {
    const found = nextPayouts({ entries, payouts, config, now: TODAY });
    expect(found).toEqual(next.map((n) => expect.objectContaining(n)));
    // As a run sees it: through payableOn it pays exactly that; the day before, not yet.
    for (const n of found.filter((x) => !x.belowMinimum)) {
      const created = planPayouts({ entries, payouts, through: n.payableOn, config, now: TODAY }).created.filter((p) => p.currency === n.currency);
      expect(created.map((p) => p.amount)).toEqual([n.amount]);
      const dayBefore = new Date(t(n.payableOn) - 86_400_000).toISOString().slice(0, 10);
      if (t(n.payableOn) > t('2026-12-01')) expect(planPayouts({ entries, payouts, through: dayBefore, config, now: TODAY }).created.filter((p) => p.currency === n.currency)).toEqual([]);
    }
  });
});
