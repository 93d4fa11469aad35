import type pg from 'pg';
import type { ClickRow, EventStore, SuspectClicks, TagRow, TrackingEvent } from '../port.js';
import { checkText, type Sql } from './sql.js';
import { dayOf } from './rollups.js';
import { groupCommit } from './group-commit.js';
import { purgeEventsBefore } from './partitions.js';
import { storageError } from './faults.js';

const CLICK_COLUMNS = `id, tag, account_id AS "accountId", marketplace, url, product, page, session, via, bot, registered, at, client_at AS "clientAt",
  sub, trusted, visible, framed, dwell, visitor`;

/**
 * A click (all NULL when there is none with an event_ids row) with what an order asks next, in
 * one statement: its cart adds as [sku, at] pairs by sku then time, its tag's row (NULL for an
 * unregistered tag), and how many attributed orders came through it.
 */
const CLICK_FOR_ORDER = `SELECT c.*, (SELECT coalesce(json_agg(json_build_array(ca.sku, ca.at) ORDER BY ca.sku, ca.at), '[]'::json)
    FROM cart_adds ca WHERE ca.click_id = @id) AS "cartAdds",
    t.account_id AS "tagAccountId", t.marketplace AS "tagMarketplace", t.created_at AS "tagCreatedAt",
    (SELECT count(*) FROM orders o WHERE o.click_id = c.id AND o.attributed) AS "ordersThroughClick"
  FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT ${CLICK_COLUMNS} FROM clicks WHERE id = @id AND at = (SELECT at FROM event_ids WHERE id = @id) LIMIT 1) c ON true
    LEFT JOIN tags t ON t.tag = c.tag`;

/**
 * What a statement inside a transaction read ahead for another store of the same transaction
 * (the order path: the click's attributed orders, for the velocity rule), by click id; each
 * answer is used once.
 */
export interface ReadAhead { ordersThroughClick: Map<string, number> }

/** Each type's columns, as the batch's arrays: `@c_id`, `@c_tag`, … (one array per column, one element per new-candidate event). */
const TYPES = {
  click: { prefix: 'c', fields: ['id', 'tag', 'accountId', 'marketplace', 'url', 'product', 'page', 'session', 'via', 'bot', 'registered', 'at', 'clientAt', 'sub', 'trusted', 'visible', 'framed', 'dwell', 'visitor'] },
  pageview: { prefix: 'p', fields: ['id', 'tag', 'accountId', 'page', 'session', 'links', 'at', 'visitor'] },
  landing: { prefix: 'l', fields: ['id', 'clickId', 'tag', 'page', 'at', 'visitor'] },
  cart_add: { prefix: 'a', fields: ['id', 'clickId', 'sku', 'at', 'visitor'] },
} as const;

/** Each type's insert, taking only the ids `fresh` returned (the arrays are `@<prefix>_<field>`). */
const INSERTS = {
  click: `c AS (
    INSERT INTO clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at, sub, trusted, visible, framed, dwell, visitor)
    SELECT * FROM unnest(@c_id::text[], @c_tag::text[], @c_accountId::text[], @c_marketplace::text[], @c_url::text[], @c_product::text[], @c_page::text[],
      @c_session::text[], @c_via::text[], @c_bot::boolean[], @c_registered::boolean[], @c_at::bigint[], @c_clientAt::bigint[],
      @c_sub::text[], @c_trusted::boolean[], @c_visible::boolean[], @c_framed::boolean[], @c_dwell::integer[], @c_visitor::text[])
      AS x(id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at, sub, trusted, visible, framed, dwell, visitor)
    WHERE x.id IN (SELECT id FROM fresh)
  )`,
  pageview: `p AS (
    INSERT INTO pageviews (id, tag, account_id, page, session, links, at, visitor)
    SELECT * FROM unnest(@p_id::text[], @p_tag::text[], @p_accountId::text[], @p_page::text[], @p_session::text[], @p_links::integer[], @p_at::bigint[], @p_visitor::text[])
      AS x(id, tag, account_id, page, session, links, at, visitor)
    WHERE x.id IN (SELECT id FROM fresh)
  )`,
  landing: `l AS (
    INSERT INTO landings (id, click_id, tag, page, at, visitor)
    SELECT * FROM unnest(@l_id::text[], @l_clickId::text[], @l_tag::text[], @l_page::text[], @l_at::bigint[], @l_visitor::text[]) AS x(id, click_id, tag, page, at, visitor)
    WHERE x.id IN (SELECT id FROM fresh)
  )`,
  cart_add: `a AS (
    INSERT INTO cart_adds (id, click_id, sku, at, visitor)
    SELECT * FROM unnest(@a_id::text[], @a_clickId::text[], @a_sku::text[], @a_at::bigint[], @a_visitor::text[]) AS x(id, click_id, sku, at, visitor)
    WHERE x.id IN (SELECT id FROM fresh)
  )`,
} as const;

