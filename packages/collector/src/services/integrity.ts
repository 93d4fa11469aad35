import { z } from 'zod';
import { burstWindow, clickRules, landingWindow, orderHolds, type ClickSignals, type Hold, type OrderIntegrityFacts } from '../domain/integrity/rules.js';
import { dayKey, newSalt, oldestKeptSaltDay, visitorHash } from '../domain/integrity/visitor.js';
import { displayedStatus, reviewOrder, reviewRequestSchema, type HoldState, type LifecycleStatus, type ReviewRecord } from '../domain/integrity/review.js';
import { explainIntegrity } from '../domain/integrity/explain.js';
import { integrityCsvRows, integrityReport, type FlaggedClick, type IntegrityReport } from '../domain/integrity/report.js';
import type { Attribution } from '../domain/attribution.js';
import type { OrderLineRow, OrderRow, Storage, Stores } from '../storage/port.js';
import type { OrderHoldRow } from '../storage/integrity-port.js';
import { Problem } from '../errors.js';
import { parseWith } from '../validation.js';
import type { Context, ReviewEvent } from './context.js';
import type { Principal } from './principal.js';
import { resolvePeriod } from './period.js';
import { commissionAdjusted, eventId, orderAttributed, orderUpdated } from '../domain/events-out/payloads.js';
import { notify, releasePostbacks, wakeDeliveries } from './outbox.js';
import { orderFacts } from './order-facts.js';
import { chainLockName } from '../domain/ledger-chain.js';

/**
 * Program integrity (issue 19, docs/integrity.md): the visitor hash at ingest and sign-in, the
 * rules on the order path, review decisions and the report. The rules are the domain's; this
 * module gathers their facts from storage.
 */

// ---------------------------------------------------------------------------------------------
// Visitor hash

/** Salts by day, per storage (a salt never changes once stored, so memory may keep it). */
const salts = new WeakMap<Storage, Map<string, Promise<string>>>();

/** The day's salt from memory, or from the database (created there by the first instance to ask). */
function saltOf(storage: Storage, now: number): Promise<string> {
  let byDay = salts.get(storage);
  if (!byDay) salts.set(storage, (byDay = new Map()));
  const day = dayKey(now);
  let salt = byDay.get(day);
  if (!salt) {
    salt = storage.integrity.saltFor(day, () => newSalt(), now);
    salt.catch(() => byDay.delete(day));
    // Only today's and yesterday's are asked for; older entries go.
    for (const d of byDay.keys()) if (d < oldestKeptSaltDay(now)) byDay.delete(d);
    byDay.set(day, salt);
  }
  return salt;
}

/** The visitor hash of a request (one HMAC; the salt from memory after the day's first request). */
export async function visitorOf(ctx: Context, client: { address: string | undefined; userAgent: string | undefined }): Promise<string | null> {
  if (!client.address) return null;
  const now = ctx.now();
  return visitorHash(await saltOf(ctx.storage, now), client.address, client.userAgent);
}

/** Sign-ins already recorded by this process, by key, day and visitor (a polling dashboard writes once a day). */
const seenSignIns = new WeakMap<Storage, Set<string>>();

/** Records that an account key authenticated from this client today (the admin key: nothing). */
export async function recordSignIn(ctx: Context, principal: Principal, client: { address: string | undefined; userAgent: string | undefined }): Promise<void> {
  if (principal.role !== 'account') return;
  const visitor = await visitorOf(ctx, client);
  if (!visitor) return;
  const at = ctx.now();
  const day = dayKey(at);
  let seen = seenSignIns.get(ctx.storage);
  if (!seen) seenSignIns.set(ctx.storage, (seen = new Set()));
  const key = `${principal.keyId} ${day} ${visitor}`;
  if (seen.has(key)) return;
  await ctx.storage.integrity.recordKeyVisitor({ accountId: principal.accountId, day, visitor, keyId: principal.keyId, at });
  if (seen.size > 100_000) seen.clear();
  seen.add(key);
}

// ---------------------------------------------------------------------------------------------
// Rules on the order path

/**
 * Evaluates every rule for an attributed order, inside its transaction (facts as of now). The
 * click was read by attribution in the same transaction (the adapters answer it again from
 * memory); the reads that follow from it are independent and asked for together, so a network
 * database answers them in one round trip.
 */
