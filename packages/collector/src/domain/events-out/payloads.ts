import { createHash } from 'node:crypto';

/**
 * What the collector tells the outside world (SPEC §10 "Events out"): the event types, and the
 * payloads `{type, timestamp, data}` built from plain values (no database, no Express), so storage
 * and delivery only ever carry what these functions produced.
 */
export const EVENT_TYPES = ['order.attributed', 'order.updated', 'commission.adjusted', 'payout.created', 'payout.paid', 'click.created'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Asked for by name only: a busy program has far more clicks than any endpoint wants. */
export const OPT_IN_EVENTS: readonly EventType[] = ['click.created'];

export const isEventType = (value: unknown): value is EventType => typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);

/** The body every receiver gets (Standard Webhooks' recommended shape). */
export interface Payload<T extends EventType = EventType, D = unknown> {
  type: T;
  /** When the fact happened (ISO 8601 UTC), not when it was sent: re-sends keep it. */
  timestamp: string;
  data: D;
}

/** A payload plus what the outbox needs to route and deduplicate it. */
export interface OutboundEvent<T extends EventType = EventType, D = unknown> {
  /** Stable: the same fact always gets the same id (the `webhook-id`, the receiver's idempotency key). */
  id: string;
  /** The affiliate account it concerns (account endpoints receive only their own); null: program-wide. */
  account: string | null;
  payload: Payload<T, D>;
}

/**
 * `evt_` and a hash of the event type and the fact's own identity (an order id, a click id, an order
 * event's sequence number): the same fact gives the same id however often the event is built, on
 * any instance, so a crash between building and recording it cannot produce a second id.
 */