/** The per-day totals' rows of the batch's fresh clicks and pageviews. */
const TOTAL_ROWS = {
  click: `SELECT coalesce(k.account_id, '') AS account_id, k.day, k.tag, coalesce(k.marketplace, '') AS marketplace,
        (NOT k.bot AND k.registered)::int AS clicks, k.bot::int AS bot_clicks, 0 AS pageviews, 0 AS links
      FROM unnest(@c_id::text[], @c_tag::text[], @c_accountId::text[], @c_marketplace::text[], @c_bot::boolean[], @c_registered::boolean[], @c_day::date[])
        AS k(id, tag, account_id, marketplace, bot, registered, day)
      WHERE k.id IN (SELECT id FROM fresh)`,
  pageview: `SELECT coalesce(v.account_id, '') AS account_id, v.day, v.tag, '' AS marketplace, 0 AS clicks, 0 AS bot_clicks, 1 AS pageviews, v.links
      FROM unnest(@p_id::text[], @p_tag::text[], @p_accountId::text[], @p_links::integer[], @p_day::date[]) AS v(id, tag, account_id, links, day)
      WHERE v.id IN (SELECT id FROM fresh)`,
} as const;

type EventType = TrackingEvent['type'];
const recordStatements = new Map<string, string>();

/**
 * A whole batch in one statement (so outside a caller's transaction it is its own transaction:
 * one round trip per group commit instead of five), with an insert for each event type the batch
 * holds and nothing for the others (a batch of clicks alone is the usual one). `fresh` inserts
 * the ids into the unpartitioned `event_ids` and returns those that were not there (another
 * instance inserting the same id at the same moment makes this one wait on the index entry, then
 * skip it); each type's insert and the per-day totals take only those. The totals' keys (the UTC
 * day included) come from TypeScript as on SQLite; SQL counts events, no amounts.
 */
function recordStatement(types: ReadonlySet<EventType>): string {
  const key = (['click', 'pageview', 'landing', 'cart_add'] as const).filter((t) => types.has(t)).join(',');
  let text = recordStatements.get(key);
  if (text) return text;
  const ctes = ['fresh AS (\n    INSERT INTO event_ids (id, at) SELECT * FROM unnest(@ids::text[], @ats::bigint[]) ON CONFLICT (id) DO NOTHING RETURNING id\n  )'];
  for (const t of ['click', 'pageview', 'landing', 'cart_add'] as const) if (types.has(t)) ctes.push(INSERTS[t]);
  const totals = (['click', 'pageview'] as const).filter((t) => types.has(t)).map((t) => TOTAL_ROWS[t]);
  if (totals.length > 0) {
    ctes.push(`totals AS (
    INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, clicks, bot_clicks, pageviews, link_impressions)
    SELECT account_id, day, tag, marketplace, '', sum(clicks), sum(bot_clicks), sum(pageviews), sum(links) FROM (
      ${totals.join('\n      UNION ALL\n      ')}
    ) d GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET clicks = daily_totals.clicks + excluded.clicks,
      bot_clicks = daily_totals.bot_clicks + excluded.bot_clicks, pageviews = daily_totals.pageviews + excluded.pageviews,
      link_impressions = daily_totals.link_impressions + excluded.link_impressions
  )`);
  }
  text = `WITH ${ctes.join(', ')}\n  SELECT id FROM fresh`;
  recordStatements.set(key, text);
  return text;
}

/** Refuses, before it joins anyone's batch, an event PostgreSQL could not store (U+0000 in a text field). */
function checkEvent(e: TrackingEvent): void {
  for (const [field, value] of Object.entries(e)) checkText(field, value);
}

/**
 * Stores a batch (in the caller's transaction, or as one statement of its own) and answers, per
 * event, whether it was new: an id already stored, or met earlier in the same batch, is not.
 */
