import { createHash } from 'node:crypto';
import { MAX_LINE_TOTAL, orderEventSchema, orderSchema, type OrderAttribution, type OrderInput } from '@affil/merchant/contract';
import { attribute, type Attribution, type ReferralFacts } from '../domain/attribution.js';
import { applyOrderEvent, earnedCommission, openUnits, pendingCommission } from '../domain/lifecycle.js';
import { chainLockName } from '../domain/ledger-chain.js';
import type { OrderLineRow, OrderRow, Stores } from '../storage/port.js';
import { Problem } from '../errors.js';
import { parseJson, parseWith } from '../validation.js';
import { marketplaceById, type Context } from './context.js';
import { verifySignature, type SignedRequest } from './webhooks.js';
import { explainLine, explainOrder } from './explain.js';
import { eventTimeProblem } from '../domain/event-time.js';
import { commissionAdjusted, orderAttributed, orderUpdated } from '../domain/events-out/payloads.js';
import { notify, wakeDeliveries } from './outbox.js';
import { linePending, writesLedger } from '../domain/integrity/review.js';
import { holdsFor, integrityView } from './integrity.js';
import { orderFacts, orderStatus } from './order-facts.js';

export { orderFacts, orderStatus };

export { orderSchema, orderEventSchema, type OrderInput };

export interface Answer { status: number; body: unknown }

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

/** What a callback did, and what to announce once its transaction has committed. */
interface Done { answer: Answer; after?: () => void }

/**
 * `POST /v1/orders`: verify, deduplicate, validate, attribute, store; one transaction. The
 * `webhook-id` and the order ID are locked first, so the same callback sent to two instances at
 * once is stored once (the second sees the first's delivery and replays it).
 */
export async function receiveOrder(ctx: Context, request: SignedRequest): Promise<Answer> {
  const webhookId = verifySignature(ctx.webhookSecrets, request);
  const json = parseJson(request.body);
  const delivery = { webhookId, path: '/v1/orders', contentHash: hashOf(json) };
  // The order and click IDs as sent, before validation, so that the reads the order will need go
  // with the delivery check: one round trip on PostgreSQL instead of three. Only ever used to
  // start those reads (and to take the order's lock early); the validated order decides.
  const sent = sentIds(json);
  const done = await ctx.storage.transaction(async (tx): Promise<Done> => {
    await tx.lock(`webhook:${webhookId}`, ...(sent.orderId ? [`order:${sent.orderId}`] : []));
    const [replay, stored] = await Promise.all([
      replayOf(tx, delivery),
      sent.orderId ? tx.orders.findOrder(sent.orderId) : undefined,
      // The referral's click and the subscribers of order events: the stores keep both for this
      // transaction (attribution and the integrity rules ask for the click again, `notify` for
      // the subscribers).
      sent.clickId ? tx.events.findClick(sent.clickId) : undefined,
      tx.outbox.subscribers('order.attributed'),
    ]);
    if (replay) return { answer: replay };
    const order = parseWith(orderSchema, json);
    checkOrder(ctx, order);
    const early = order.orderId === sent.orderId;
    if (!early) await tx.lock(`order:${order.orderId}`);
    const contentHash = hashOf(sameInstants(order));
    const existing = early ? stored : await tx.orders.findOrder(order.orderId);
    if (existing) {
      // (Orders stored before times were normalised carry the hash of the times as written.)
      if (existing.contentHash !== contentHash && existing.contentHash !== hashOf(order)) {
        throw new Problem('conflict', `orderId: order "${order.orderId}" was already received with different content`);
      }
      await tx.orders.putDelivery({ ...delivery, status: 200, response: existing.response, at: ctx.now() });
      return { answer: { status: 200, body: JSON.parse(existing.response) } };
    }
    const attribution = await attributeOrder(ctx, tx, order);
    // Integrity rules run once, here, over what the collector knows now (docs/integrity.md).
    const holds = await holdsFor(ctx, tx, attribution);
    const body = holds.length > 0 ? { ...creationBody(order, attribution), status: 'on_hold', holds } : creationBody(order, attribution);
    const response = JSON.stringify(body);
    const receivedAt = ctx.now();
    await tx.orders.insertOrder(orderRow(order, attribution, contentHash, response, receivedAt), lineRows(order, attribution));
    if (holds.length > 0) await tx.integrity.putHold({ orderId: order.orderId, holds, at: receivedAt });
    await tx.orders.putDelivery({ ...delivery, status: 201, response, at: receivedAt });
    // Events out, in this transaction: an unattributed order involved no affiliate and emits nothing.
    const row = orderRow(order, attribution, contentHash, response, receivedAt);
    // A held order's webhooks carry its status and holds; its postbacks wait for the review (issue 19).
    const facts = holds.length > 0 ? { ...orderFacts(row, lineRows(order, attribution)), status: 'on_hold', holds } : orderFacts(row, lineRows(order, attribution));
    const queued = attribution.attributed && (await notify(tx, orderAttributed(facts), { now: receivedAt, holdPostbacks: holds.length > 0 }));
    return {
      answer: { status: 201, body },
      after: () => {
        if (queued) wakeDeliveries(ctx.storage);
        ctx.publish({ type: 'order', accountId: attribution.accountId, data: body });
        ctx.observe.order(attribution.attributed);
      },
    };
  });
  done.after?.();
  return done.answer;
}

