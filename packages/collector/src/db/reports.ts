import type { Db } from './database.js';
import { dayOf } from './rollups.js';
import { exactRow } from './exact.js';
import type { MoneyTotals, ReportScope, SummaryTotals } from '../storage/port.js';

export type { MoneyTotals, ReportScope, SummaryTotals };

/**
 * Summaries read the per-day totals (migration 002), so their cost grows with days × tags, not
 * with clicks. Periods are whole UTC days. Filters are optional; a null parameter means "any".
 */
export function reportStore(db: Db) {
  // Two shapes of one query: with an account, the primary key (account_id, day, …) is the
  // access path; "@x IS NULL OR …" alone would keep SQLite from using it.
  const totalsSql = (accountClause: string) => `SELECT currency,
        sum(clicks) AS clicks, sum(bot_clicks) AS botClicks, sum(pageviews) AS pageviews, sum(link_impressions) AS linkImpressions,
        sum(orders) AS orders, sum(items_ordered) AS itemsOrdered, sum(direct_items) AS directItems,
        sum(items_shipped) AS itemsShipped, sum(items_returned) AS itemsReturned,
        sum(revenue) AS revenue, sum(pending) AS pending, sum(earnings) AS earnings
      FROM daily_totals
      WHERE ${accountClause} day BETWEEN @fromDay AND @toDay
        AND (@tag IS NULL OR tag = @tag)
        AND (@marketplace IS NULL OR marketplace = @marketplace)
      GROUP BY currency`;
  type TotalsRow = Omit<SummaryTotals, 'money' | 'currencies'> & { currency: string; revenue: number; pending: number; earnings: number };
  const s = {
    // Sums read as BigInt: see exact.ts.
    accountTotals: db.prepare<Record<string, unknown>, Record<string, unknown>>(totalsSql('account_id = @accountId AND')).safeIntegers(),
    allTotals: db.prepare<Record<string, unknown>, Record<string, unknown>>(totalsSql('')).safeIntegers(),
    accountTagMarketplaces: db.prepare<Record<string, unknown>, { marketplace: string }>(`SELECT DISTINCT marketplace FROM tags
      WHERE account_id = @accountId AND (@tag IS NULL OR tag = @tag) AND (@marketplace IS NULL OR marketplace = @marketplace)`),
    allTagMarketplaces: db.prepare<Record<string, unknown>, { marketplace: string }>(`SELECT DISTINCT marketplace FROM tags
      WHERE (@tag IS NULL OR tag = @tag) AND (@marketplace IS NULL OR marketplace = @marketplace)`),
  };

  return {
    /** Marketplaces the scope holds tags in. */
    tagMarketplaces: (scope: ReportScope): string[] => {
      const params = { tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
      const rows = scope.accountId !== undefined ? s.accountTagMarketplaces.all({ ...params, accountId: scope.accountId }) : s.allTagMarketplaces.all(params);
      return rows.map((r) => r.marketplace);
    },
    summaryTotals: (scope: ReportScope): Omit<SummaryTotals, 'currencies'> => {
      const params = { fromDay: dayOf(scope.from), toDay: dayOf(scope.to), tag: scope.tag ?? null, marketplace: scope.marketplace ?? null };
      const raw = scope.accountId !== undefined ? s.accountTotals.all({ ...params, accountId: scope.accountId }) : s.allTotals.all(params);
      const rows = raw.map((r) => exactRow<TotalsRow>(r));
      const total: Omit<SummaryTotals, 'currencies'> = { clicks: 0, botClicks: 0, pageviews: 0, linkImpressions: 0, orders: 0, itemsOrdered: 0, directItems: 0, itemsShipped: 0, itemsReturned: 0, money: [] };
      for (const r of rows) {
        for (const k of ['clicks', 'botClicks', 'pageviews', 'linkImpressions', 'orders', 'itemsOrdered', 'directItems', 'itemsShipped', 'itemsReturned'] as const) total[k] += r[k];
        if (r.currency) total.money.push({ currency: r.currency, revenue: r.revenue, pending: r.pending, earnings: r.earnings });
      }
      return total;
    },
  };
}
