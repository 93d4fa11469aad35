import { randomBytes } from 'node:crypto';
import type { Context } from './context.js';
import type { Principal } from './principal.js';
import type { Storage, Stores } from '../storage/port.js';
import type { NewDelivery, PostbackRow, WebhookEndpointRow } from '../storage/outbox-port.js';
import { Problem } from '../errors.js';
import { parseWith } from '../validation.js';
import { clickCreated, subscribes, type ClickFacts, type EventType, type OutboundEvent } from '../domain/events-out/payloads.js';
import { postbackValues, renderPostback } from '../domain/events-out/postback.js';
import { postbackCreateSchema, webhookCreateSchema, webhookUpdateSchema } from '../domain/events-out/schemas.js';
import { generateEndpointSecret } from '../outbound/sign.js';

/** How long a rotated-out secret keeps signing (a second signature), so receivers can switch. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export interface NotifyOptions {
  /** When the event is recorded (default Date.now()). */
  now?: number;
  /** A held order: its postbacks wait (`held`) until `releasePostbacks`; webhooks go out at once. */
  holdPostbacks?: boolean;
}

/**
 * Records an event in the outbox, inside the transaction that records its fact, with one delivery
 * per enabled webhook endpoint and postback subscribed to it (SPEC §10). Answers false when the
 * event id was stored before (a replay: nothing is written). The delivery worker sends it; after
 * the transaction commits, `wakeDeliveries(storage)` makes that immediate (else within a second).
 *
 *   await ctx.storage.transaction(async (tx) => {
 *     …record the payout…
 *     await notify(tx, payoutCreated({ id, account, currency, amount, through, status: 'created', entries, at }));
 *   });
 *   wakeDeliveries(ctx.storage);
 */
export async function notify(tx: Pick<Stores, 'outbox'>, event: OutboundEvent, options: NotifyOptions = {}): Promise<boolean> {
  const now = options.now ?? Date.now();
  const { webhooks, postbacks } = await tx.outbox.subscribers(event.payload.type);
  const deliveries: NewDelivery[] = [];
  for (const w of webhooks) {
    if (subscribes({ events: w.events, account: w.accountId }, event)) deliveries.push({ targetKind: 'webhook', targetId: w.id, url: null, status: 'pending' });
  }
  if (postbacks.length > 0) {
    const values = postbackValues(event);
    for (const p of postbacks) {
      if (!subscribes({ events: p.events, account: p.accountId }, event)) continue;
      deliveries.push({ targetKind: 'postback', targetId: p.id, url: renderPostback(p.urlTemplate, values), status: options.holdPostbacks ? 'held' : 'pending' });
    }
  }
  return tx.outbox.enqueue(
    { id: event.id, type: event.payload.type, accountId: event.account, payload: JSON.stringify(event.payload), occurredAt: Date.parse(event.payload.timestamp) },
    deliveries,
    now,
  );
}

/**
 * A held order's postbacks: on release, sent with URLs rendered from `released` (the order as it
 * now stands, the same event id as the held one); on rejection (`released` null), cancelled.
 */
export async function releasePostbacks(tx: Pick<Stores, 'outbox'>, heldEventId: string, released: OutboundEvent | null, now = Date.now()): Promise<number> {
  if (!released) return tx.outbox.releaseHeld(heldEventId, 'cancel', now);
  const { postbacks } = await tx.outbox.subscribers(released.payload.type);
  const values = postbackValues(released);
  return tx.outbox.releaseHeld(heldEventId, new Map(postbacks.map((p) => [p.id, renderPostback(p.urlTemplate, values)])), now);
}

/** Wakes the delivery workers (every instance on PostgreSQL); a lost wake-up only waits for the next poll. */
export function wakeDeliveries(storage: Pick<Storage, 'signals'>): void {
  void storage.signals.publish('outbox', '').catch(() => {});
}

// ——— click.created, opt-in: cheap for programs without such a subscriber ———

const CLICK_FLAG_TTL_MS = 5_000;
const clickFlags = new WeakMap<object, { value: Promise<boolean>; at: number }>();

/** Whether anyone listens to `click.created`: asked at most every 5 s per storage (a new subscriber counts here at once). */
export function clickSubscribed(storage: Storage, now = Date.now()): Promise<boolean> {
  const cached = clickFlags.get(storage);
  if (cached && now - cached.at < CLICK_FLAG_TTL_MS) return cached.value;
  const value = storage.outbox.anySubscriber('click.created').catch(() => false);
  clickFlags.set(storage, { value, at: now });
  return value;
}
const forgetClickFlag = (storage: Storage) => void clickFlags.delete(storage);

/**
 * `click.created` for clicks just stored (after their commit: beacons are group-committed). Only
 * non-bot clicks with a registered tag; nothing at all when no one subscribed.
 */
