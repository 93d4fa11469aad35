// A few months of one program in two currencies (JPY has no minor units), computed by hand:
// shipments, a return before payment (netted), a return after payment (carried forward, then
// recovered), a balance under the minimum rolling over, statements and payout files — and not one
// minor unit created or lost between ledger, balance, payout, statement and export.
import { describe, expect, it } from 'vitest';
import { balances, type BalanceEntry } from '../../src/domain/balance.js';
import { chain, type ChainedContent } from '../../src/domain/ledger-chain.js';
import { exportPayouts } from '../../src/domain/payout-export.js';
import { markPaid, parsePayoutsConfig, planPayouts, withMembership, type Payout } from '../../src/domain/payouts.js';
import { linkReturns } from '../../src/domain/reversals.js';
import { buildStatement, generateStatementKey, jwkSet, signStatement } from '../../src/domain/statement.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';

const t = (iso: string) => Date.parse(iso);
type Row = BalanceEntry & ChainedContent;
const r = (id: number, account: string, currency: string, kind: string, quantity: number, amount: number, orderId: string, recorded: string): Row =>
  ({ id, account, currency, kind, quantity, amount, orderId, lineId: 'l1', recordedAt: t(recorded) });

const raw: Row[] = [
  r(1, 'ann', 'USD', 'shipment', 1, 1996, 'o1', '2026-09-02T10:00:00Z'), // 49900 × 1 × 4%
  r(2, 'ann', 'USD', 'shipment', 2, 117, 'o2', '2026-09-03T10:00:00Z'), // 1299 × 2 × 4.5% = 116.91 → 117
  r(3, 'ann', 'USD', 'shipment', 2, 2500, 'o3', '2026-09-10T10:00:00Z'),
  r(4, 'ann', 'USD', 'return', 1, -1250, 'o3', '2026-09-25T10:00:00Z'), // before any payout: netted
  r(5, 'ann', 'JPY', 'shipment', 1, 1500, 'o4', '2026-09-11T10:00:00Z'),
  r(6, 'ann', 'JPY', 'shipment', 1, 480, 'o5', '2026-09-12T10:00:00Z'),
  r(7, 'bob', 'USD', 'shipment', 1, 800, 'o6', '2026-09-13T10:00:00Z'), // under the minimum
  r(8, 'ann', 'USD', 'shipment', 1, 3000, 'o7', '2026-10-04T10:00:00Z'),
  r(9, 'ann', 'USD', 'return', 1, -1996, 'o1', '2026-12-10T10:00:00Z'), // after o1 was paid: carried forward
];
const links = linkReturns(raw);
const rows = raw.map((e) => ({ ...e, reverses: links.get(e.id) }));
const entries = [...new Set(rows.map((e) => `${e.account} ${e.currency}`))].flatMap((k) => chain(rows.filter((e) => `${e.account} ${e.currency}` === k)));
const config = parsePayoutsConfig(undefined);
const key = generateStatementKey();
const details = [{ account: 'ann', name: 'Ann', payoutMethod: 'wise' as const, payoutEmail: 'ann@example.com' }];
const byRun = <T extends { account: string; currency: string; amount: number }>(list: T[]) => list.map((p) => [p.account, p.currency, p.amount]);

