import type Database from 'better-sqlite3';

type Db = Database.Database;

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

/**
 * Collects deltas in memory and writes one upsert per distinct row: a batch of beacons for the
 * same tag and day becomes one write instead of one per click. Run `flush` inside the batch's
 * transaction.
 */
export function rollupAccumulator(bump: ReturnType<typeof rollupWriter>) {
  const rows = new Map<string, { key: RollupKey; deltas: Required<RollupDeltas> }>();
  return {
    add(key: RollupKey, deltas: RollupDeltas): void {
      const id = `${key.accountId ?? ''}\u0000${dayOf(key.at)}\u0000${key.tag ?? ''}\u0000${key.marketplace ?? ''}\u0000${key.currency ?? ''}`;
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { key, deltas: { clicks: 0, botClicks: 0, pageviews: 0, linkImpressions: 0, orders: 0, itemsOrdered: 0, directItems: 0, itemsShipped: 0, itemsReturned: 0, revenue: 0, pending: 0, earnings: 0 } }));
      for (const k of Object.keys(deltas) as (keyof RollupDeltas)[]) row.deltas[k] += deltas[k] ?? 0;
    },
    flush(): void {
      for (const { key, deltas } of rows.values()) bump(key, deltas);
      rows.clear();
    },
    /** Forgets what was added (a transaction that failed before its flush). */
    reset(): void {
      rows.clear();
    },
  };
}

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