export async function notifyClicks(ctx: Context, clicks: readonly ClickFacts[]): Promise<void> {
  if (clicks.length === 0 || !(await clickSubscribed(ctx.storage))) return;
  await ctx.storage.transaction(async (tx) => {
    for (const c of clicks) await notify(tx, clickCreated(c), { now: ctx.now() });
  });
  wakeDeliveries(ctx.storage);
}

// ——— webhook endpoints and postbacks: the routes' use cases ———

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The account an endpoint or postback belongs to: an account key's own; the admin's choice (`account`, checked). */
async function ownerOf(ctx: Context, principal: Principal, account: string | undefined, required: boolean): Promise<string | null> {
  if (principal.role === 'account') {
    if (account !== undefined && account !== principal.accountId) {
      throw new Problem('forbidden', 'account: an account key adds endpoints for its own account only; leave account out', { errors: [{ path: 'account', message: 'only the admin may name an account' }] });
    }
    return principal.accountId;
  }
  if (account === undefined) {
    if (required) throw new Problem('invalid_request', 'account: required when the admin adds a postback (postbacks belong to an account)', { errors: [{ path: 'account', message: 'required' }] });
    return null;
  }
  if (!(await ctx.storage.accounts.getAccount(account))) throw new Problem('unprocessable', `account: no account "${account}"`, { errors: [{ path: 'account', message: 'unknown account' }] });
  return account;
}

const visible = (principal: Principal, accountId: string | null) => principal.role === 'admin' || accountId === principal.accountId;

export function webhookView(w: WebhookEndpointRow) {
  return {
    id: w.id, url: w.url, events: w.events, account: w.accountId, description: w.description, enabled: w.enabled,
    disabledAt: iso(w.disabledAt), disabledReason: w.disabledReason, createdAt: iso(w.createdAt), updatedAt: iso(w.updatedAt),
  };
}

export function postbackView(p: PostbackRow) {
  return { id: p.id, url: p.urlTemplate, events: p.events, account: p.accountId, enabled: p.enabled, disabledReason: p.disabledReason, createdAt: iso(p.createdAt) };
}

export async function createWebhook(ctx: Context, principal: Principal, body: unknown) {
  const input = parseWith(webhookCreateSchema, body);
  const accountId = await ownerOf(ctx, principal, input.account, false);
  const now = ctx.now();
  const row: WebhookEndpointRow = {
    id: newId('whk'), accountId, url: input.url, events: [...input.events] as EventType[], description: input.description ?? null, secret: generateEndpointSecret(),
    previousSecret: null, previousUntil: null, enabled: true, disabledAt: null, disabledReason: null, createdAt: now, updatedAt: now,
  };
  await ctx.storage.outbox.insertWebhook(row);
  forgetClickFlag(ctx.storage);
  // The secret is shown here once, never again.
  return { ...webhookView(row), secret: row.secret };
}

export async function listWebhooks(ctx: Context, principal: Principal) {
  const rows = await ctx.storage.outbox.listWebhooks(principal.role === 'admin' ? undefined : principal.accountId);
  return { webhooks: rows.map(webhookView) };
}

async function ownWebhook(ctx: Context, principal: Principal, id: string): Promise<WebhookEndpointRow> {
  const row = await ctx.storage.outbox.getWebhook(id);
  if (!row || !visible(principal, row.accountId)) throw new Problem('not_found', `No webhook endpoint "${id}"`);
  return row;
}

export async function getWebhook(ctx: Context, principal: Principal, id: string) {
  return webhookView(await ownWebhook(ctx, principal, id));
}

export async function updateWebhook(ctx: Context, principal: Principal, id: string, body: unknown) {
  const input = parseWith(webhookUpdateSchema, body);
  const row = await ownWebhook(ctx, principal, id);
  const now = ctx.now();
  const next: WebhookEndpointRow = {
    ...row,
    url: input.url ?? row.url,
    events: input.events ? ([...input.events] as EventType[]) : row.events,
    description: input.description ?? row.description,
    updatedAt: now,
  };
  if (input.enabled === true && !row.enabled) Object.assign(next, { enabled: true, disabledAt: null, disabledReason: null });
  if (input.enabled === false && row.enabled) Object.assign(next, { enabled: false, disabledAt: now, disabledReason: 'disabled by request' });
  await ctx.storage.outbox.updateWebhook(next);
  forgetClickFlag(ctx.storage);
  return webhookView(next);
}

export async function deleteWebhook(ctx: Context, principal: Principal, id: string): Promise<void> {
  await ownWebhook(ctx, principal, id);
  await ctx.storage.outbox.deleteWebhook(id);
  forgetClickFlag(ctx.storage);
}

