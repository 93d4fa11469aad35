import type { Db } from './database.js';
import { exactRow } from './exact.js';
import { BREAKDOWNS, type BreakdownBy, type KeyedTotals, type ReportScope } from '../storage/port.js';

export { BREAKDOWNS, type BreakdownBy, type KeyedTotals };

const day = (column: string) => `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`;

/**
 * The key each source row falls under, per breakdown. NULL where a source has no such key
 * (pageviews have no marketplace, clicks no category): those totals land in the null row, so
 * the rows of every breakdown add up to the summary. Orders are the exception where an order
 * spans several keys (category, product): each row counts the orders with a credited line in it.
 */
const KEYS: Record<BreakdownBy, { clicks: string; pageviews: string; orders: string; lines: string; ledger: string }> = {
  day: { clicks: day('c.at'), pageviews: day('p.at'), orders: day('o.ordered_at'), lines: day('o.ordered_at'), ledger: day('e.at') },
  tag: { clicks: 'c.tag', pageviews: 'p.tag', orders: 'o.credited_tag', lines: 'o.credited_tag', ledger: 'e.tag' },
  marketplace: { clicks: 'c.marketplace', pageviews: 'NULL', orders: 'o.marketplace', lines: 'o.marketplace', ledger: 'e.marketplace' },
  category: { clicks: 'NULL', pageviews: 'NULL', orders: 'l.category', lines: 'l.category', ledger: 'l.category' },
  product: { clicks: 'c.product', pageviews: 'NULL', orders: 'l.sku', lines: 'l.sku', ledger: 'l.sku' },
  page: { clicks: 'c.page', pageviews: 'p.page', orders: 'oc.page', lines: 'oc.page', ledger: 'oc.page' },
  // An order's sub is the one it inherited from its crediting click (stored on the order).
  sub: { clicks: 'c.sub', pageviews: 'NULL', orders: 'o.sub', lines: 'o.sub', ledger: 'o.sub' },
};

/** Summary totals grouped by one dimension; same filters and meanings as the summary. */
export function breakdownStore(db: Db) {
  const statements = new Map<BreakdownBy, ReturnType<typeof prepare>>();
  function prepare(by: BreakdownBy) {
    const k = KEYS[by];
    const filter = (alias: string, time: string) => `${alias}.${time} BETWEEN @from AND @to AND (@accountId IS NULL OR ${alias}.account_id = @accountId)`;
    return {
      clicks: db.prepare<Record<string, unknown>, { key: string | null; clicks: number; botClicks: number }>(`SELECT ${k.clicks} AS key,
          coalesce(sum(c.bot = 0 AND c.registered = 1), 0) AS clicks, coalesce(sum(c.bot = 1), 0) AS botClicks
        FROM clicks c WHERE ${filter('c', 'at')} AND (@tag IS NULL OR c.tag = @tag) AND (@marketplace IS NULL OR c.marketplace = @marketplace)
        GROUP BY 1`),
      pageviews: db.prepare<Record<string, unknown>, { key: string | null; pageviews: number; links: number }>(`SELECT ${k.pageviews} AS key,
          count(*) AS pageviews, coalesce(sum(p.links), 0) AS links
        FROM pageviews p WHERE ${filter('p', 'at')} AND (@tag IS NULL OR p.tag = @tag) AND @marketplace IS NULL
        GROUP BY 1`),
      orders: db.prepare<Record<string, unknown>, { key: string | null; orders: number }>(`SELECT ${k.orders} AS key, count(DISTINCT o.order_id) AS orders
        FROM orders o LEFT JOIN clicks oc ON oc.id = o.click_id
          ${k.orders.startsWith('l.') ? 'JOIN order_lines l ON l.order_id = o.order_id AND l.attributed = 1' : ''}
        WHERE ${filter('o', 'ordered_at')} AND o.attributed = 1
          AND (@tag IS NULL OR o.credited_tag = @tag) AND (@marketplace IS NULL OR o.marketplace = @marketplace)
        GROUP BY 1`),
      lines: db.prepare<Record<string, unknown>, { key: string | null; currency: string; items: number; direct: number; revenue: number; pending: number }>(`SELECT ${k.lines} AS key,
          o.currency, sum(l.quantity) AS items, sum(l.quantity * l.direct) AS direct, sum(l.revenue) AS revenue,
          sum(l.pending) AS pending
        FROM orders o JOIN order_lines l ON l.order_id = o.order_id LEFT JOIN clicks oc ON oc.id = o.click_id
        WHERE ${filter('o', 'ordered_at')} AND l.attributed = 1
          AND (@tag IS NULL OR o.credited_tag = @tag) AND (@marketplace IS NULL OR o.marketplace = @marketplace)
        GROUP BY 1, 2`).safeIntegers(),
      // Shipments, returns and a rejected order's reversals (issue 19: earnings on the day recorded, no units).
      ledger: db.prepare<Record<string, unknown>, { key: string | null; currency: string; kind: string; quantity: number; amount: number }>(`SELECT ${k.ledger} AS key,
          e.currency, e.kind, sum(e.quantity) AS quantity, sum(e.amount) AS amount
        FROM ledger_entries e JOIN order_lines l ON l.order_id = e.order_id AND l.line_id = e.line_id
          JOIN orders o ON o.order_id = e.order_id LEFT JOIN clicks oc ON oc.id = o.click_id
        WHERE ${filter('e', 'at')} AND (@tag IS NULL OR e.tag = @tag) AND (@marketplace IS NULL OR e.marketplace = @marketplace)
        GROUP BY 1, 2, 3`).safeIntegers(),
    };
  }

  return {
    breakdownTotals(by: BreakdownBy, scope: ReportScope): KeyedTotals {
      let s = statements.get(by);
      if (!s) statements.set(by, (s = prepare(by)));
      const p = { from: scope.from, to: scope.to, accountId: scope.accountId ?? null, tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
      const rows: KeyedTotals = new Map();
      const row = (key: string | null) => {
        let r = rows.get(key);
        if (!r) rows.set(key, (r = { clicks: 0, botClicks: 0, pageviews: 0, linkImpressions: 0, orders: 0, itemsOrdered: 0, directItems: 0, itemsShipped: 0, itemsReturned: 0, money: [] }));
        return r;
      };
      for (const c of s.clicks.all(p)) Object.assign(row(c.key), { clicks: c.clicks, botClicks: c.botClicks });
      for (const v of s.pageviews.all(p)) Object.assign(row(v.key), { pageviews: v.pageviews, linkImpressions: v.links });
      for (const o of s.orders.all(p)) row(o.key).orders = o.orders;
      // Money sums are read as BigInt (exact.ts); a key that is a number (none today) stays as SQLite gives it.
      for (const l of s.lines.all(p).map((r) => exactRow<typeof r>(r))) {
        const r = row(l.key);
        r.itemsOrdered += l.items;
        r.directItems += l.direct;
        r.money.push({ currency: l.currency, revenue: l.revenue, pending: l.pending, earnings: 0 });
      }
      for (const e of s.ledger.all(p).map((r) => exactRow<typeof r>(r))) {
        const r = row(e.key);
        if (e.kind === 'shipment') r.itemsShipped += e.quantity;
        else if (e.kind === 'return') r.itemsReturned += e.quantity;
        r.money.push({ currency: e.currency, revenue: 0, pending: 0, earnings: e.amount });
      }
      return rows;
    },
  };
}
