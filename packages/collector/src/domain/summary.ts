/** The dimensions a breakdown groups by (`GET /v1/breakdown?by=`). */
export const BREAKDOWNS = ['day', 'tag', 'marketplace', 'category', 'product', 'page', 'sub'] as const;
export type BreakdownBy = (typeof BREAKDOWNS)[number];

export interface MoneyTotals { currency: string; revenue: number; pending: number; earnings: number }

/** Raw totals for a period, as storage sums them; `buildSummary` turns them into the summary body. */
export interface SummaryTotals {
  clicks: number;
  botClicks: number;
  pageviews: number;
  linkImpressions: number;
  orders: number;
  itemsOrdered: number;
  directItems: number;
  itemsShipped: number;
  itemsReturned: number;
  money: MoneyTotals[];
  /** Currencies the scope trades in even when nothing happened yet. */
  currencies: string[];
}

export interface CurrencyTotals { revenue: number; earnings: number; pending: number }

export interface Summary {
  from: string;
  to: string;
  clicks: number;
  botClicks: number;
  pageviews: number;
  linkImpressions: number;
  ctr: number | null;
  orders: number;
  conversionRate: number | null;
  itemsOrdered: number;
  directItems: number;
  indirectItems: number;
  itemsShipped: number;
  itemsReturned: number;
  byCurrency: Record<string, CurrencyTotals>;
}

/** Ratio of two counts, null when the divisor is 0 (SPEC §4.3). Rates are not money: floats are fine. */
export const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** Turns raw period totals into the summary body. Pure. */
export function buildSummary(from: string, to: string, t: SummaryTotals): Summary {
  const byCurrency: Record<string, CurrencyTotals> = {};
  const bucket = (currency: string) => (byCurrency[currency] ??= { revenue: 0, earnings: 0, pending: 0 });
  for (const currency of t.currencies) bucket(currency);
  for (const m of t.money) {
    const b = bucket(m.currency);
    b.revenue += m.revenue;
    b.pending += m.pending;
    b.earnings += m.earnings;
  }
  return {
    from,
    to,
    clicks: t.clicks,
    botClicks: t.botClicks,
    pageviews: t.pageviews,
    linkImpressions: t.linkImpressions,
    ctr: ratio(t.clicks, t.linkImpressions),
    orders: t.orders,
    conversionRate: ratio(t.orders, t.clicks),
    itemsOrdered: t.itemsOrdered,
    directItems: t.directItems,
    indirectItems: t.itemsOrdered - t.directItems,
    itemsShipped: t.itemsShipped,
    itemsReturned: t.itemsReturned,
    byCurrency,
  };
}

/** True when a row has nothing to show: every count and every amount is 0 (unregistered-tag clicks, say). */
export function isEmptySummary(s: Summary): boolean {
  const counts = [s.clicks, s.botClicks, s.pageviews, s.linkImpressions, s.orders, s.itemsOrdered, s.itemsShipped, s.itemsReturned];
  return counts.every((n) => n === 0) && Object.values(s.byCurrency).every((t) => t.revenue === 0 && t.earnings === 0 && t.pending === 0);
}