/** `POST /v1/orders/{orderId}/events`: shipment, cancellation or return, appended to the ledger. */
export async function receiveOrderEvent(ctx: Context, orderId: string, request: SignedRequest): Promise<Answer> {
  const webhookId = verifySignature(ctx.webhookSecrets, request);
  const json = parseJson(request.body);
  const delivery = { webhookId, path: `/v1/orders/${orderId}/events`, contentHash: hashOf(json) };
  const done = await ctx.storage.transaction(async (tx): Promise<Done> => {
    await tx.lock(`webhook:${webhookId}`, `order:${orderId}`);
    const replay = await replayOf(tx, delivery);
    if (replay) return { answer: replay };
    const event = parseWith(orderEventSchema, json);
    const order = await tx.orders.findOrder(orderId);
    if (!order) throw new Problem('not_found', `No order "${orderId}"`);
    const lines = await tx.orders.lines(orderId);
    const outcome = applyOrderEvent(lines, event);
    if (!outcome.ok) throw new Problem(outcome.code === 'unknown_line' || outcome.code === 'duplicate_line' ? 'unprocessable' : 'conflict', outcome.detail, { errors: outcome.path ? [{ path: outcome.path, message: outcome.detail }] : undefined });
    const receivedAt = ctx.now();
    const at = event.at ? ms(event.at) : receivedAt;
    const previous = await tx.orders.events(orderId);
    const timeProblem = eventTimeProblem({
      type: event.type, at, atGiven: event.at !== undefined, orderedAt: order.orderedAt, now: receivedAt,
      shipments: previous.filter((e) => e.type === 'shipped').map((e) => ({ at: e.at, items: JSON.parse(e.items) as { lineId: string; quantity: number }[] })),
      moved: outcome.moved,
      returnedBefore: new Map(lines.map((l) => [l.lineId, l.returned])),
    });
    if (timeProblem) throw new Problem('unprocessable', timeProblem, { errors: [{ path: 'at', message: timeProblem }] });
    // Ledger entries are chained as they are written: the writers of this affiliate's chain take
    // turns from here (the lock goes with the next read) to COMMIT.
    if (order.accountId !== null) await tx.lock(chainLockName(order.accountId, order.currency));
    // A rejected order earns nothing more and has nothing pending: its units move, no entries are written (docs/integrity.md).
    const hold = (await tx.integrity.holdOf(orderId))?.status ?? 'none';
    const earns = writesLedger(hold);
    const entries = (earns ? outcome.adjustments : []).map((a) => ({
      orderId, lineId: a.lineId, accountId: order.accountId!, tag: order.creditedTag!, marketplace: order.marketplace,
      currency: order.currency, kind: event.type === 'returned' ? ('return' as const) : ('shipment' as const),
      quantity: a.quantity, amount: a.amount, at,
    }));
    const updated = outcome.lines.map((l) => ({ ...l, pending: linePending(l, hold) }));
    const pendingChange = updated.reduce((n, l) => n + l.pending, 0) - lines.reduce((n, l) => n + linePending(l, hold), 0);
    const eventId = await tx.orders.appendEvent(order, { orderId, type: event.type, at, items: JSON.stringify(outcome.moved), receivedAt }, updated, entries, pendingChange);
    const body = await orderView(ctx, order, tx);
    await tx.orders.putDelivery({ ...delivery, status: 200, response: JSON.stringify(body), at: receivedAt });
    const queued = order.attributed && order.accountId !== null && (await notifyOrderEvent(tx, order, eventId, event.type, at, outcome.moved, receivedAt));
    return {
      answer: { status: 200, body },
      after: () => {
        if (queued) wakeDeliveries(ctx.storage);
        if (entries.length === 0) return;
        ctx.observe.ledgerEntries(event.type === 'returned' ? 'return' : 'shipment', entries.length);
        ctx.publish({ type: 'adjustment', accountId: order.accountId, data: { orderId, type: event.type, entries: entries.map((e) => ({ lineId: e.lineId, quantity: e.quantity, amount: e.amount, currency: e.currency, at: iso(e.at) })) } });
      },
    };
  });
  done.after?.();
  return done.answer;
}

