import { z } from 'zod';
import { isBotUserAgent } from '../domain/bots.js';
import { sourcePage } from '../domain/page.js';
import { clickSignals } from '../domain/click-signals.js';
import { findMarketplace, isUuid, productId } from '@affil/sdk/url';
import type { Context } from './context.js';
import type { ClickRow, TrackingEvent } from '../storage/port.js';
import type { ClickFacts } from '../domain/events-out/payloads.js';
import { clickSubscribed, notifyClicks } from './outbox.js';
import { Problem } from '../errors.js';
import { fieldErrors } from '../validation.js';
import { visitorOf } from './integrity.js';

export const MAX_EVENTS_PER_BATCH = 50;

const uuid = z.string().refine(isUuid, 'must be a UUID');
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const at = z.number().int('must be epoch milliseconds').nonnegative();
// Milliseconds since the browser created the event (SDK outbox re-sends); see `eventTime`.
const age = z.number('must be milliseconds since the event was created').int('must be whole milliseconds').nonnegative('must not be negative');
const httpUrl = text(4096).refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'must be an absolute http(s) URL');
// Kept as origin + path only, whatever the sender put after it (parsed once).
const page = text(2048)
  .transform((p, ctx) => {
    const kept = sourcePage(p);
    if (kept === null) ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return kept ?? z.NEVER;
  })
  .optional();

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('click'), id: uuid, tag: text(128).min(1), url: httpUrl, page, session: text(128).optional(), via: z.enum(['click', 'middle', 'keyboard', 'contextmenu', 'touch']), at: at.optional(), age: age.optional() }),
  z.object({ type: z.literal('pageview'), id: uuid, tag: text(128).min(1), page, session: text(128).optional(), links: z.number().int().min(0).max(100_000), at: at.optional(), age: age.optional() }),
  z.object({ type: z.literal('landing'), id: uuid, click: uuid, tag: text(128).min(1), page, at: at.optional(), age: age.optional() }),
  z.object({ type: z.literal('cart_add'), id: uuid, click: uuid, sku: text(128).min(1), at: at.optional(), age: age.optional() }),
], { error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of click, pageview, landing, cart_add' : undefined) });

type EventBody = z.infer<typeof eventSchema>;

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; detail: string }[];
}

/** Splits a beacon body into its events: one object, or `{events: [...]}` of at most 50. */
export function eventsOf(body: unknown): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Problem('invalid_request', 'The body must be one event object or {"events": [...]}');
  }
  if (!('events' in body)) return [body];
  const { events } = body as { events: unknown };
  if (!Array.isArray(events)) throw new Problem('invalid_request', 'events: must be an array of event objects');
  if (events.length > MAX_EVENTS_PER_BATCH) {
    throw new Problem('payload_too_large', `events: at most ${MAX_EVENTS_PER_BATCH} events per request, got ${events.length}`);
  }
  return events;
}

/** How far back an event's `age` may date it (SPEC §4.1): the browser's outbox keeps events 7 days. */
export const MAX_EVENT_AGE_MS = 7 * 24 * 3_600_000;

/**
 * An event's time: the receive time, less the `age` the browser gave it (a re-sent event keeps its
 * real time, and so its click window), clamped to [received − 7 days, received]. The browser's
 * clock is never trusted for the time itself: only for how long the event waited.
 */
export const eventTime = (received: number, age: number | undefined): number => received - Math.min(age ?? 0, MAX_EVENT_AGE_MS);

/**
 * Validates and stores beacon events. The event time is the server's receive time less the event's
 * `age` (see `eventTime`); a repeated event ID is counted once; clicks with an unregistered tag or
 * from a bot are stored, flagged, never credited.
 */
/** Clicks an affiliate may be credited for: a registered tag, not a bot. */
export const creditable = (c: ClickRow): boolean => c.registered && !c.bot && c.accountId !== null;

/** A stored click as `click.created` reports it. */
export function clickFacts(c: ClickRow): ClickFacts {
  return { id: c.id, tag: c.tag, account: c.accountId, marketplace: c.marketplace, url: c.url, product: c.product, page: c.page, via: c.via, sub: (c as { sub?: string | null }).sub ?? null, at: c.at };
}

