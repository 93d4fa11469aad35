import type { BreakdownBy, KeyedTotals, ReportScope, ReportStore, SummaryTotals } from '../port.js';
import type { Sql } from './sql.js';
import { dayOf } from './rollups.js';

type Totals = Omit<SummaryTotals, 'currencies'>;
const COUNTS = ['clicks', 'botClicks', 'pageviews', 'linkImpressions', 'orders', 'itemsOrdered', 'directItems', 'itemsShipped', 'itemsReturned'] as const;
const empty = (): Totals => ({ clicks: 0, botClicks: 0, pageviews: 0, linkImpressions: 0, orders: 0, itemsOrdered: 0, directItems: 0, itemsShipped: 0, itemsReturned: 0, money: [] });

/** Summaries read the per-day totals: their cost grows with days × tags, not with clicks. Periods are whole UTC days. */
const totalsSql = (accountClause: string) => `SELECT currency,
    sum(clicks) AS clicks, sum(bot_clicks) AS "botClicks", sum(pageviews) AS pageviews, sum(link_impressions) AS "linkImpressions",
    sum(orders) AS orders, sum(items_ordered) AS "itemsOrdered", sum(direct_items) AS "directItems",
    sum(items_shipped) AS "itemsShipped", sum(items_returned) AS "itemsReturned",
    sum(revenue) AS revenue, sum(pending) AS pending, sum(earnings) AS earnings
  FROM daily_totals
  WHERE ${accountClause} day BETWEEN @fromDay::date AND @toDay::date
    AND (@tag::text IS NULL OR tag = @tag)
    AND (@marketplace::text IS NULL OR marketplace = @marketplace)
  GROUP BY currency ORDER BY currency`;
// Two shapes of one query, as on SQLite: with an account, the primary key is the access path.
const ACCOUNT_TOTALS = totalsSql('account_id = @accountId AND');
const ALL_TOTALS = totalsSql('');