export async function rotateWebhookSecret(ctx: Context, principal: Principal, id: string) {
  const row = await ownWebhook(ctx, principal, id);
  const now = ctx.now();
  const secret = generateEndpointSecret();
  await ctx.storage.outbox.updateWebhook({ ...row, secret, previousSecret: row.secret, previousUntil: now + ROTATION_OVERLAP_MS, updatedAt: now });
  return { secret, previousSecretValidUntil: iso(now + ROTATION_OVERLAP_MS) };
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

function pageOf(query: Record<string, unknown>): { limit: number; before: number | undefined } {
  const { limit, cursor } = query;
  let n = DEFAULT_PAGE;
  if (limit !== undefined) {
    if (typeof limit !== 'string' || !/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) {
      throw new Problem('invalid_query', `limit: must be a whole number from 1 to ${MAX_PAGE}`, { errors: [{ path: 'limit', message: `must be 1-${MAX_PAGE}` }] });
    }
    n = Number(limit);
  }
  let before: number | undefined;
  if (cursor !== undefined) {
    if (typeof cursor !== 'string' || !/^\d{1,15}$/.test(cursor)) throw new Problem('invalid_query', 'cursor: must be a nextCursor this endpoint answered', { errors: [{ path: 'cursor', message: 'not a cursor' }] });
    before = Number(cursor);
  }
  return { limit: n, before };
}

async function deliveryLog(ctx: Context, kind: 'webhook' | 'postback', targetId: string, query: Record<string, unknown>) {
  const { limit, before } = pageOf(query);
  const rows = await ctx.storage.outbox.deliveries(kind, targetId, limit + 1, before);
  const page = rows.slice(0, limit);
  return {
    deliveries: page.map((d) => ({
      id: String(d.id), eventId: d.eventId, type: d.type, status: d.status, createdAt: iso(d.createdAt), deliveredAt: iso(d.deliveredAt), nextAttemptAt: iso(d.nextAttemptAt),
      attempts: d.attempts.map((a) => ({ at: iso(a.at), durationMs: a.durationMs, statusCode: a.statusCode, error: a.error, manual: a.manual })),
    })),
    nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
  };
}

export async function webhookDeliveries(ctx: Context, principal: Principal, id: string, query: Record<string, unknown>) {
  await ownWebhook(ctx, principal, id);
  return deliveryLog(ctx, 'webhook', id, query);
}

async function retryDelivery(ctx: Context, kind: 'webhook' | 'postback', targetId: string, deliveryId: string) {
  const n = /^\d{1,15}$/.test(deliveryId) ? Number(deliveryId) : NaN;
  const outcome = Number.isNaN(n) ? 'not_found' : await ctx.storage.outbox.retry(kind, targetId, n, ctx.now());
  if (outcome === 'not_found') throw new Problem('not_found', `No delivery "${deliveryId}" for ${kind} "${targetId}"`);
  if (outcome === 'busy') throw new Problem('conflict', `delivery ${deliveryId} is still being delivered; only a failed, cancelled or delivered one can be sent again`);
  wakeDeliveries(ctx.storage);
  return { id: deliveryId, status: 'pending' };
}

export async function retryWebhookDelivery(ctx: Context, principal: Principal, id: string, deliveryId: string) {
  await ownWebhook(ctx, principal, id);
  return retryDelivery(ctx, 'webhook', id, deliveryId);
}

export async function createPostback(ctx: Context, principal: Principal, body: unknown) {
  const input = parseWith(postbackCreateSchema, body);
  const accountId = (await ownerOf(ctx, principal, input.account, true))!;
  const row: PostbackRow = { id: newId('pb'), accountId, urlTemplate: input.url, events: [...input.events] as EventType[], enabled: true, disabledReason: null, createdAt: ctx.now() };
  await ctx.storage.outbox.insertPostback(row);
  forgetClickFlag(ctx.storage);
  return postbackView(row);
}

export async function listPostbacks(ctx: Context, principal: Principal) {
  const rows = await ctx.storage.outbox.listPostbacks(principal.role === 'admin' ? undefined : principal.accountId);
  return { postbacks: rows.map(postbackView) };
}

async function ownPostback(ctx: Context, principal: Principal, id: string): Promise<PostbackRow> {
  const row = await ctx.storage.outbox.getPostback(id);
  if (!row || !visible(principal, row.accountId)) throw new Problem('not_found', `No postback "${id}"`);
  return row;
}

export async function deletePostback(ctx: Context, principal: Principal, id: string): Promise<void> {
  await ownPostback(ctx, principal, id);
  await ctx.storage.outbox.deletePostback(id);
  forgetClickFlag(ctx.storage);
}

export async function postbackDeliveries(ctx: Context, principal: Principal, id: string, query: Record<string, unknown>) {
  await ownPostback(ctx, principal, id);
  return deliveryLog(ctx, 'postback', id, query);
}