export async function holdsFor(ctx: Context, store: Stores, attribution: Attribution): Promise<Hold[]> {
  if (!attribution.attributed || !attribution.clickId || !attribution.accountId) return [];
  const config = ctx.program.integrity;
  const accountId = attribution.accountId;
  const clickId = attribution.clickId.toLowerCase();
  const click = await store.events.findClick(clickId);
  const landing = click ? undefined : await store.integrity.landingFor(clickId);
  const visitor = click ? (click.visitor ?? null) : (landing?.visitor ?? null);
  const window = click && visitor ? burstWindow(config, click.at) : undefined;
  const landingSeen = landing?.visitor && config.stuffing !== false ? landingWindow(landing.at) : undefined;
  const landingTag = attribution.tag ?? landing?.tag ?? '';
  const [sameVisitorClicks, seen, signedIn, priorOrders] = await Promise.all([
    click && visitor && window ? store.integrity.sameVisitorClicks(visitor, click.tag, window.from, window.to) : undefined,
    landing?.visitor && landingSeen ? store.integrity.beaconsFrom(landing.visitor, landingSeen.from, landingSeen.to, landingTag, landing.id) : undefined,
    visitor && config.selfReferral ? store.integrity.signedInFrom(accountId, visitor) : undefined,
    config.orderVelocity !== false ? store.integrity.attributedOrdersThroughClick(attribution.clickId) : undefined,
  ]);
  const facts: OrderIntegrityFacts = { attributed: true };
  if (click) {
    // The SDK fields (trusted, visible, framed, dwell) as stored; a missing one is no evidence.
    facts.click = click as ClickSignals;
    if (visitor && sameVisitorClicks) facts.burst = { click: { id: click.id, at: click.at, tag: click.tag, visitor }, sameVisitorClicks };
  } else if (landing?.visitor && seen) {
    facts.landing = { clickId, tag: landingTag, clickKnown: false, visitor: landing.visitor, otherBeacons: seen.others, clicksOnTag: seen.clicksOnTag };
  }
  if (visitor && signedIn) facts.selfReferral = { visitor, day: signedIn.day, accountId, signInVisitors: [visitor] };
  if (priorOrders !== undefined) facts.velocity = { clickId: attribution.clickId, priorOrders };
  return orderHolds(config, facts);
}

// ---------------------------------------------------------------------------------------------
// The order as shown

/** What `GET /v1/orders/{id}` adds for integrity: status over the lifecycle, holds, review, reversals, Why? lines. */
export async function integrityView(store: Stores, orderId: string, lifecycle: LifecycleStatus) {
  const row = await store.integrity.holdOf(orderId);
  const hold: HoldState = row?.status ?? 'none';
  const reversals = row?.status === 'rejected' ? await store.integrity.reversals(orderId) : [];
  return {
    hold,
    status: displayedStatus(lifecycle, hold),
    holds: row?.holds ?? [],
    review: row?.review ? reviewView(row.review) : null,
    reversals,
    explanation: explainIntegrity({ hold, holds: row?.holds ?? [], review: row?.review, reversals }),
  };
}

const reviewView = (r: ReviewRecord) => ({ decision: r.decision, note: r.note, by: r.by, at: new Date(r.at).toISOString() });

// ---------------------------------------------------------------------------------------------
// Seams for the money-out work (issue 18) and events out (issue 20)

/** Orders whose ledger entries count as on hold (held, or rejected): never payable. */
export function heldOrders(storage: Pick<Storage, 'integrity'>): (orderIds: readonly string[]) => Promise<Set<string>> {
  return async (orderIds) => new Set(orderIds.length === 0 ? [] : await storage.integrity.heldAmong(orderIds));
}

/** What a review decision announces (issue 20's outbox takes it; `order.updated`). */
export type { ReviewEvent } from './context.js';

// ---------------------------------------------------------------------------------------------
// Review

