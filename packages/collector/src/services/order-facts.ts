import { openUnits } from '../domain/lifecycle.js';
import type { OrderFacts } from '../domain/events-out/payloads.js';
import type { OrderLineRow, OrderRow } from '../storage/port.js';

// An order's status and its facts for events out, on their own so that the order intake and the
// integrity review both build them without importing each other.

export function orderStatus(lines: readonly OrderLineRow[]): 'pending' | 'shipped' | 'returned' | 'cancelled' {
  if (lines.some((l) => openUnits(l) > 0)) return 'pending';
  if (lines.every((l) => l.cancelled === l.quantity)) return 'cancelled';
  if (lines.every((l) => l.shipped === l.returned)) return 'returned';
  return 'shipped';
}

/** The facts events out carry for an order (webhooks and postbacks). */
export function orderFacts(order: OrderRow, lines: readonly OrderLineRow[]): OrderFacts {
  return {
    orderId: order.orderId, marketplace: order.marketplace, currency: order.currency, orderedAt: order.orderedAt, account: order.accountId,
    tag: order.tag, creditedTag: order.creditedTag, clickId: order.clickId, sub: (order as { sub?: string | null }).sub ?? null, attributed: order.attributed,
    rule: order.rule, status: orderStatus(lines),
    lines: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, category: l.category, quantity: l.quantity, unitAmount: l.unitAmount, attributed: l.attributed, rateBp: l.rateBp ?? 0, commission: l.commission })),
  };
}
