import type { Db } from './database.js';
import type { DeliveryRow, LedgerEntryRow, LineUpdate, NewDelivery, OrderEventRow, OrderLineRow, OrderQuery, OrderRow } from '../storage/port.js';
import { rollupWriter } from './rollups.js';
import { lineRevenue } from '../domain/money.js';
import { chainWriter } from './ledger-chain.js';

export type { DeliveryRow, LedgerEntryRow, OrderEventRow, OrderLineRow, OrderQuery, OrderRow };

const ORDER_COLUMNS = `order_id AS orderId, marketplace, currency, ordered_at AS orderedAt, content_hash AS contentHash, request,
  attributed, rule, click_id AS clickId, tag, credited_tag AS creditedTag, account_id AS accountId,
  unverified_referral AS unverifiedReferral, sub, response, received_at AS receivedAt`;
const LINE_COLUMNS = `order_id AS orderId, line_id AS lineId, position, sku, name, category, quantity, unit_amount AS unitAmount,
  cart_added_at AS cartAddedAt, attributed, direct, reason, rate_bp AS rateBp, commission, cancelled, shipped, returned, pending`;

type Raw<T> = { [K in keyof T]: T[K] extends boolean ? number : T[K] };
const toOrder = (r: Raw<OrderRow>): OrderRow => ({ ...r, attributed: r.attributed === 1, unverifiedReferral: r.unverifiedReferral === 1 });
const toLine = (r: Raw<OrderLineRow>): OrderLineRow => ({ ...r, attributed: r.attributed === 1, direct: r.direct === 1 });
const flags = <T extends object>(row: T) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : v]));