async function recordIn(sql: Sql, events: readonly TrackingEvent[]): Promise<boolean[]> {
  if (events.length === 0) return [];
  const first = new Map<string, number>();
  events.forEach((e, i) => first.has(e.id) || first.set(e.id, i));
  // Sorted, so two instances' batches take the id locks in the same order.
  const ids = [...first.keys()].sort();
  const candidates = ids.map((id) => events[first.get(id)!]!);
  const types = new Set(candidates.map((e) => e.type));
  const params: Record<string, unknown[]> = { ids, ats: candidates.map((e) => e.at), c_day: [], p_day: [] };
  for (const [type, { prefix, fields }] of Object.entries(TYPES)) if (types.has(type as EventType)) for (const f of fields) params[`${prefix}_${f}`] = [];
  for (const e of candidates) {
    const { prefix, fields } = TYPES[e.type];
    const row = e as unknown as Record<string, unknown>;
    for (const f of fields) params[`${prefix}_${f}`]!.push(row[f] ?? null);
    if (e.type === 'click') params.c_day!.push(dayOf(e.at));
    else if (e.type === 'pageview') params.p_day!.push(dayOf(e.at));
  }
  const fresh = new Set((await sql.all<{ id: string }>(recordStatement(types), params)).map((r) => r.id));
  return events.map((e, i) => fresh.has(e.id) && first.get(e.id) === i);
}

/** SQL for beacons: clicks, pageviews, landings and cart adds. An event ID is stored once, ever. */
export function eventStore(sql: Sql, pool: pg.Pool, options: { inTransaction: boolean; known: Map<string, TagRow>; ahead?: ReadAhead | undefined }): EventStore {
  const record = (events: readonly TrackingEvent[]) => {
    events.forEach(checkEvent);
    return recordIn(sql, events);
  };
  // Inside a caller's transaction there is nothing to group: the events commit with it. One batch
  // in flight: a batch costs the database about 0.7 ms of CPU whatever its size, plus ~30 µs an
  // event, so fewer, larger batches leave more CPU to everything else (on the 2-core bench machine,
  // against two in flight: 20–41 % less database CPU per beacon; README.md here).
  const soon = options.inTransaction ? record : groupCommit((events: TrackingEvent[]) => recordIn(sql, events), 1);
  /** Cart adds read with a click inside this transaction (`findClick`), by click id, for `cartAddsFor`. */
  const prefetched = new Map<string, Map<string, number[]>>();
  /**
   * Clicks read inside this transaction (found or not), by id: the order path asks for its click
   * for attribution and again for the integrity rules; the second answer needs no round trip.
   */
  const clicksRead = new Map<string, Promise<ClickRow | undefined>>();
  // The click's time from event_ids first: the executor then reads one month's partition,
  // not every month's index. A click stored without its id row (none should be) is still found.
  const findClick = async (id: string): Promise<ClickRow | undefined> => {
    if (options.inTransaction) {
      // An order asks for the click's cart adds, its tag and its earlier orders next: read in the
      // same statement (one round trip). Tags never change once added: the adapter keeps them.
      const row = await sql.get<ClickRow & { cartAdds: [string, number][]; tagAccountId: string | null; tagMarketplace: string | null; tagCreatedAt: number | null; ordersThroughClick: number | null }>(CLICK_FOR_ORDER, { id });
      const { cartAdds, tagAccountId, tagMarketplace, tagCreatedAt, ordersThroughClick, ...click } = row!;
      if (click.id !== null && tagAccountId !== null && !options.known.has(click.tag)) {
        options.known.set(click.tag, { tag: click.tag, accountId: tagAccountId, marketplace: tagMarketplace!, createdAt: tagCreatedAt! });
      }
      if (click.id !== null && ordersThroughClick !== null) options.ahead?.ordersThroughClick.set(click.id, ordersThroughClick);
      const bySku = new Map<string, number[]>();
      for (const [sku, at] of cartAdds) {
        let times = bySku.get(sku);
        if (!times) bySku.set(sku, (times = []));
        times.push(at);
      }
      prefetched.set(id, bySku);
      if (click.id !== null) return click as ClickRow;
    } else {
      const click = await sql.get<ClickRow>(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE id = @id AND at = (SELECT at FROM event_ids WHERE id = @id) LIMIT 1`, { id });
      if (click) return click;
    }
    return sql.get<ClickRow>(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE id = @id LIMIT 1`, { id });
  };
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
    findClick: (id) => {
      if (!options.inTransaction) return findClick(id);
      let read = clicksRead.get(id);
      if (!read) {
        clicksRead.set(id, (read = findClick(id)));
        read.catch(() => clicksRead.delete(id));
      }
      return read;
    },
    cartAddsFor: async (clickId) => {
      const known = prefetched.get(clickId);
      if (known) {
        prefetched.delete(clickId);
        return known;
      }
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
