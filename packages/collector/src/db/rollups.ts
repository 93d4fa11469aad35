import type { Db } from './database.js';

export interface RollupKey {
  accountId: string | null;
  /** Epoch ms; the UTC day it falls on is the row. */
  at: number;
  tag: string | null;
  marketplace: string | null;
  currency?: string | null;
}

export interface RollupDeltas {
  clicks?: number;
  botClicks?: number;
  pageviews?: number;
  linkImpressions?: number;
  orders?: number;
  itemsOrdered?: number;
  directItems?: number;
  itemsShipped?: number;
  itemsReturned?: number;
  revenue?: number;
  pending?: number;
  earnings?: number;
}

const COLUMNS = {
  clicks: 'clicks', botClicks: 'bot_clicks', pageviews: 'pageviews', linkImpressions: 'link_impressions', orders: 'orders',
  itemsOrdered: 'items_ordered', directItems: 'direct_items', itemsShipped: 'items_shipped', itemsReturned: 'items_returned',
  revenue: 'revenue', pending: 'pending', earnings: 'earnings',
} as const satisfies Record<keyof RollupDeltas, string>;

export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** Adds to the per-day totals (migration 002). Callers run it inside their write's transaction. */
export function rollupWriter(db: Db) {
  const names = Object.values(COLUMNS);
  const upsert = db.prepare(`INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, ${names.join(', ')})
    VALUES (@accountId, @day, @tag, @marketplace, @currency, ${Object.keys(COLUMNS).map((k) => `@${k}`).join(', ')})
    ON CONFLICT DO UPDATE SET ${names.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`);
  return (key: RollupKey, deltas: RollupDeltas): void => {
    const row: Record<string, string | number> = {
      accountId: key.accountId ?? '', day: dayOf(key.at), tag: key.tag ?? '', marketplace: key.marketplace ?? '', currency: key.currency ?? '',
    };
    for (const k of Object.keys(COLUMNS) as (keyof RollupDeltas)[]) row[k] = deltas[k] ?? 0;
    upsert.run(row);
  };
}
