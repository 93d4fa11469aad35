import type pg from 'pg';
import type { ClickRow, EventStore, SuspectClicks, TrackingEvent } from '../port.js';
import { checkText, type Sql } from './sql.js';
import { rollups } from './rollups.js';
import { groupCommit } from './group-commit.js';
import { purgeEventsBefore } from './partitions.js';
import { storageError } from './faults.js';

const CLICK_COLUMNS = `id, tag, account_id AS "accountId", marketplace, url, product, page, session, via, bot, registered, at, client_at AS "clientAt"`;

/** Each type's insert: the batch's rows of that type as arrays, unnested into one statement. */
const INSERTS = {
  click: {
    sql: `INSERT INTO clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at)
      SELECT * FROM unnest(@id::text[], @tag::text[], @accountId::text[], @marketplace::text[], @url::text[], @product::text[], @page::text[],
        @session::text[], @via::text[], @bot::boolean[], @registered::boolean[], @at::bigint[], @clientAt::bigint[])`,
    fields: ['id', 'tag', 'accountId', 'marketplace', 'url', 'product', 'page', 'session', 'via', 'bot', 'registered', 'at', 'clientAt'],
  },
  pageview: {
    sql: `INSERT INTO pageviews (id, tag, account_id, page, session, links, at)
      SELECT * FROM unnest(@id::text[], @tag::text[], @accountId::text[], @page::text[], @session::text[], @links::integer[], @at::bigint[])`,
    fields: ['id', 'tag', 'accountId', 'page', 'session', 'links', 'at'],
  },
  landing: {
    sql: `INSERT INTO landings (id, click_id, tag, page, at) SELECT * FROM unnest(@id::text[], @clickId::text[], @tag::text[], @page::text[], @at::bigint[])`,
    fields: ['id', 'clickId', 'tag', 'page', 'at'],
  },
  cart_add: {
    sql: `INSERT INTO cart_adds (id, click_id, sku, at) SELECT * FROM unnest(@id::text[], @clickId::text[], @sku::text[], @at::bigint[])`,
    fields: ['id', 'clickId', 'sku', 'at'],
  },
} as const;

/** Refuses, before it joins anyone's batch, an event PostgreSQL could not store (U+0000 in a text field). */
function checkEvent(e: TrackingEvent): void {
  for (const [field, value] of Object.entries(e)) checkText(field, value);
}

/**
 * Stores a batch in the caller's transaction: the ids first (the unpartitioned `event_ids`
 * decides what is new, also against another instance inserting the same id at the same
 * moment: the second waits on the unique index and finds it taken), then the new events of
 * each type in one multi-row insert, then the per-day totals. Answers, per event, whether it was new.
 */
async function recordIn(sql: Sql, events: readonly TrackingEvent[]): Promise<boolean[]> {
  if (events.length === 0) return [];
  const first = new Map<string, number>();
  events.forEach((e, i) => first.has(e.id) || first.set(e.id, i));
  // Sorted, so two instances' batches take the id locks in the same order.
  const ids = [...first.keys()].sort();
  const ats = ids.map((id) => events[first.get(id)!]!.at);
  const taken = await sql.all<{ id: string }>('INSERT INTO event_ids (id, at) SELECT * FROM unnest(@ids::text[], @ats::bigint[]) ON CONFLICT (id) DO NOTHING RETURNING id', { ids, ats });
  const fresh = new Set(taken.map((r) => r.id));
  const isNew = events.map((e, i) => fresh.has(e.id) && first.get(e.id) === i);

  const totals = rollups();
  const byType = new Map<TrackingEvent['type'], TrackingEvent[]>();
  events.forEach((e, i) => {
    if (!isNew[i]) return;
    let list = byType.get(e.type);
    if (!list) byType.set(e.type, (list = []));
    list.push(e);
    if (e.type === 'click') totals.add(e, e.bot ? { botClicks: 1 } : e.registered ? { clicks: 1 } : {});
    else if (e.type === 'pageview') totals.add({ ...e, marketplace: null }, { pageviews: 1, linkImpressions: e.links });
  });
  for (const [type, rows] of byType) {
    const { sql: text, fields } = INSERTS[type];
    const params: Record<string, unknown[]> = {};
    for (const f of fields) params[f] = rows.map((r) => (r as unknown as Record<string, unknown>)[f] ?? null);
    await sql.run(text, params);
  }
  await totals.flush(sql);
  return isNew;
}