/** The plain facts the events-out payloads are built from (sub-IDs arrive with the ingest branch). */

/** `order.updated`, and `commission.adjusted` when ledger entries were written, for an appended order event. */
async function notifyOrderEvent(tx: Stores, order: OrderRow, eventId: number, type: 'shipped' | 'cancelled' | 'returned', at: number, moved: readonly { lineId: string; quantity: number }[], now: number): Promise<boolean> {
  const facts = orderFacts(order, await tx.orders.lines(order.orderId));
  const queued = await notify(tx, orderUpdated(facts, { change: type, sequence: eventId, at, items: moved }), { now });
  const entries = (await tx.orders.entries(order.orderId)).filter((e) => e.eventId === eventId);
  if (entries.length === 0) return queued;
  const adjusted = commissionAdjusted({
    orderId: order.orderId, account: order.accountId!, tag: order.creditedTag!, currency: order.currency, sequence: eventId, clickId: order.clickId,
    sub: facts.sub, status: facts.status, entries: entries.map((e) => ({ id: e.id, lineId: e.lineId, kind: e.kind, quantity: e.quantity, amount: e.amount, at: e.at })),
  });
  return (await notify(tx, adjusted, { now })) || queued;
}

/** `orderId` and `referral.clickId` of a callback body as sent, when they are strings (lower-case click ID, as stored). */
function sentIds(json: unknown): { orderId?: string; clickId?: string } {
  if (json === null || typeof json !== 'object') return {};
  const { orderId, referral } = json as { orderId?: unknown; referral?: { clickId?: unknown } };
  const clickId = referral !== null && typeof referral === 'object' ? referral.clickId : undefined;
  // Plain text of a sane length only: anything else waits for validation to name the problem.
  const plain = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v);
  return { orderId: plain(orderId, 128) ? orderId : undefined, clickId: plain(clickId, 64) ? clickId.toLowerCase() : undefined };
}

/** Checks a well-formed order against the program: marketplace, currency, unique lines. */
function checkOrder(ctx: Context, order: OrderInput): void {
  const marketplace = marketplaceById(ctx.program, order.marketplace);
  if (!marketplace) {
    const known = ctx.program.marketplaces.map((m) => m.id).join(', ');
    throw new Problem('unprocessable', `marketplace: unknown marketplace "${order.marketplace}" (this program has: ${known})`, { errors: [{ path: 'marketplace', message: 'unknown marketplace' }] });
  }
  if (order.currency !== marketplace.currency) {
    throw new Problem('unprocessable', `currency: marketplace "${marketplace.id}" trades in ${marketplace.currency}, not ${order.currency}`, { errors: [{ path: 'currency', message: `must be ${marketplace.currency}` }] });
  }
  const seen = new Set<string>();
  for (const [i, item] of order.items.entries()) {
    if (seen.has(item.lineId)) throw new Problem('unprocessable', `items[${i}].lineId: duplicate lineId "${item.lineId}"`, { errors: [{ path: `items[${i}].lineId`, message: 'duplicate lineId' }] });
    seen.add(item.lineId);
    if (item.unitAmount * item.quantity > MAX_LINE_TOTAL) {
      const detail = `items[${i}].unitAmount × items[${i}].quantity is ${item.unitAmount * item.quantity}, more than a line's bound of ${MAX_LINE_TOTAL} (10^13) minor units`;
      throw new Problem('unprocessable', detail, { errors: [{ path: `items[${i}].quantity`, message: 'line total above 10^13' }] });
    }
  }
  // Each line is bounded, but 1,000 of them could pass 2^53 − 1, past which JSON numbers (and so
  // the order's revenue and commission) are no longer exact.
  const total = order.items.reduce((n, item) => n + item.unitAmount * item.quantity, 0);
  if (total > Number.MAX_SAFE_INTEGER) {
    throw new Problem('unprocessable', `items: the order's total (${total}) is above ${Number.MAX_SAFE_INTEGER} (2^53 − 1) minor units`, { errors: [{ path: 'items', message: 'order total above 2^53 − 1' }] });
  }
}

