import type { DeliveryRow, LedgerEntryRow, OrderEventRow, OrderLineRow, OrderRow, OrderStore } from '../port.js';
import type { Sql } from './sql.js';
import { rollups, upsertSql } from './rollups.js';
import { lineRevenue } from '../../domain/money.js';
import { appendToChains } from '../../domain/ledger-chain.js';
import type { LineEntry } from '../../domain/reversals.js';
import { chainParams, HEADS_JSON, headMap, LINE_ENTRY_JSON, storeLinks, type HeadJson } from './ledger-chain.js';

const ORDER_COLUMNS = `order_id AS "orderId", marketplace, currency, ordered_at AS "orderedAt", content_hash AS "contentHash", request,
  attributed, rule, click_id AS "clickId", tag, credited_tag AS "creditedTag", account_id AS "accountId",
  unverified_referral AS "unverifiedReferral", sub, response, received_at AS "receivedAt"`;
const LINE_COLUMNS = `order_id AS "orderId", line_id AS "lineId", position, sku, name, category, quantity, unit_amount AS "unitAmount",
  cart_added_at AS "cartAddedAt", attributed, direct, reason, rate_bp AS "rateBp", commission, pending, cancelled, shipped, returned`;

const LINE_FIELDS = ['orderId', 'lineId', 'position', 'sku', 'name', 'category', 'quantity', 'unitAmount', 'cartAddedAt', 'attributed', 'direct', 'reason', 'rateBp', 'commission', 'pending', 'cancelled', 'shipped', 'returned'] as const;
const INSERT_ORDER = `WITH o AS (
    INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag,
      credited_tag, account_id, unverified_referral, sub, response, received_at)
    VALUES (@orderId, @marketplace, @currency, @orderedAt, @contentHash, @request, @attributed, @rule, @clickId, @tag,
      @creditedTag, @accountId, @unverifiedReferral, @sub, @response, @receivedAt)
  ), l AS (
    INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at,
      attributed, direct, reason, rate_bp, commission, pending, cancelled, shipped, returned, revenue)
    SELECT * FROM unnest(@l_orderId::text[], @l_lineId::text[], @l_position::integer[], @l_sku::text[], @l_name::text[], @l_category::text[], @l_quantity::bigint[],
      @l_unitAmount::bigint[], @l_cartAddedAt::bigint[], @l_attributed::boolean[], @l_direct::boolean[], @l_reason::text[], @l_rateBp::bigint[], @l_commission::bigint[],
      @l_pending::bigint[], @l_cancelled::bigint[], @l_shipped::bigint[], @l_returned::bigint[], @l_revenue::bigint[])
  ), t AS (
    ${upsertSql('t_')}
  )
  SELECT 1`;
const prefixed = (prefix: string, params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).map(([k, v]) => [`${prefix}${k}`, v]));

const ENTRY_FIELDS = ['id', 'orderId', 'lineId', 'accountId', 'tag', 'marketplace', 'currency', 'kind', 'quantity', 'amount', 'at'] as const;
const INSERT_ENTRIES = `INSERT INTO ledger_entries (event_id, id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
  SELECT @eventId::bigint, * FROM unnest(@id::bigint[], @orderId::text[], @lineId::text[], @accountId::text[], @tag::text[], @marketplace::text[], @currency::text[],
    @kind::text[], @quantity::bigint[], @amount::bigint[], @at::bigint[])`;
const INSERT_EVENT = 'INSERT INTO order_events (order_id, type, at, items, received_at) VALUES (@orderId, @type, @at, @items, @receivedAt) RETURNING id';
/**
 * The event, and for its ledger entries (under their chains' locks, which the caller took with an
 * earlier statement: this one then goes as a prepared statement, its plan kept): the chains' heads, the entries' ids (one `nextval` each) and, for returns, the order's
 * entries so far (what a return reverses). One round trip, as the event alone was.
 */
const INSERT_EVENT_FOR_CHAIN = `WITH ev AS (${INSERT_EVENT})
  SELECT (SELECT id FROM ev) AS id,
    ${HEADS_JSON} AS heads,
    (SELECT json_agg(nextval(pg_get_serial_sequence('ledger_entries', 'id'))) FROM generate_series(1, @count::integer)) AS ids,
    CASE WHEN @withReturns::boolean THEN (SELECT json_agg(${LINE_ENTRY_JSON}) FROM ledger_entries e WHERE e.order_id = @orderId) END AS earlier`;

const columns = <T extends object>(rows: readonly T[], fields: readonly (keyof T & string)[]) =>
  Object.fromEntries(fields.map((f) => [f, rows.map((r) => r[f] ?? null)]));