/** SQL for orders, their lines, lifecycle events and the append-only ledger. */
export function orderStore(db: Db) {
  const s = {
    delivery: db.prepare<[string], DeliveryRow>('SELECT status, response, path, content_hash AS contentHash FROM webhook_deliveries WHERE webhook_id = ?'),
    putDelivery: db.prepare(`INSERT INTO webhook_deliveries (webhook_id, status, response, received_at, path, content_hash)
      VALUES (@webhookId, @status, @response, @at, @path, @contentHash) ON CONFLICT (webhook_id) DO NOTHING`),
    order: db.prepare<[string], Raw<OrderRow>>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = ?`),
    insertOrder: db.prepare(`INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag,
      credited_tag, account_id, unverified_referral, sub, response, received_at)
      VALUES (@orderId, @marketplace, @currency, @orderedAt, @contentHash, @request, @attributed, @rule, @clickId, @tag,
      @creditedTag, @accountId, @unverifiedReferral, @sub, @response, @receivedAt)`),
    insertLine: db.prepare(`INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at,
      attributed, direct, reason, rate_bp, commission, cancelled, shipped, returned, pending, revenue)
      VALUES (@orderId, @lineId, @position, @sku, @name, @category, @quantity, @unitAmount, @cartAddedAt,
      @attributed, @direct, @reason, @rateBp, @commission, @cancelled, @shipped, @returned, @pending, @revenue)`),
    lines: db.prepare<[string], Raw<OrderLineRow>>(`SELECT ${LINE_COLUMNS} FROM order_lines WHERE order_id = ? ORDER BY position`),
    updateLine: db.prepare('UPDATE order_lines SET cancelled = @cancelled, shipped = @shipped, returned = @returned, pending = @pending WHERE order_id = @orderId AND line_id = @lineId'),
    insertEvent: db.prepare('INSERT INTO order_events (order_id, type, at, items, received_at) VALUES (@orderId, @type, @at, @items, @receivedAt)'),
    events: db.prepare<[string], OrderEventRow>('SELECT id, order_id AS orderId, type, at, items, received_at AS receivedAt FROM order_events WHERE order_id = ? ORDER BY id'),
    insertEntry: db.prepare(`INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
      VALUES (@eventId, @orderId, @lineId, @accountId, @tag, @marketplace, @currency, @kind, @quantity, @amount, @at)`),
    entries: db.prepare<[string], LedgerEntryRow>(`SELECT id, event_id AS eventId, order_id AS orderId, line_id AS lineId, account_id AS accountId, tag,
      marketplace, currency, kind, quantity, amount, at FROM ledger_entries WHERE order_id = ? ORDER BY id`),
    list: db.prepare<Record<string, unknown>, Raw<OrderRow>>(`SELECT ${ORDER_COLUMNS} FROM orders
      WHERE ordered_at BETWEEN @from AND @to
        AND (@accountId IS NULL OR account_id = @accountId)
        AND (@tag IS NULL OR tag = @tag OR credited_tag = @tag)
        AND (@beforeAt IS NULL OR ordered_at < @beforeAt OR (ordered_at = @beforeAt AND order_id < @beforeId))
      ORDER BY ordered_at DESC, order_id DESC LIMIT @limit`),
  };

  const bump = rollupWriter(db);
  const chain = chainWriter(db);
  /**
   * Appends an order event, the new line quantities and its ledger entries, each chained onto the
   * chain of its account and currency. `pendingChange` is how the order's pending commission moved
   * (shipping and cancelling lower it). Atomic by itself (inside a transaction: part of it).
   */
  const appendEvent = db.transaction((
    order: OrderRow,
    event: Omit<OrderEventRow, 'id'>,
    lines: readonly LineUpdate[],
    entries: readonly Omit<LedgerEntryRow, 'id' | 'eventId'>[],
    pendingChange: number,
  ): number => {
    const eventId = Number(s.insertEvent.run(event).lastInsertRowid);
    for (const l of lines) s.updateLine.run({ orderId: event.orderId, lineId: l.lineId, cancelled: l.cancelled, shipped: l.shipped, returned: l.returned, pending: l.pending });
    const written = entries.map((e) => {
      const id = Number(s.insertEntry.run({ ...e, eventId }).lastInsertRowid);
      bump(e, { earnings: e.amount, [e.kind === 'return' ? 'itemsReturned' : 'itemsShipped']: e.quantity });
      return { id, account: e.accountId, currency: e.currency, kind: e.kind, amount: e.amount, quantity: e.quantity, orderId: e.orderId, lineId: e.lineId, recordedAt: event.receivedAt };
    });
    chain(written);
    if (pendingChange !== 0 && order.attributed) {
      bump({ accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency }, { pending: pendingChange });
    }
    return eventId;
  });
  return {
    delivery: (webhookId: string): DeliveryRow | undefined => s.delivery.get(webhookId),
    /** Records what a `webhook-id` did: the request (path, content hash) and the answer to replay. */
    putDelivery: (d: NewDelivery): void =>
      void s.putDelivery.run(d),
    findOrder: (orderId: string): OrderRow | undefined => {
      const r = s.order.get(orderId);
      return r && toOrder(r);
    },
    insertOrder: (order: OrderRow, lines: readonly OrderLineRow[]): void => {
      s.insertOrder.run({ ...flags(order), sub: order.sub ?? null });
      // The line's revenue as the domain states it, stored so breakdowns only sum it.
      for (const line of lines) s.insertLine.run({ ...flags(line), revenue: lineRevenue(line) });
      if (!order.attributed) return;
      const credited = lines.filter((l) => l.attributed);
      bump(
        { accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency },
        {
          orders: 1,
          itemsOrdered: credited.reduce((n, l) => n + l.quantity, 0),
          directItems: credited.reduce((n, l) => n + (l.direct ? l.quantity : 0), 0),
          revenue: credited.reduce((n, l) => n + lineRevenue(l), 0),
          pending: credited.reduce((n, l) => n + l.pending, 0),
        },
      );
    },
    lines: (orderId: string): OrderLineRow[] => s.lines.all(orderId).map(toLine),
    events: (orderId: string): OrderEventRow[] => s.events.all(orderId),
    entries: (orderId: string): LedgerEntryRow[] => s.entries.all(orderId),
    appendEvent: (
      order: OrderRow,
      event: Omit<OrderEventRow, 'id'>,
      lines: readonly LineUpdate[],
      entries: readonly Omit<LedgerEntryRow, 'id' | 'eventId'>[],
      pendingChange: number,
    ): number => appendEvent(order, event, lines, entries, pendingChange),
    listOrders: (q: OrderQuery): OrderRow[] =>
      s.list
        .all({ from: q.from, to: q.to, accountId: q.accountId ?? null, tag: q.tag ?? null, beforeAt: q.before?.at ?? null, beforeId: q.before?.id ?? null, limit: q.limit })
        .map(toOrder),
  };
}