/**
 * A `webhook-id` names one request (SPEC §4.2): the same id, path and content replays the first
 * answer; the same id anywhere else is a 409, never a 200 for something that was not done.
 */
async function replayOf(store: Stores, d: { webhookId: string; path: string; contentHash: string }): Promise<Answer | undefined> {
  const previous = await store.orders.delivery(d.webhookId);
  if (!previous) return undefined;
  // Deliveries stored before migration 003 know neither: they replay as they always did.
  if (previous.path === null || (previous.path === d.path && previous.contentHash === d.contentHash)) {
    return { status: 200, body: JSON.parse(previous.response) };
  }
  const where = previous.path === d.path ? `on ${d.path} with other content` : `on ${previous.path}`;
  const detail = `webhook-id: "${d.webhookId}" was already used ${where}; send each new message under a new webhook-id (reuse one only to retry the same request)`;
  throw new Problem('conflict', detail, { errors: [{ path: 'webhook-id', message: 'already used for another request' }] });
}

/** Gathers the facts attribution needs from the store, then applies the pure rules. */
async function attributeOrder(ctx: Context, store: Stores, order: OrderInput): Promise<Attribution & { sub: string | null }> {
  const marketplace = marketplaceById(ctx.program, order.marketplace)!;
  const referral = await referralFacts(store, order);
  const owner = referral?.owner;
  const attribution = attribute({
    orderedAt: ms(order.orderedAt),
    marketplace,
    lines: order.items.map((i) => ({ lineId: i.lineId, sku: i.sku, category: i.category, quantity: i.quantity, unitAmount: i.unitAmount, cartAddedAt: i.cartAddedAt ? ms(i.cartAddedAt) : undefined })),
    referral,
    accountTagInMarketplace: owner && owner.marketplace !== marketplace.id ? await store.accounts.accountTagIn(owner.accountId, marketplace.id) : undefined,
    // SPEC §5.4: the cart_add events for the referral's click, whether or not its click was stored
    // (a blocked click beacon does not block the merchant page's cart_add).
    cartAdds: referral?.clickId ? await store.events.cartAddsFor(referral.clickId.toLowerCase()) : undefined,
    clickWindowMs: ctx.program.clickWindowHours * 3_600_000,
    cartWindowMs: ctx.program.cartWindowDays * 86_400_000,
  });
  // The order inherits the sub-ID of the stored click that credited it (SPEC §10).
  return { ...attribution, sub: attribution.attributed ? (referral?.sub ?? null) : null };
}

/** SPEC §5.1: a stored click's own time and tag win over what the merchant captured. */
async function referralFacts(store: Stores, order: OrderInput): Promise<(ReferralFacts & { sub: string | null }) | null> {
  const r = order.referral;
  if (!r) return null;
  const click = r.clickId ? await store.events.findClick(r.clickId.toLowerCase()) : undefined;
  if (!click && r.clickedAt === undefined) {
    throw new Problem('unprocessable', `referral.clickedAt: required when referral.clickId "${r.clickId}" is not a click this collector recorded`, { errors: [{ path: 'referral.clickedAt', message: 'required for an unverified referral' }] });
  }
  const tag = click ? click.tag : r.tag;
  // A click stored as unregistered stays uncredited even if the tag is registered later (SPEC §4.1).
  const owner = click && !click.registered ? undefined : await store.accounts.findTag(tag);
  return {
    clickId: click?.id ?? r.clickId ?? null,
    tag,
    clickedAt: click ? click.at : ms(r.clickedAt!),
    verified: click !== undefined,
    bot: click?.bot ?? false,
    product: click?.product ?? null,
    sub: click?.sub ?? null,
    owner: owner ? { accountId: owner.accountId, marketplace: owner.marketplace } : undefined,
  };
}

function creationBody(order: OrderInput, a: Attribution & { sub: string | null }): OrderAttribution & { sub: string | null } {
  return {
    orderId: order.orderId,
    attributed: a.attributed,
    rule: a.rule,
    clickId: a.clickId,
    tag: a.tag,
    creditedTag: a.creditedTag,
    account: a.accountId,
    unverifiedReferral: a.unverifiedReferral,
    sub: a.sub,
    currency: order.currency,
    status: 'pending',
    lines: a.lines,
    commission: a.commission,
  };
}