describe('a program from September to January', () => {
  // Only the entries recorded by `now` exist yet.
  const upTo = (now: number) => entries.filter((e) => e.recordedAt <= now);
  let payouts: Payout[] = [];

  it('the returns reverse the shipments of their lines', () => {
    expect([...links]).toEqual([[4, 3], [9, 1]]);
  });

  it('1 Dec: the September run pays ann 33.63 USD and ¥1980; bob\'s 8.00 USD waits', () => {
    const now = t('2026-12-01T09:00:00Z');
    const plan = planPayouts({ entries: upTo(now), payouts, through: '2026-11-30', config, now });
    expect(byRun(plan.created)).toEqual([['ann', 'JPY', 1980], ['ann', 'USD', 3363]]); // 1996 + 117 + 2500 − 1250
    expect(byRun(plan.belowMinimum.map((s) => ({ ...s, amount: s.net })))).toEqual([['bob', 'USD', 800]]);
    payouts = plan.created;
    const file = exportPayouts(payouts, details, 'wise');
    expect(file.body.split('\r\n').slice(1, -1).map((l) => l.split(',').slice(5, 7))).toEqual([['1980', 'JPY'], ['33.63', 'USD']]);
    payouts = payouts.map((p) => markPaid(p, 'WISE-B1', t('2026-12-02T09:00:00Z')));
  });

  it('10 Dec: the return of a paid camera is carried forward', () => {
    const now = t('2026-12-10T12:00:00Z');
    const b = balances({ entries: withMembership(upTo(now), payouts), now, payableAfterDays: 60 });
    expect(b.find((a) => a.account === 'ann')!.byCurrency).toEqual({
      JPY: { pending: 0, maturing: 0, payable: 0, inPayout: 0, paid: 1980, onHold: 0, carriedForward: 0 },
      USD: { pending: 0, maturing: 3000, payable: 0, inPayout: 0, paid: 3363, onHold: 0, carriedForward: -1996 },
    });
    expect(b.find((a) => a.account === 'bob')!.byCurrency.USD).toMatchObject({ payable: 800 });
  });

  it('2 Jan: the October run recovers it: 30.00 − 19.96 = 10.04 USD', () => {
    const now = t('2027-01-02T09:00:00Z');
    const plan = planPayouts({ entries: upTo(now), payouts, through: '2026-12-31', config, now });
    expect(byRun(plan.created)).toEqual([['ann', 'USD', 1004]]);
    expect(plan.created[0]!.entries).toEqual([8, 9]);
    payouts = [...payouts, ...plan.created];
    const b = balances({ entries: withMembership(upTo(now), payouts), now, payableAfterDays: 60 });
    expect(b.find((a) => a.account === 'ann')!.byCurrency.USD).toMatchObject({ paid: 3363, inPayout: 1004, carriedForward: 0, payable: 0 });
    payouts = payouts.map((p) => (p.status === 'created' ? markPaid(p, 'WISE-B2', t('2027-01-03T09:00:00Z')) : p));
  });

  it('statements tie out month to month, verify, and add up to the ledger and the payouts', () => {
    const now = t('2027-02-01T00:00:00Z');
    const months = ['2026-09', '2026-10', '2026-11', '2026-12', '2027-01'];
    for (const [account, currency] of [['ann', 'USD'], ['ann', 'JPY'], ['bob', 'USD']] as const) {
      const statements = months.map((month) =>
        signStatement(buildStatement({ account, currency, month, entries: withMembership(entries, payouts).map((e, i) => ({ ...e, ...entries[i]! })), payouts, payableAfterDays: 60, now }), key),
      );
      statements.forEach((s, i) => {
        expect(verifyStatement(JSON.parse(JSON.stringify(s)), jwkSet([key]), i > 0 ? { previous: statements[i - 1] } : {})).toEqual([]);
      });
      const ledger = entries.filter((e) => e.account === account && e.currency === currency).reduce((a, e) => a + e.amount, 0);
      const paid = payouts.filter((p) => p.account === account && p.currency === currency).reduce((a, p) => a + p.amount, 0);
      expect(statements.at(-1)!.closingBalance).toBe(ledger - paid);
      expect(statements.map((s) => s.closingBalance)).toEqual(
        ({ 'ann USD': [3363, 6363, 6363, 1004, 0], 'ann JPY': [1980, 1980, 1980, 0, 0], 'bob USD': [800, 800, 800, 800, 800] } as Record<string, number[]>)[`${account} ${currency}`],
      );
    }
    for (const p of payouts) {
      expect(p.amount).toBe(entries.filter((e) => p.entries.includes(e.id)).reduce((a, e) => a + e.amount, 0));
    }
  });
});