export async function ingestEvents(ctx: Context, body: unknown, client: { userAgent: string | undefined; address?: string | undefined }): Promise<IngestResult> {
  const raw = eventsOf(body);
  const now = ctx.now();
  const bot = isBotUserAgent(client.userAgent);
  const rejected: IngestResult['rejected'] = [];
  const valid: { index: number; event: TrackingEvent }[] = [];
  for (const [index, item] of raw.entries()) {
    const parsed = eventSchema.safeParse(item);
    if (!parsed.success) {
      const first = fieldErrors(parsed.error)[0];
      rejected.push({ index, detail: first ? `${first.path}: ${first.message}` : 'invalid event' });
      continue;
    }
    valid.push({ index, event: await toRow(ctx, parsed.data, item as object, now, bot) });
  }
  // Integrity (issue 19): one visitor hash per request, on every event row.
  const visitor = valid.length > 0 ? await visitorOf(ctx, { address: client.address, userAgent: client.userAgent }) : null;
  const fresh = valid.length > 0 ? await ctx.storage.events.recordSoon(valid.map((v) => ({ ...v.event, visitor }))) : [];
  let accepted = 0;
  fresh.forEach((isNew, i) => {
    if (!isNew) return;
    accepted++;
    const event = valid[i]!.event;
    if (event.type === 'click') ctx.publish({ type: 'click', accountId: event.accountId, data: clickView(event) });
  });
  // click.created (opt-in): nothing beyond a cached flag for programs without such a subscriber.
  if (accepted > 0 && (await clickSubscribed(ctx.storage))) {
    const clicks = fresh.flatMap((isNew, i) => {
      const e = valid[i]!.event;
      return isNew && e.type === 'click' ? [e] : [];
    });
    await notifyClicks(ctx, clicks.filter(creditable).map(clickFacts)).catch(() => {
      // The clicks are stored; a failed announcement is not the beacon's failure.
    });
  }
  const result = { accepted, duplicates: valid.length - accepted, rejected };
  ctx.observe.events({ accepted, duplicates: result.duplicates, rejected: rejected.length });
  return result;
}

/**
 * The stored row of a valid event. A click's sub-ID and integrity signals are read from the event as
 * sent (`raw`), not from the schema: a bad one is dropped and the click kept (`clickSignals`).
 */
async function toRow(ctx: Context, e: EventBody, raw: object, received: number, bot: boolean): Promise<TrackingEvent> {
  const time = eventTime(received, e.age);
  switch (e.type) {
    case 'click': {
      const owner = await ctx.storage.accounts.findTag(e.tag);
      const url = new URL(e.url);
      const linked = findMarketplace(url.hostname, url.port, ctx.program.marketplaces);
      return {
        type: 'click', id: e.id.toLowerCase(), tag: e.tag, accountId: owner?.accountId ?? null,
        marketplace: linked?.id ?? owner?.marketplace ?? null, url: e.url, product: productId(e.url),
        page: e.page ?? null, session: e.session ?? null, via: e.via, bot, registered: owner !== undefined,
        at: time, clientAt: e.at ?? null, ...clickSignals(raw),
      };
    }
    case 'pageview':
      return { type: 'pageview', id: e.id.toLowerCase(), tag: e.tag, accountId: (await ctx.storage.accounts.findTag(e.tag))?.accountId ?? null, page: e.page ?? null, session: e.session ?? null, links: e.links, at: time };
    case 'landing':
      return { type: 'landing', id: e.id.toLowerCase(), clickId: e.click.toLowerCase(), tag: e.tag, page: e.page ?? null, at: time };
    case 'cart_add':
      return { type: 'cart_add', id: e.id.toLowerCase(), clickId: e.click.toLowerCase(), sku: e.sku, at: time };
  }
}

/**
 * A click as the API shows it: SPEC §4.3's shape, plus `sub` and the integrity signals when the
 * click carried them (a click without them keeps exactly that shape).
 */
export function clickView(c: Pick<ClickRow, 'id' | 'tag' | 'marketplace' | 'url' | 'product' | 'page' | 'via' | 'bot' | 'at' | 'sub' | 'trusted' | 'visible' | 'framed' | 'dwell'>) {
  const view: ClickView = { id: c.id, tag: c.tag, marketplace: c.marketplace, url: c.url, product: c.product, page: c.page, via: c.via, bot: c.bot, at: new Date(c.at).toISOString() };
  for (const field of SIGNAL_FIELDS) if (c[field] !== undefined && c[field] !== null) Object.assign(view, { [field]: c[field] });
  return view;
}

const SIGNAL_FIELDS = ['sub', 'trusted', 'visible', 'framed', 'dwell'] as const;

export type ClickView = {
  id: string; tag: string; marketplace: string | null; url: string; product: string | null; page: string | null; via: string; bot: boolean; at: string;
  sub?: string; trusted?: boolean; visible?: boolean; framed?: boolean; dwell?: number;
};