export function eventId(type: EventType, ...identity: readonly (string | number)[]): string {
  const hash = createHash('sha256').update([type, ...identity.map(String)].join('\u0000')).digest('base64url');
  return `evt_${hash.slice(0, 26)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

// ——— inputs: plain values, as the services hold them ———

export interface OrderLineFacts {
  lineId: string;
  sku: string;
  category: string;
  quantity: number;
  unitAmount: number;
  attributed: boolean;
  rateBp: number;
  /** Commission on the line as ordered, minor units. */
  commission: number;
}

export interface Hold { rule: string; detail: string }

export interface OrderFacts {
  orderId: string;
  marketplace: string;
  currency: string;
  orderedAt: number;
  account: string | null;
  tag: string | null;
  creditedTag: string | null;
  clickId: string | null;
  sub: string | null;
  attributed: boolean;
  rule: string;
  /** The order's status as `GET /v1/orders/{id}` shows it (`pending`, `on_hold`, `shipped`, …). */
  status: string;
  holds?: readonly Hold[];
  lines: readonly OrderLineFacts[];
}

export type OrderChange = 'shipped' | 'cancelled' | 'returned' | 'released' | 'rejected';

export interface LedgerEntryFacts {
  id: number | string;
  lineId: string;
  kind: string;
  quantity: number;
  /** Signed, minor units: positive when earned, negative when reversed. */
  amount: number;
  at: number;
}

export interface PayoutFacts {
  id: string;
  account: string;
  currency: string;
  amount: number;
  through: string;
  status: 'created' | 'paid' | 'cancelled';
  entries: number;
  reference?: string | null;
  at: number;
}

export interface ClickFacts {
  id: string;
  tag: string;
  account: string | null;
  marketplace: string | null;
  url: string;
  product: string | null;
  page: string | null;
  via: string;
  sub: string | null;
  at: number;
}

// ——— data shapes, as receivers see them ———

const orderData = (o: OrderFacts) => ({
  orderId: o.orderId,
  marketplace: o.marketplace,
  currency: o.currency,
  orderedAt: iso(o.orderedAt),
  account: o.account,
  tag: o.tag,
  creditedTag: o.creditedTag,
  clickId: o.clickId,
  sub: o.sub,
  attributed: o.attributed,
  rule: o.rule,
  status: o.status,
  ...(o.holds && o.holds.length > 0 ? { holds: o.holds.map((h) => ({ rule: h.rule, detail: h.detail })) } : {}),
  commission: o.lines.reduce((n, l) => n + l.commission, 0),
  lines: o.lines.map((l) => ({
    lineId: l.lineId, sku: l.sku, category: l.category, quantity: l.quantity, unitAmount: l.unitAmount,
    attributed: l.attributed, rateBp: l.rateBp, commission: l.commission,
  })),
});
export type OrderData = ReturnType<typeof orderData>;

/** An order the collector attributed, held ones too: `data.status` says `on_hold` and `data.holds` why. */
export function orderAttributed(order: OrderFacts): OutboundEvent<'order.attributed', OrderData> {
  return {
    id: eventId('order.attributed', order.orderId),
    account: order.account,
    payload: { type: 'order.attributed', timestamp: iso(order.orderedAt), data: orderData(order) },
  };
}

export interface OrderUpdate {
  /** What happened; `released`/`rejected` come from an integrity review. */
  change: OrderChange;
  /** Identifies this change among the order's (its order-event sequence number, a review id). */
  sequence: number | string;
  at: number;
  items: readonly { lineId: string; quantity: number }[];
}

export type OrderUpdatedData = OrderData & { change: { type: OrderChange; at: string; items: { lineId: string; quantity: number }[] } };

/** A shipment, cancellation, return or review of an order; `data` is the order after it. */
export function orderUpdated(order: OrderFacts, update: OrderUpdate): OutboundEvent<'order.updated', OrderUpdatedData> {
  return {
    id: eventId('order.updated', order.orderId, update.sequence),
    account: order.account,
    payload: {
      type: 'order.updated',
      timestamp: iso(update.at),
      data: { ...orderData(order), change: { type: update.change, at: iso(update.at), items: update.items.map((i) => ({ lineId: i.lineId, quantity: i.quantity })) } },
    },
  };
}

export interface CommissionAdjustment {
  orderId: string;
  account: string;
  tag: string;
  currency: string;
  /** What caused it (the same sequence as the `order.updated` it belongs to). */
  sequence: number | string;
  /** The order's click and sub-ID, for postbacks. */
  clickId: string | null;
  sub: string | null;
  /** The order's status after the adjustment. */
  status: string;
  entries: readonly LedgerEntryFacts[];
}

/** Ledger entries written together (a shipment earns, a return reverses); `amount` is their net. */
export function commissionAdjusted(a: CommissionAdjustment) {
  if (a.entries.length === 0) throw new RangeError('commission.adjusted needs at least one ledger entry');
  const at = Math.max(...a.entries.map((e) => e.at));
  return {
    id: eventId('commission.adjusted', a.orderId, a.sequence),
    account: a.account,
    payload: {
      type: 'commission.adjusted' as const,
      timestamp: iso(at),
      data: {
        orderId: a.orderId, account: a.account, tag: a.tag, currency: a.currency, clickId: a.clickId, sub: a.sub, status: a.status,
        amount: a.entries.reduce((n, e) => n + e.amount, 0),
        entries: a.entries.map((e) => ({ id: e.id, lineId: e.lineId, kind: e.kind, quantity: e.quantity, amount: e.amount, at: iso(e.at) })),
      },
    },
  } satisfies OutboundEvent<'commission.adjusted'>;
}

const payoutData = (p: PayoutFacts) => ({
  id: p.id, account: p.account, currency: p.currency, amount: p.amount, through: p.through, status: p.status, entries: p.entries,
  ...(p.reference ? { reference: p.reference } : {}),
});

export function payoutCreated(p: PayoutFacts): OutboundEvent<'payout.created', ReturnType<typeof payoutData>> {
  return { id: eventId('payout.created', p.id), account: p.account, payload: { type: 'payout.created', timestamp: iso(p.at), data: payoutData(p) } };
}

export function payoutPaid(p: PayoutFacts): OutboundEvent<'payout.paid', ReturnType<typeof payoutData>> {
  return { id: eventId('payout.paid', p.id), account: p.account, payload: { type: 'payout.paid', timestamp: iso(p.at), data: payoutData(p) } };
}

export function clickCreated(c: ClickFacts) {
  return {
    id: eventId('click.created', c.id),
    account: c.account,
    payload: {
      type: 'click.created' as const,
      timestamp: iso(c.at),
      data: { id: c.id, tag: c.tag, account: c.account, marketplace: c.marketplace, url: c.url, product: c.product, page: c.page, via: c.via, sub: c.sub, at: iso(c.at) },
    },
  } satisfies OutboundEvent<'click.created'>;
}

/** The exact bytes sent (and signed): the payload as JSON. */
export const payloadBody = (event: OutboundEvent): string => JSON.stringify(event.payload);

/** A webhook endpoint's or postback's subscription: which events, and whose. */
export interface Subscription {
  events: readonly EventType[];
  /** null: program-wide (the admin's), every account's events; else that account's only. */
  account: string | null;
}

/** Whether `event` goes to `subscription`: a type it listed, and an account it may see. */
export function subscribes(subscription: Subscription, event: OutboundEvent): boolean {
  if (!subscription.events.includes(event.payload.type)) return false;
  return subscription.account === null || subscription.account === event.account;
}
