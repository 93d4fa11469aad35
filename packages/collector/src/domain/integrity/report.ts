import { INTEGRITY_RULES, type IntegrityRule } from './rules.js';
import type { HoldState } from './review.js';

/**
 * `GET /v1/reports/integrity?from&to` (admin): flags by day, rule and tag, from plain rows storage
 * reads. Orders count by `orderedAt` and clicks by event time, like every other report; money is
 * the flagged orders' commission as attribution computed it, summed exactly, never re-derived.
 */

export interface FlaggedOrder {
  orderId: string;
  orderedAt: number;
  /** The credited tag. */
  tag: string;
  accountId: string;
  currency: string;
  /** Commission as attributed (minor units). */
  commission: number;
  rules: readonly IntegrityRule[];
  hold: HoldState;
}

export interface FlaggedClick {
  at: number;
  tag: string;
  accountId: string | null;
  rules: readonly IntegrityRule[];
}

export interface IntegrityRow {
  day: string;
  rule: IntegrityRule;
  tag: string;
  account: string | null;
  /** Clicks that tripped the rule by themselves (stuffing signs, burst excess). */
  flaggedClicks: number;
  /** Orders the rule held, whatever became of them. */
  heldOrders: number;
  /** Of those: still waiting for a review, released, rejected. */
  onHold: number;
  released: number;
  rejected: number;
  /** Commission of the held orders, by currency (minor units). */
  commission: Record<string, number>;
}

export interface IntegrityReport {
  from: string;
  to: string;
  rows: IntegrityRow[];
  /** Per rule over the whole period. */
  byRule: Record<IntegrityRule, { flaggedClicks: number; heldOrders: number; onHold: number; released: number; rejected: number }>;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const ruleRank = (r: IntegrityRule) => INTEGRITY_RULES.indexOf(r);

/** The report over the inclusive period [fromMs, toMs]; rows by day, then rule, then tag. */
export function integrityReport(
  period: { from: string; to: string; fromMs: number; toMs: number },
  orders: readonly FlaggedOrder[],
  clicks: readonly FlaggedClick[],
): IntegrityReport {
  const rows = new Map<string, IntegrityRow & { sums: Map<string, bigint> }>();
  const row = (t: number, rule: IntegrityRule, tag: string, account: string | null) => {
    const key = JSON.stringify([day(t), rule, tag]);
    let r = rows.get(key);
    if (!r) {
      r = { day: day(t), rule, tag, account, flaggedClicks: 0, heldOrders: 0, onHold: 0, released: 0, rejected: 0, commission: {}, sums: new Map() };
      rows.set(key, r);
    }
    r.account ??= account;
    return r;
  };
  const inPeriod = (t: number) => t >= period.fromMs && t <= period.toMs;

  for (const c of clicks) {
    if (!inPeriod(c.at)) continue;
    for (const rule of new Set(c.rules)) row(c.at, rule, c.tag, c.accountId).flaggedClicks++;
  }
  for (const o of orders) {
    if (!inPeriod(o.orderedAt)) continue;
    for (const rule of new Set(o.rules)) {
      const r = row(o.orderedAt, rule, o.tag, o.accountId);
      r.heldOrders++;
      if (o.hold === 'released') r.released++;
      else if (o.hold === 'rejected') r.rejected++;
      else r.onHold++;
      r.sums.set(o.currency, (r.sums.get(o.currency) ?? 0n) + BigInt(o.commission));
    }
  }

  const byRule = Object.fromEntries(INTEGRITY_RULES.map((r) => [r, { flaggedClicks: 0, heldOrders: 0, onHold: 0, released: 0, rejected: 0 }])) as IntegrityReport['byRule'];
  const out: IntegrityRow[] = [];
  for (const { sums, ...r } of rows.values()) {
    r.commission = Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => [c, Number(n)]));
    const t = byRule[r.rule];
    t.flaggedClicks += r.flaggedClicks;
    t.heldOrders += r.heldOrders;
    t.onHold += r.onHold;
    t.released += r.released;
    t.rejected += r.rejected;
    out.push(r);
  }
  out.sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.rule !== b.rule ? ruleRank(a.rule) - ruleRank(b.rule) : a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return { from: period.from, to: period.to, rows: out, byRule };
}

/** The CSV's columns, in order (`?format=csv`). */
export const INTEGRITY_CSV_COLUMNS = ['day', 'rule', 'tag', 'account', 'flaggedClicks', 'heldOrders', 'onHold', 'released', 'rejected', 'currency', 'commission'] as const;
export type IntegrityCsvRow = Record<(typeof INTEGRITY_CSV_COLUMNS)[number], string | number | null>;

/**
 * One CSV record per row and currency (a row without held orders: one record, no currency, 0),
 * keys in column order, for the collector's `toCsv`. A tag belongs to one marketplace, so in
 * practice a row has one currency.
 */
export function integrityCsvRows(report: IntegrityReport): IntegrityCsvRow[] {
  return report.rows.flatMap((r): IntegrityCsvRow[] => {
    const money = Object.entries(r.commission);
    const base = { day: r.day, rule: r.rule, tag: r.tag, account: r.account, flaggedClicks: r.flaggedClicks, heldOrders: r.heldOrders, onHold: r.onHold, released: r.released, rejected: r.rejected };
    if (money.length === 0) return [{ ...base, currency: null, commission: 0 }];
    return money.map(([currency, commission]) => ({ ...base, currency, commission }));
  });
}