/** SQL for beacons: clicks, pageviews, landings and cart adds. An event ID is stored once, ever. */
export function eventStore(sql: Sql, pool: pg.Pool, options: { inTransaction: boolean }): EventStore {
  const record = (events: readonly TrackingEvent[]) => {
    events.forEach(checkEvent);
    return sql.atomic((tx) => recordIn(tx, events));
  };
  // Inside a caller's transaction there is nothing to group: the events commit with it.
  const soon = options.inTransaction ? record : groupCommit((events: TrackingEvent[]) => sql.atomic((tx) => recordIn(tx, events)));
  return {
    purgeBefore: async (before) => {
      try {
        return await purgeEventsBefore(pool, before);
      } catch (error) {
        throw storageError(error);
      }
    },
    suspectClicks: (from, to) =>
      sql.all<SuspectClicks>(
        `SELECT c.tag, c.page, c.marketplace AS "linkMarketplace", t.marketplace AS "tagMarketplace", t.account_id AS "accountId",
          max(CASE WHEN NOT c.registered OR t.tag IS NULL THEN 1 ELSE 0 END) AS unregistered,
          count(*)::int AS clicks, max(c.at) AS "lastSeen"
        FROM clicks c LEFT JOIN tags t ON t.tag = c.tag
        WHERE c.at BETWEEN @from AND @to AND NOT c.bot
          AND (NOT c.registered OR t.tag IS NULL OR (c.marketplace IS NOT NULL AND c.marketplace <> t.marketplace))
        GROUP BY c.tag, c.page, c.marketplace, t.marketplace, t.account_id
        ORDER BY clicks DESC, c.tag, c.page NULLS FIRST LIMIT 1000`,
        { from, to },
      ),
    tagsStartingWith: async (prefix) => {
      const row = await sql.get<{ accounts: number; tag: string | null; accountId: string | null }>(
        'SELECT count(DISTINCT account_id)::int AS accounts, min(tag) AS tag, min(account_id) AS "accountId" FROM tags WHERE tag >= @lo AND tag < @hi',
        { lo: prefix, hi: `${prefix}\uffff` },
      );
      return { accounts: row?.accounts ?? 0, firstTag: row?.tag ?? null, accountId: row?.accounts === 1 ? row.accountId : null };
    },
    record: async (events) => record(events),
    recordSoon: async (events) => {
      events.forEach(checkEvent);
      return soon(events);
    },
    findClick: (id) => sql.get<ClickRow>(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE id = @id LIMIT 1`, { id }),
    cartAddsFor: async (clickId) => {
      const bySku = new Map<string, number[]>();
      for (const { sku, at } of await sql.all<{ sku: string; at: number }>('SELECT sku, at FROM cart_adds WHERE click_id = @clickId ORDER BY sku, at', { clickId })) {
        let times = bySku.get(sku);
        if (!times) bySku.set(sku, (times = []));
        times.push(at);
      }
      return bySku;
    },
    listClicks: (q) =>
      sql.all<ClickRow>(
        `SELECT ${CLICK_COLUMNS} FROM clicks
        WHERE at BETWEEN @from AND @to
          AND (@accountId::text IS NULL OR account_id = @accountId)
          AND (@tag::text IS NULL OR tag = @tag)
          AND (@beforeAt::bigint IS NULL OR at < @beforeAt OR (at = @beforeAt AND id < @beforeId))
        ORDER BY at DESC, id DESC LIMIT @limit`,
        { from: q.from, to: q.to, accountId: q.accountId ?? null, tag: q.tag ?? null, beforeAt: q.before?.at ?? null, beforeId: q.before?.id ?? null, limit: q.limit },
      ),
  };
}