/** `POST /v1/orders/{id}/review` (admin): release or reject a held order, once. */
export async function reviewHold(ctx: Context, orderId: string, body: unknown, principal: Principal) {
  if (principal.role !== 'admin') throw new Problem('not_found', `No order "${orderId}"`);
  const request = parseWith(reviewRequestSchema, body);
  const done = await ctx.storage.transaction(async (tx) => {
    await tx.lock(`order:${orderId}`);
    const order = await tx.orders.findOrder(orderId);
    if (!order) throw new Problem('not_found', `No order "${orderId}"`);
    const row: OrderHoldRow | undefined = await tx.integrity.holdOf(orderId);
    const entries = await tx.orders.entries(orderId);
    const lines = await tx.orders.lines(orderId);
    const outcome = reviewOrder({ orderId, hold: row?.status ?? 'none', previous: row?.review, entries, lines }, request, { by: principal.keyId, at: ctx.now() });
    if (!outcome.ok) throw new Problem('conflict', outcome.detail, { errors: [{ path: 'decision', message: outcome.code }] });
    // Reversals are ledger entries, chained as they are written: their chains' writers take turns (as in orders.ts).
    for (const chain of [...new Set(outcome.reversals.map((e) => chainLockName(e.accountId, e.currency)))].sort()) await tx.lock(chain);
    await tx.integrity.decide({ record: outcome.record, status: outcome.hold, reversals: outcome.reversals, pending: outcome.pending, order });
    // The held order's postbacks (issue 20): sent on release, rendered from the order with its
    // normal status (the same event id as the held order.attributed); dropped on rejection.
    const released = outcome.record.decision === 'release' ? orderAttributed(orderFacts(order, lines)) : null;
    const postbacks = order.attributed ? await releasePostbacks(tx, eventId('order.attributed', orderId), released, outcome.record.at) : 0;
    const announced = order.attributed && order.accountId !== null && (await announceReview(tx, order, lines, outcome.hold, outcome.record.at));
    return { order, outcome, queued: postbacks > 0 || announced };
  });
  if (done.queued) wakeDeliveries(ctx.storage);
  if (done.outcome.reversals.length > 0) ctx.observe.ledgerEntries('reversal', done.outcome.reversals.length);
  const event: ReviewEvent = {
    type: 'order.reviewed', orderId, accountId: done.order.accountId, decision: done.outcome.record.decision,
    status: done.outcome.hold, at: new Date(done.outcome.record.at).toISOString(),
  };
  try {
    await ctx.notify?.(event);
  } catch {
    // The decision is committed; delivering the news is the outbox's job, not this request's.
  }
  return done.order;
}

/**
 * Events out for a decision, in its transaction: `order.updated` (change `released` or `rejected`,
 * the order's status after it) and, for a rejection that reversed earnings, `commission.adjusted`
 * with the reversing entries.
 */
async function announceReview(tx: Stores, order: OrderRow, lines: readonly OrderLineRow[], hold: 'released' | 'rejected', at: number): Promise<boolean> {
  const facts = orderFacts(order, lines);
  const status = hold === 'rejected' ? 'rejected' : facts.status;
  const queued = await notify(tx, orderUpdated({ ...facts, status }, { change: hold, sequence: 'review', at, items: [] }), { now: at });
  const reversals = hold === 'rejected' ? await tx.integrity.reversals(order.orderId) : [];
  if (reversals.length === 0) return queued;
  const adjusted = commissionAdjusted({
    orderId: order.orderId, account: order.accountId!, tag: order.creditedTag!, currency: order.currency, sequence: 'review', clickId: order.clickId,
    sub: facts.sub, status, entries: reversals.map((r) => ({ id: r.id, lineId: r.lineId, kind: r.kind, quantity: r.quantity, amount: r.amount, at: r.at })),
  });
  return (await notify(tx, adjusted, { now: at })) || queued;
}

// ---------------------------------------------------------------------------------------------
// Report

const reportQuery = z.strictObject({
  from: z.iso.date('must be a date YYYY-MM-DD').optional(),
  to: z.iso.date('must be a date YYYY-MM-DD').optional(),
  format: z.enum(['json', 'csv']).optional(),
});

/** `GET /v1/reports/integrity?from&to` (admin): flags by day, rule and tag. */
export async function integrityReportFor(ctx: Context, principal: Principal, query: unknown): Promise<IntegrityReport> {
  if (principal.role !== 'admin') throw new Problem('forbidden', 'GET /v1/reports/integrity needs the admin key');
  const q = parseWith(reportQuery, query, 'invalid_query');
  const period = resolvePeriod(ctx, q);
  const config = ctx.program.integrity;
  const held = await ctx.storage.integrity.heldOrders(period.fromMs, period.toMs);
  const orders = held.map((o) => ({
    orderId: o.orderId, orderedAt: o.orderedAt, tag: o.tag, accountId: o.accountId, currency: o.currency, rules: o.rules, hold: o.status,
    commission: o.lineCommissions.reduce((n, c) => n + c, 0),
  }));
  // Clicks that trip a rule by themselves: the burst excess (by visitor and tag) and, once stored, stuffing signs.
  const window = config.burst === false ? 0 : config.burst.minutes * 60_000;
  const candidates = await ctx.storage.integrity.visitorClicks(period.fromMs - window, period.toMs);
  const groups = new Map<string, typeof candidates>();
  for (const c of candidates) {
    const key = `${c.visitor} ${c.tag}`;
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const clicks: FlaggedClick[] = [];
  for (const group of groups.values()) {
    for (const c of group) {
      if (c.at < period.fromMs) continue;
      const burst = c.visitor ? { click: { id: c.id, at: c.at, tag: c.tag, visitor: c.visitor }, sameVisitorClicks: group } : null;
      const rules = clickRules(config, { burst, signals: c });
      if (rules.length > 0) clicks.push({ at: c.at, tag: c.tag, accountId: c.accountId, rules });
    }
  }
  return integrityReport(period, orders, clicks);
}

export { integrityCsvRows };
