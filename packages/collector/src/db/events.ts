import type { Db } from './database.js';
import { rollupAccumulator, rollupWriter } from './rollups.js';
import type { CartAddRow, ClickQuery, ClickRow, LandingRow, PageviewRow, SuspectClicks, TrackingEvent } from '../storage/port.js';

export type { CartAddRow, ClickQuery, ClickRow, LandingRow, PageviewRow, SuspectClicks, TrackingEvent };

const CLICK_COLUMNS = `id, tag, account_id AS accountId, marketplace, url, product, page, session, via, bot, registered, at, client_at AS clientAt,
  sub, trusted, visible, framed, dwell, visitor`;
type Flag = 'bot' | 'registered' | 'trusted' | 'visible' | 'framed';
type RawClick = Omit<ClickRow, Flag> & { bot: number; registered: number; trusted: number | null; visible: number | null; framed: number | null };
const maybe = (v: number | null): boolean | null => (v === null ? null : v === 1);
const bit = (v: boolean | null | undefined): number | null => (v === undefined || v === null ? null : v ? 1 : 0);
const toClick = (r: RawClick): ClickRow => ({ ...r, bot: r.bot === 1, registered: r.registered === 1, trusted: maybe(r.trusted), visible: maybe(r.visible), framed: maybe(r.framed) });

