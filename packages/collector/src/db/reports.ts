import type { Db } from './database.js';

export interface ReportScope {
  from: number;
  to: number;
  accountId?: string | undefined;
  tag?: string | undefined;
  marketplace?: string | undefined;
}

/** Raw totals for a period; the report domain turns them into the summary body. */
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
  /** Credited lines of orders placed in the period, for revenue and pending commission. */
  creditedLines: { currency: string; unitAmount: number; quantity: number; cancelled: number; shipped: number; rateBp: number }[];
  earnings: { currency: string; amount: number }[];
  /** Currencies the scope trades in even when nothing happened yet. */
  currencies: string[];
}

/** SQL for reports. Filters are optional; a null parameter means "any". */
export function reportStore(db: Db) {
  const where = (alias: string, time: string) => `${alias}.${time} BETWEEN @from AND @to
    AND (@accountId IS NULL OR ${alias}.account_id = @accountId)`;
  const s = {
    clicks: db.prepare<Record<string, unknown>, { clicks: number; botClicks: number }>(`SELECT
        coalesce(sum(c.bot = 0 AND c.registered = 1), 0) AS clicks, coalesce(sum(c.bot = 1), 0) AS botClicks
      FROM clicks c WHERE ${where('c', 'at')}
        AND (@tag IS NULL OR c.tag = @tag) AND (@marketplace IS NULL OR c.marketplace = @marketplace)`),
    pageviews: db.prepare<Record<string, unknown>, { pageviews: number; links: number }>(`SELECT count(*) AS pageviews,
        coalesce(sum(p.links), 0) AS links
      FROM pageviews p WHERE ${where('p', 'at')} AND (@tag IS NULL OR p.tag = @tag)`),
    orders: db.prepare<Record<string, unknown>, { orders: number }>(`SELECT count(*) AS orders FROM orders o
      WHERE ${where('o', 'ordered_at')} AND o.attributed = 1
        AND (@tag IS NULL OR o.tag = @tag OR o.credited_tag = @tag) AND (@marketplace IS NULL OR o.marketplace = @marketplace)`),
    lines: db.prepare<Record<string, unknown>, SummaryTotals['creditedLines'][number] & { direct: number }>(`SELECT o.currency,
        l.unit_amount AS unitAmount, l.quantity, l.cancelled, l.shipped, l.rate_bp AS rateBp, l.direct
      FROM orders o JOIN order_lines l ON l.order_id = o.order_id
      WHERE ${where('o', 'ordered_at')} AND l.attributed = 1
        AND (@tag IS NULL OR o.tag = @tag OR o.credited_tag = @tag) AND (@marketplace IS NULL OR o.marketplace = @marketplace)`),
    ledger: db.prepare<Record<string, unknown>, { currency: string; kind: string; quantity: number; amount: number }>(`SELECT e.currency, e.kind,
        sum(e.quantity) AS quantity, sum(e.amount) AS amount
      FROM ledger_entries e WHERE ${where('e', 'at')}
        AND (@tag IS NULL OR e.tag = @tag) AND (@marketplace IS NULL OR e.marketplace = @marketplace)
      GROUP BY e.currency, e.kind`),
    tagMarketplaces: db.prepare<Record<string, unknown>, { marketplace: string }>(`SELECT DISTINCT marketplace FROM tags
      WHERE (@accountId IS NULL OR account_id = @accountId) AND (@tag IS NULL OR tag = @tag)
        AND (@marketplace IS NULL OR marketplace = @marketplace)`),
  };

  return {
    /** Marketplaces the scope holds tags in. */
    tagMarketplaces: (scope: ReportScope): string[] => s.tagMarketplaces.all(params(scope)).map((r) => r.marketplace),
    summaryTotals: (scope: ReportScope): Omit<SummaryTotals, 'currencies'> => {
      const p = params(scope);
      const clicks = s.clicks.get(p)!;
      const pageviews = scope.marketplace ? { pageviews: 0, links: 0 } : s.pageviews.get(p)!;
      const lines = s.lines.all(p);
      const ledger = s.ledger.all(p);
      const earnings = new Map<string, number>();
      for (const row of ledger) earnings.set(row.currency, (earnings.get(row.currency) ?? 0) + row.amount);
      return {
        clicks: clicks.clicks,
        botClicks: clicks.botClicks,
        pageviews: pageviews.pageviews,
        linkImpressions: pageviews.links,
        orders: s.orders.get(p)!.orders,
        itemsOrdered: lines.reduce((n, l) => n + l.quantity, 0),
        directItems: lines.reduce((n, l) => n + (l.direct ? l.quantity : 0), 0),
        itemsShipped: ledger.filter((r) => r.kind === 'shipment').reduce((n, r) => n + r.quantity, 0),
        itemsReturned: ledger.filter((r) => r.kind === 'return').reduce((n, r) => n + r.quantity, 0),
        creditedLines: lines,
        earnings: [...earnings].map(([currency, amount]) => ({ currency, amount })),
      };
    },
  };
}

function params(scope: ReportScope) {
  return { from: scope.from, to: scope.to, accountId: scope.accountId ?? null, tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
}