const day = (column: string) => `to_char(to_timestamp(${column} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/** The key each source row falls under, per breakdown (see the SQLite adapter: NULL where a source has no such key). */
const KEYS: Record<BreakdownBy, { clicks: string; pageviews: string; orders: string; lines: string; ledger: string }> = {
  day: { clicks: day('c.at'), pageviews: day('p.at'), orders: day('o.ordered_at'), lines: day('o.ordered_at'), ledger: day('e.at') },
  tag: { clicks: 'c.tag', pageviews: 'p.tag', orders: 'o.credited_tag', lines: 'o.credited_tag', ledger: 'e.tag' },
  marketplace: { clicks: 'c.marketplace', pageviews: 'NULL::text', orders: 'o.marketplace', lines: 'o.marketplace', ledger: 'e.marketplace' },
  category: { clicks: 'NULL::text', pageviews: 'NULL::text', orders: 'l.category', lines: 'l.category', ledger: 'l.category' },
  product: { clicks: 'c.product', pageviews: 'NULL::text', orders: 'l.sku', lines: 'l.sku', ledger: 'l.sku' },
  page: { clicks: 'c.page', pageviews: 'p.page', orders: 'oc.page', lines: 'oc.page', ledger: 'oc.page' },
  // An order's sub is the one it inherited from its crediting click (stored on the order).
  sub: { clicks: 'c.sub', pageviews: 'NULL::text', orders: 'o.sub', lines: 'o.sub', ledger: 'o.sub' },
};

function breakdownSql(by: BreakdownBy) {
  const k = KEYS[by];
  const filter = (alias: string, time: string) => `${alias}.${time} BETWEEN @from AND @to AND (@accountId::text IS NULL OR ${alias}.account_id = @accountId)`;
  return {
    clicks: `SELECT ${k.clicks} AS key, count(*) FILTER (WHERE NOT c.bot AND c.registered) AS clicks, count(*) FILTER (WHERE c.bot) AS "botClicks"
      FROM clicks c WHERE ${filter('c', 'at')} AND (@tag::text IS NULL OR c.tag = @tag) AND (@marketplace::text IS NULL OR c.marketplace = @marketplace)
      GROUP BY 1`,
    pageviews: `SELECT ${k.pageviews} AS key, count(*) AS pageviews, coalesce(sum(p.links), 0) AS links
      FROM pageviews p WHERE ${filter('p', 'at')} AND (@tag::text IS NULL OR p.tag = @tag) AND @marketplace::text IS NULL
      GROUP BY 1`,
    orders: `SELECT ${k.orders} AS key, count(DISTINCT o.order_id) AS orders
      FROM orders o LEFT JOIN clicks oc ON oc.id = o.click_id
        ${k.orders.startsWith('l.') ? 'JOIN order_lines l ON l.order_id = o.order_id AND l.attributed' : ''}
      WHERE ${filter('o', 'ordered_at')} AND o.attributed
        AND (@tag::text IS NULL OR o.credited_tag = @tag) AND (@marketplace::text IS NULL OR o.marketplace = @marketplace)
      GROUP BY 1`,
    lines: `SELECT ${k.lines} AS key, o.currency, sum(l.quantity) AS items, coalesce(sum(l.quantity) FILTER (WHERE l.direct), 0) AS direct,
        sum(l.revenue) AS revenue, sum(l.pending) AS pending
      FROM orders o JOIN order_lines l ON l.order_id = o.order_id LEFT JOIN clicks oc ON oc.id = o.click_id
      WHERE ${filter('o', 'ordered_at')} AND l.attributed
        AND (@tag::text IS NULL OR o.credited_tag = @tag) AND (@marketplace::text IS NULL OR o.marketplace = @marketplace)
      GROUP BY 1, 2`,
    // Shipments, returns and a rejected order's reversals (issue 19: earnings on the day recorded, no units).
    ledger: `SELECT ${k.ledger} AS key, e.currency, e.kind, sum(e.quantity) AS quantity, sum(e.amount) AS amount
      FROM ledger_entries e JOIN order_lines l ON l.order_id = e.order_id AND l.line_id = e.line_id
        JOIN orders o ON o.order_id = e.order_id LEFT JOIN clicks oc ON oc.id = o.click_id
      WHERE ${filter('e', 'at')} AND (@tag::text IS NULL OR e.tag = @tag) AND (@marketplace::text IS NULL OR e.marketplace = @marketplace)
      GROUP BY 1, 2, 3`,
  };
}

/** Report reads: sums of what the domain produced (amounts, pending), never re-derived in SQL. */
export function reportStore(sql: Sql): ReportStore {
  const breakdowns = new Map<BreakdownBy, ReturnType<typeof breakdownSql>>();
  return {
    tagMarketplaces: async (scope: ReportScope) => {
      const params = { tag: scope.tag ?? null, marketplace: scope.marketplace ?? null, accountId: scope.accountId ?? null };
      const rows = await sql.all<{ marketplace: string }>(
        `SELECT DISTINCT marketplace FROM tags
         WHERE (@accountId::text IS NULL OR account_id = @accountId) AND (@tag::text IS NULL OR tag = @tag) AND (@marketplace::text IS NULL OR marketplace = @marketplace)
         ORDER BY marketplace`,
        params,
      );
      return rows.map((r) => r.marketplace);
    },
    summaryTotals: async (scope) => {
      const params = { fromDay: dayOf(scope.from), toDay: dayOf(scope.to), tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
      type Row = Record<(typeof COUNTS)[number], number> & { currency: string; revenue: number; pending: number; earnings: number };
      const rows = scope.accountId !== undefined ? await sql.all<Row>(ACCOUNT_TOTALS, { ...params, accountId: scope.accountId }) : await sql.all<Row>(ALL_TOTALS, params);
      const total = empty();
      for (const r of rows) {
        for (const k of COUNTS) total[k] += r[k];
        if (r.currency) total.money.push({ currency: r.currency, revenue: r.revenue, pending: r.pending, earnings: r.earnings });
      }
      return total;
    },
    breakdownTotals: async (by, scope): Promise<KeyedTotals> => {
      let s = breakdowns.get(by);
      if (!s) breakdowns.set(by, (s = breakdownSql(by)));
      const p = { from: scope.from, to: scope.to, accountId: scope.accountId ?? null, tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
      const rows: KeyedTotals = new Map();
      const row = (key: string | null) => {
        let r = rows.get(key);
        if (!r) rows.set(key, (r = empty()));
        return r;
      };
      for (const c of await sql.all<{ key: string | null; clicks: number; botClicks: number }>(s.clicks, p)) Object.assign(row(c.key), { clicks: c.clicks, botClicks: c.botClicks });
      for (const v of await sql.all<{ key: string | null; pageviews: number; links: number }>(s.pageviews, p)) Object.assign(row(v.key), { pageviews: v.pageviews, linkImpressions: v.links });
      for (const o of await sql.all<{ key: string | null; orders: number }>(s.orders, p)) row(o.key).orders = o.orders;
      for (const l of await sql.all<{ key: string | null; currency: string; items: number; direct: number; revenue: number; pending: number }>(s.lines, p)) {
        const r = row(l.key);
        r.itemsOrdered += l.items;
        r.directItems += l.direct;
        r.money.push({ currency: l.currency, revenue: l.revenue, pending: l.pending, earnings: 0 });
      }
      type LedgerRow = { key: string | null; currency: string; kind: string; quantity: number; amount: number };
      for (const e of await sql.all<LedgerRow>(s.ledger, p)) {
        const r = row(e.key);
        if (e.kind === 'shipment') r.itemsShipped += e.quantity;
        else if (e.kind === 'return') r.itemsReturned += e.quantity;
        r.money.push({ currency: e.currency, revenue: 0, pending: 0, earnings: e.amount });
      }
      return rows;
    },
  };
}