/** SQL for beacons: clicks, pageviews, landings and cart adds. An event ID is stored once, ever. */
export function eventStore(db: Db) {
  const insert = {
    click: db.prepare(`INSERT INTO clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at,
        sub, trusted, visible, framed, dwell, visitor)
      VALUES (@id, @tag, @accountId, @marketplace, @url, @product, @page, @session, @via, @bot, @registered, @at, @clientAt,
        @sub, @trusted, @visible, @framed, @dwell, @visitor) ON CONFLICT (id) DO NOTHING`),
    pageview: db.prepare(`INSERT INTO pageviews (id, tag, account_id, page, session, links, at, visitor)
      VALUES (@id, @tag, @accountId, @page, @session, @links, @at, @visitor) ON CONFLICT (id) DO NOTHING`),
    landing: db.prepare(`INSERT INTO landings (id, click_id, tag, page, at, visitor) VALUES (@id, @clickId, @tag, @page, @at, @visitor) ON CONFLICT (id) DO NOTHING`),
    cart_add: db.prepare(`INSERT INTO cart_adds (id, click_id, sku, at, visitor) VALUES (@id, @clickId, @sku, @at, @visitor) ON CONFLICT (id) DO NOTHING`),
  };
  const findClick = db.prepare<[string], RawClick>(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE id = ?`);
  const cartAdds = db.prepare<[string], { sku: string; at: number }>('SELECT sku, at FROM cart_adds WHERE click_id = ?');
  const listClicks = db.prepare<Record<string, unknown>, RawClick>(`SELECT ${CLICK_COLUMNS} FROM clicks
    WHERE at BETWEEN @from AND @to
      AND (@accountId IS NULL OR account_id = @accountId)
      AND (@tag IS NULL OR tag = @tag)
      AND (@beforeAt IS NULL OR at < @beforeAt OR (at = @beforeAt AND id < @beforeId))
    ORDER BY at DESC, id DESC LIMIT @limit`);

  // An event ID counts once, ever, whatever its type: each type has its own table.
  const seen = db.prepare<{ id: string }, number>(
    `SELECT 1 FROM clicks WHERE id = @id UNION ALL SELECT 1 FROM pageviews WHERE id = @id
     UNION ALL SELECT 1 FROM landings WHERE id = @id UNION ALL SELECT 1 FROM cart_adds WHERE id = @id LIMIT 1`,
  ).pluck();

  const totals = rollupAccumulator(rollupWriter(db));
  const recordAll = db.transaction((events: readonly TrackingEvent[]): boolean[] => {
    totals.reset();
    const fresh = events.map((e) => {
      const { type, ...rest } = e;
      const row = { ...rest, visitor: rest.visitor ?? null };
      const params = 'bot' in row
        ? { ...row, bot: row.bot ? 1 : 0, registered: row.registered ? 1 : 0, sub: row.sub ?? null, trusted: bit(row.trusted), visible: bit(row.visible), framed: bit(row.framed), dwell: row.dwell ?? null }
        : row;
      const isNew = seen.get({ id: e.id }) === undefined && insert[type].run(params).changes > 0;
      if (isNew && e.type === 'click') {
        totals.add(e, e.bot ? { botClicks: 1 } : e.registered ? { clicks: 1 } : {});
      } else if (isNew && e.type === 'pageview') {
        totals.add({ ...e, marketplace: null }, { pageviews: 1, linkImpressions: e.links });
      }
      return isNew;
    });
    totals.flush();
    return fresh;
  });

  const suspectClicks = db.prepare<Record<string, unknown>, SuspectClicks>(`SELECT c.tag, c.page, c.marketplace AS linkMarketplace,
      t.marketplace AS tagMarketplace, t.account_id AS accountId, max(c.registered = 0 OR t.tag IS NULL) AS unregistered,
      count(*) AS clicks, max(c.at) AS lastSeen
    FROM clicks c LEFT JOIN tags t ON t.tag = c.tag
    WHERE c.at BETWEEN @from AND @to AND c.bot = 0
      AND (c.registered = 0 OR t.tag IS NULL OR (c.marketplace IS NOT NULL AND c.marketplace != t.marketplace))
    GROUP BY c.tag, c.page, c.marketplace
    ORDER BY clicks DESC, c.tag, c.page LIMIT 1000`);
  const tagsWithPrefix = db.prepare<[string, string], { accounts: number; tag: string | null; accountId: string | null }>(
    'SELECT count(DISTINCT account_id) AS accounts, min(tag) AS tag, min(account_id) AS accountId FROM tags WHERE tag >= ? AND tag < ?',
  );

  const purge = {
    clicks: db.prepare('DELETE FROM clicks WHERE rowid IN (SELECT rowid FROM clicks WHERE at < ? LIMIT 5000)'),
    pageviews: db.prepare('DELETE FROM pageviews WHERE rowid IN (SELECT rowid FROM pageviews WHERE at < ? LIMIT 5000)'),
    landings: db.prepare('DELETE FROM landings WHERE rowid IN (SELECT rowid FROM landings WHERE at < ? LIMIT 5000)'),
    cart_adds: db.prepare('DELETE FROM cart_adds WHERE rowid IN (SELECT rowid FROM cart_adds WHERE at < ? LIMIT 5000)'),
  };

  return {
    /**
     * Deletes up to 5,000 raw events of each kind older than `before` (one short transaction,
     * so beacons keep flowing); answers how many went. Per-day totals are untouched, so
     * reports keep their numbers. Call again until it answers 0.
     */
    purgeBefore: (before: number): number =>
      db.transaction(() => Object.values(purge).reduce((n, statement) => n + statement.run(before).changes, 0))(),
    /** Non-bot clicks that earn nothing because of their tag, grouped by tag, page and link marketplace. */
    suspectClicks: (from: number, to: number): SuspectClicks[] => suspectClicks.all({ from, to }),
    /**
     * Registered tags that start with `prefix` (a truncated tag's likely originals): how many
     * accounts own them, the first in sort order, and its owner when only one account does.
     */
    tagsStartingWith: (prefix: string): { accounts: number; firstTag: string | null; accountId: string | null } => {
      const row = tagsWithPrefix.get(prefix, `${prefix}\uffff`);
      return { accounts: row?.accounts ?? 0, firstTag: row?.tag ?? null, accountId: row?.accounts === 1 ? row.accountId : null };
    },
    /** Stores a batch in one transaction; answers, per event, whether it was new. */
    record: (events: readonly TrackingEvent[]): boolean[] => recordAll(events),
    findClick: (id: string): ClickRow | undefined => {
      const r = findClick.get(id);
      return r && toClick(r);
    },
    /** Times of `cart_add` events for a click, by sku. */
    cartAddsFor: (clickId: string): Map<string, number[]> => {
      const bySku = new Map<string, number[]>();
      for (const { sku, at } of cartAdds.all(clickId)) bySku.set(sku, [...(bySku.get(sku) ?? []), at]);
      return bySku;
    },
    listClicks: (q: ClickQuery): ClickRow[] =>
      listClicks
        .all({ from: q.from, to: q.to, accountId: q.accountId ?? null, tag: q.tag ?? null, beforeAt: q.before?.at ?? null, beforeId: q.before?.id ?? null, limit: q.limit })
        .map(toClick),
  };
}