/** SQL for orders, their lines, lifecycle events and the append-only ledger. */
export function orderStore(sql: Sql): OrderStore {
  return {
    delivery: (webhookId) =>
      sql.get<DeliveryRow>('SELECT status, response, path, content_hash AS "contentHash" FROM webhook_deliveries WHERE webhook_id = @webhookId', { webhookId }),
    putDelivery: async (d) => {
      await sql.defer(
        `INSERT INTO webhook_deliveries (webhook_id, status, response, received_at, path, content_hash)
         VALUES (@webhookId, @status, @response, @at, @path, @contentHash) ON CONFLICT (webhook_id) DO NOTHING`,
        { ...d },
      );
    },
    findOrder: (orderId) => sql.get<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = @orderId`, { orderId }),
    // One statement: the order, its lines and its per-day totals (the domain's amounts, summed in TypeScript).
    insertOrder: async (order, lines) => {
      const totals = rollups();
      if (order.attributed) {
        const credited = lines.filter((l) => l.attributed);
        totals.add(
          { accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency },
          {
            orders: 1,
            itemsOrdered: credited.reduce((n, l) => n + l.quantity, 0),
            directItems: credited.reduce((n, l) => n + (l.direct ? l.quantity : 0), 0),
            revenue: credited.reduce((n, l) => n + lineRevenue(l), 0),
            pending: credited.reduce((n, l) => n + l.pending, 0),
          },
        );
      }
      // Each line's revenue as the domain states it, stored so breakdowns only sum it.
      const lineColumns = { ...columns(lines, LINE_FIELDS), revenue: lines.map((l) => lineRevenue(l)) };
      await sql.defer(INSERT_ORDER, { ...order, sub: order.sub ?? null, ...prefixed('l_', lineColumns), ...totals.params('t_') });
    },
    lines: (orderId) => sql.all<OrderLineRow>(`SELECT ${LINE_COLUMNS} FROM order_lines WHERE order_id = @orderId ORDER BY position`, { orderId }),
    events: (orderId) =>
      sql.all<OrderEventRow>('SELECT id, order_id AS "orderId", type, at, items, received_at AS "receivedAt" FROM order_events WHERE order_id = @orderId ORDER BY id', { orderId }),
    entries: (orderId) =>
      sql.all<LedgerEntryRow>(
        `SELECT id, event_id AS "eventId", order_id AS "orderId", line_id AS "lineId", account_id AS "accountId", tag,
          marketplace, currency, kind, quantity, amount, at FROM ledger_entries WHERE order_id = @orderId ORDER BY id`,
        { orderId },
      ),
    appendEvent: (order, event, lines, entries, pendingChange) =>
      sql.atomic(async (tx) => {
        let eventId: number;
        if (entries.length === 0) {
          eventId = (await tx.get<{ id: number }>(INSERT_EVENT, { ...event }))!.id;
        } else {
          // The caller holds the chains' locks (`chainLockName`): ids, head and links in commit order.
          const row = (await tx.get<{ id: number; heads: HeadJson[] | null; ids: number[]; earlier: LineEntry[] | null }>(INSERT_EVENT_FOR_CHAIN, {
            ...event, ...chainParams(entries.map((e) => ({ account: e.accountId, currency: e.currency }))), count: entries.length,
            withReturns: entries.some((e) => e.kind === 'return'),
          }))!;
          eventId = row.id;
          const ids = [...row.ids].sort((a, b) => a - b);
          const stored = entries.map((e, i) => ({ ...e, id: ids[i]! }));
          const { linked } = appendToChains(
            stored.map((e) => ({ id: e.id, account: e.accountId, currency: e.currency, kind: e.kind, amount: e.amount, quantity: e.quantity, orderId: e.orderId, lineId: e.lineId, recordedAt: event.receivedAt })),
            headMap(row.heads),
            row.earlier ?? [],
          );
          await tx.defer(INSERT_ENTRIES, { eventId, ...columns(stored, ENTRY_FIELDS) });
          await storeLinks(tx, linked);
        }
        for (const l of lines) {
          await tx.defer(
            'UPDATE order_lines SET cancelled = @cancelled, shipped = @shipped, returned = @returned, pending = @pending WHERE order_id = @orderId AND line_id = @lineId',
            { orderId: event.orderId, lineId: l.lineId, cancelled: l.cancelled, shipped: l.shipped, returned: l.returned, pending: l.pending },
          );
        }
        const totals = rollups();
        for (const e of entries) totals.add(e, { earnings: e.amount, [e.kind === 'return' ? 'itemsReturned' : 'itemsShipped']: e.quantity });
        if (pendingChange !== 0 && order.attributed) {
          totals.add({ accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency }, { pending: pendingChange });
        }
        await totals.flush(tx);
        return eventId;
      }),
    listOrders: (q) =>
      sql.all<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders
        WHERE ordered_at BETWEEN @from AND @to
          AND (@accountId::text IS NULL OR account_id = @accountId)
          AND (@tag::text IS NULL OR tag = @tag OR credited_tag = @tag)
          AND (@beforeAt::bigint IS NULL OR ordered_at < @beforeAt OR (ordered_at = @beforeAt AND order_id < @beforeId))
        ORDER BY ordered_at DESC, order_id DESC LIMIT @limit`,
        { from: q.from, to: q.to, accountId: q.accountId ?? null, tag: q.tag ?? null, beforeAt: q.before?.at ?? null, beforeId: q.before?.id ?? null, limit: q.limit },
      ),
  };
}
