import { describe, expect, it } from 'vitest';
import { INTEGRITY_CSV_COLUMNS, integrityCsvRows, integrityReport, type FlaggedClick, type FlaggedOrder } from '../../../src/domain/integrity/report.js';

const t = (iso: string) => Date.parse(iso);
const period = { from: '2026-12-01', to: '2026-12-02', fromMs: t('2026-12-01T00:00:00Z'), toMs: t('2026-12-02T23:59:59.999Z') };
const order = (over: Partial<FlaggedOrder>): FlaggedOrder => ({
  orderId: 'o', orderedAt: t('2026-12-01T10:00:00Z'), tag: 'jane-20', accountId: 'acc_jane', currency: 'USD', commission: 100, rules: ['stuffing'], hold: 'on_hold', ...over,
});
const click = (over: Partial<FlaggedClick>): FlaggedClick => ({ at: t('2026-12-01T09:00:00Z'), tag: 'jane-20', accountId: 'acc_jane', rules: ['stuffing'], ...over });

describe('integrity report', () => {
  const orders = [
    order({ orderId: 'o1', commission: 1996 }),
    order({ orderId: 'o2', commission: 117, hold: 'released' }),
    order({ orderId: 'o3', commission: 58, hold: 'rejected', rules: ['stuffing', 'order_velocity'] }),
    order({ orderId: 'o4', tag: 'bob-20', accountId: 'acc_bob', rules: ['self_referral'], orderedAt: t('2026-12-02T23:59:59.999Z') }),
    order({ orderId: 'early', orderedAt: t('2026-11-30T23:59:59.999Z') }),
    order({ orderId: 'late', orderedAt: t('2026-12-03T00:00:00Z') }),
  ];
  const clicks = [
    click({}),
    click({ rules: ['stuffing', 'click_burst'] }),
    click({ rules: ['stuffing', 'stuffing'] }),
    click({ at: t('2026-12-02T01:00:00Z'), tag: 'eve-20', accountId: 'acc_eve', rules: ['click_burst'] }),
    click({ at: t('2026-12-03T00:00:00Z') }),
  ];
  const report = integrityReport(period, orders, clicks);

  it('rows by day, rule (in rule order), tag; inclusive period edges; each rule counted once per order or click', () => {
    expect(report.rows.map((r) => [r.day, r.rule, r.tag])).toEqual([
      ['2026-12-01', 'click_burst', 'jane-20'],
      ['2026-12-01', 'stuffing', 'jane-20'],
      ['2026-12-01', 'order_velocity', 'jane-20'],
      ['2026-12-02', 'self_referral', 'bob-20'],
      ['2026-12-02', 'click_burst', 'eve-20'],
    ]);
    expect(report.rows[1]).toEqual({
      day: '2026-12-01', rule: 'stuffing', tag: 'jane-20', account: 'acc_jane',
      flaggedClicks: 3, heldOrders: 3, onHold: 1, released: 1, rejected: 1, commission: { USD: 1996 + 117 + 58 },
    });
    expect(report.rows[2]).toMatchObject({ flaggedClicks: 0, heldOrders: 1, rejected: 1, commission: { USD: 58 } });
    expect(report.rows[4]).toMatchObject({ flaggedClicks: 1, heldOrders: 0, commission: {} });
  });

  it('totals per rule over the period', () => {
    expect(report.byRule).toEqual({
      self_referral: { flaggedClicks: 0, heldOrders: 1, onHold: 1, released: 0, rejected: 0 },
      click_burst: { flaggedClicks: 2, heldOrders: 0, onHold: 0, released: 0, rejected: 0 },
      stuffing: { flaggedClicks: 3, heldOrders: 3, onHold: 1, released: 1, rejected: 1 },
      order_velocity: { flaggedClicks: 0, heldOrders: 1, onHold: 0, released: 0, rejected: 1 },
    });
  });

  it('empty period: no rows, zero totals', () => {
    const empty = integrityReport(period, [], []);
    expect(empty.rows).toEqual([]);
    expect(empty.byRule.stuffing).toEqual({ flaggedClicks: 0, heldOrders: 0, onHold: 0, released: 0, rejected: 0 });
  });

  it('commission sums exactly past 2^53', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const r = integrityReport(period, [order({ orderId: 'a', commission: big }), order({ orderId: 'b', commission: 2 }), order({ orderId: 'c', commission: -3 })], []);
    expect(r.rows[0]!.commission).toEqual({ USD: big - 1 });
  });

  it('CSV: fixed columns in order, one record per row (per currency when orders carry money)', () => {
    const rows = integrityCsvRows(report);
    expect(INTEGRITY_CSV_COLUMNS).toEqual(['day', 'rule', 'tag', 'account', 'flaggedClicks', 'heldOrders', 'onHold', 'released', 'rejected', 'currency', 'commission']);
    for (const r of rows) expect(Object.keys(r)).toEqual([...INTEGRITY_CSV_COLUMNS]);
    expect(rows[1]).toEqual({ day: '2026-12-01', rule: 'stuffing', tag: 'jane-20', account: 'acc_jane', flaggedClicks: 3, heldOrders: 3, onHold: 1, released: 1, rejected: 1, currency: 'USD', commission: 2171 });
    expect(rows[0]).toMatchObject({ rule: 'click_burst', currency: null, commission: 0 });
    expect(rows).toHaveLength(5);
  });
});