function orderRow(order: OrderInput, a: Attribution & { sub: string | null }, contentHash: string, response: string, receivedAt: number): OrderRow {
  return {
    orderId: order.orderId, marketplace: order.marketplace, currency: order.currency, orderedAt: ms(order.orderedAt),
    contentHash, request: JSON.stringify(order), attributed: a.attributed, rule: a.rule, clickId: a.clickId, tag: a.tag,
    creditedTag: a.creditedTag, accountId: a.accountId, unverifiedReferral: a.unverifiedReferral, sub: a.sub, response, receivedAt,
  };
}

function lineRows(order: OrderInput, a: Attribution): OrderLineRow[] {
  return order.items.map((item, position) => {
    const line = a.lines[position]!;
    return {
      orderId: order.orderId, lineId: item.lineId, position, sku: item.sku, name: item.name ?? null, category: item.category,
      quantity: item.quantity, unitAmount: item.unitAmount, cartAddedAt: item.cartAddedAt ? ms(item.cartAddedAt) : null,
      attributed: line.attributed, direct: line.direct, reason: line.reason, rateBp: line.rateBp, commission: line.commission,
      cancelled: 0, shipped: 0, returned: 0,
      pending: pendingCommission({ lineId: item.lineId, unitAmount: item.unitAmount, quantity: item.quantity, cancelled: 0, shipped: 0, returned: 0, rateBp: line.rateBp }),
    };
  });
}

/**
 * The order with every time written one way (`2026-11-20T10:00:00.000Z`): `+00:00`, `Z` or another
 * offset naming the same instant is the same content.
 */
function sameInstants(order: OrderInput): OrderInput {
  const at = (t: string | undefined) => t && iso(ms(t));
  return {
    ...order,
    orderedAt: at(order.orderedAt)!,
    referral: order.referral && { ...order.referral, clickedAt: at(order.referral.clickedAt) },
    items: order.items.map((i) => ({ ...i, cartAddedAt: at(i.cartAddedAt) })),
  };
}

/** A stable fingerprint of a JSON value (an order, a request body), blind to key order and whitespace. */
function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}


/** An order as `GET /v1/orders/{id}` shows it: lines, ledger entries and why each line earns. */
export async function orderView(ctx: Context, order: OrderRow, store: Stores = ctx.storage) {
  const lines = await store.orders.lines(order.orderId);
  const entries = await store.orders.entries(order.orderId);
  const events = await store.orders.events(order.orderId);
  const request = JSON.parse(order.request) as OrderInput;
  const integrity = await integrityView(store, order.orderId, orderStatus(lines));
  return {
    orderId: order.orderId,
    marketplace: order.marketplace,
    currency: order.currency,
    orderedAt: iso(order.orderedAt),
    receivedAt: iso(order.receivedAt),
    status: integrity.status,
    holds: integrity.holds,
    review: integrity.review,
    attributed: order.attributed,
    rule: order.rule,
    clickId: order.clickId,
    tag: order.tag,
    creditedTag: order.creditedTag,
    account: order.accountId,
    unverifiedReferral: order.unverifiedReferral,
    sub: order.sub ?? null,
    referral: request.referral ?? null,
    explanation: [explainOrder(ctx.program, order, request), ...integrity.explanation].join(' '),
    lines: lines.map((l) => ({
      lineId: l.lineId, sku: l.sku, name: l.name, category: l.category, unitAmount: l.unitAmount,
      attributed: l.attributed, direct: l.direct, reason: l.reason, rateBp: l.rateBp, quantity: l.quantity,
      cancelled: l.cancelled, shipped: l.shipped, returned: l.returned,
      commission: l.commission, pending: linePending(l, integrity.hold), earned: earnedCommission(l),
      explanation: explainLine(ctx.program, order, l),
    })),
    commission: lines.reduce((n, l) => n + l.commission, 0),
    pending: lines.reduce((n, l) => n + linePending(l, integrity.hold), 0),
    earned: lines.reduce((n, l) => n + earnedCommission(l), 0),
    events: events.map((e) => ({ type: e.type, at: iso(e.at), items: JSON.parse(e.items) as unknown })),
    // Shipments, returns and, for a rejected order, its reversals (issue 19): one ledger.
    ledger: entries.map((e) => ({ id: e.id, lineId: e.lineId, kind: e.kind as string, quantity: e.quantity, amount: e.amount, currency: e.currency, tag: e.tag, at: iso(e.at) })),
  };
}
