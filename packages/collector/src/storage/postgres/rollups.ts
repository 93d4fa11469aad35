import type { Sql } from './sql.js';

export interface RollupKey {
  accountId: string | null;
  /** Epoch ms; the UTC day it falls on is the row. */
  at: number;
  tag: string | null;
  marketplace: string | null;
  currency?: string | null;
}

const COLUMNS = {
  clicks: 'clicks', botClicks: 'bot_clicks', pageviews: 'pageviews', linkImpressions: 'link_impressions', orders: 'orders',
  itemsOrdered: 'items_ordered', directItems: 'direct_items', itemsShipped: 'items_shipped', itemsReturned: 'items_returned',
  revenue: 'revenue', pending: 'pending', earnings: 'earnings',
} as const;
export type RollupDeltas = Partial<Record<keyof typeof COLUMNS, number>>;
const FIELDS = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];
const NAMES = Object.values(COLUMNS);

export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** One statement for every row of a batch: arrays unnested, one upsert, sums added to what is there. Parameters `@<prefix>accountId` … */
export const upsertSql = (prefix = ''): string => `INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, ${NAMES.join(', ')})
  SELECT * FROM unnest(@${prefix}accountId::text[], @${prefix}day::date[], @${prefix}tag::text[], @${prefix}marketplace::text[], @${prefix}currency::text[],
    ${FIELDS.map((f) => `@${prefix}${f}::bigint[]`).join(', ')})
  ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET ${NAMES.map((c) => `${c} = daily_totals.${c} + excluded.${c}`).join(', ')}`;
const UPSERT = upsertSql();

/**
 * Per-day totals for one transaction: deltas gathered in memory, one row per distinct key, then
 * written by one upsert in key order (two instances' batches lock the same rows in the same
 * order, so they wait for each other instead of deadlocking). The amounts are the domain's;
 * SQL only adds them up.
 */
export function rollups() {
  const rows = new Map<string, { key: [string, string, string, string, string]; deltas: Record<keyof typeof COLUMNS, number> }>();
  return {
    add(key: RollupKey, deltas: RollupDeltas): void {
      const k: [string, string, string, string, string] = [key.accountId ?? '', dayOf(key.at), key.tag ?? '', key.marketplace ?? '', key.currency ?? ''];
      const id = k.join('\u0000');
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { key: k, deltas: Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<keyof typeof COLUMNS, number> }));
      for (const f of FIELDS) row.deltas[f] += deltas[f] ?? 0;
    },
    /** The rows as the upsert's array parameters (`prefix` before each name), in key order; forgets them. */
    params(prefix = ''): Record<string, unknown[]> {
      const ordered = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
      rows.clear();
      const params: Record<string, unknown[]> = {
        [`${prefix}accountId`]: ordered.map((r) => r.key[0]),
        [`${prefix}day`]: ordered.map((r) => r.key[1]),
        [`${prefix}tag`]: ordered.map((r) => r.key[2]),
        [`${prefix}marketplace`]: ordered.map((r) => r.key[3]),
        [`${prefix}currency`]: ordered.map((r) => r.key[4]),
      };
      for (const f of FIELDS) params[`${prefix}${f}`] = ordered.map((r) => r.deltas[f]);
      return params;
    },
    async flush(sql: Sql): Promise<void> {
      if (rows.size === 0) return;
      await sql.defer(UPSERT, this.params());
    },
  };
}
