import { log } from './log.js';
import { storage } from './storage.js';

/** An event as the collector takes it (SPEC §4.1); `at` is when the browser created it (epoch ms). */
export type TrackingEvent = Record<string, unknown> & { type: string; id: string; at: number };

export const OUTBOX_KEY = 'affil_queue';
/**
 * A request carries at most this many characters and 50 events: the whole outbox always fits one
 * request (the collector takes 50 events and 16 KiB). Past either, the oldest events go first.
 */
export const OUTBOX_CAP = 9000;
/** Events older than this leave the outbox unsent: the collector dates no event further back. */
export const OUTBOX_MAX_AGE_MS = 7 * 864e5;

/**
 * Without `events`, the outbox: the events no `2xx` has confirmed yet, younger than 7 days (a
 * damaged or foreign value reads as empty, never throws). With `events`, stores them (an empty outbox
 * is kept as `[]`: the bytes went to speed; an opt-out removes the key, see publisher.ts).
 */
export const outbox = ((events?: TrackingEvent[]): TrackingEvent[] | void => {
  // (One `try` for both: a write never throws, `storage` sees to that, and `send` has stringified
  // the same events already.)
  try {
    return events
      ? (storage('localStorage', OUTBOX_KEY, JSON.stringify(events)) as undefined)
      : (JSON.parse(storage('localStorage', OUTBOX_KEY)!) as TrackingEvent[]).filter((e) => Date.now() - e.at < OUTBOX_MAX_AGE_MS);
  } catch {
    return [];
  }
}) as { (): TrackingEvent[]; (events: TrackingEvent[]): void };

/**
 * Puts `event` (if any) in the outbox (logged when debugging) and sends everything the outbox holds as `{"events": [...]}`,
 * each event with its `age` (ms since it was created), so the collector dates re-sent events right.
 * Without `event` the caller makes sure the outbox holds something (the merchant script's flush).
 *
 * Delivery is at least once: an event leaves the outbox only when the collector confirmed the
 * request carrying it with a `2xx` (or when it is 7 days old, or the cap pushes it out). A request
 * that fails, is answered `5xx` or `429`, or whose answer never arrives because the page went away,
 * leaves its events in place; the next send carries them, at the latest on the next page load. The
 * collector counts an event ID once, so a re-send is harmless. Several requests in flight each
 * remove only the events they carried.
 *
 * `fetch` with `keepalive` outlives the page, and with a string body it is `text/plain`: no CORS
 * preflight. A browser without keepalive (Firefox before 133, out of support since 2025) sends the
 * same request without it: one cut short by the page unloading leaves its events in the outbox, and
 * they arrive with the next page load. No `sendBeacon`: it never shows the answer (and its bytes paid
 * for the click signals within the 2,200 B budget).
 */
export const send = (endpoint: string, event?: TrackingEvent): void => {
  const events = outbox();
  let body = '';
  if (event) log(event), events.push(event);
  // Each event's age now, on the events themselves (a stale one in the outbox is replaced at the next
  // send). A clock set back since an event was made must not give it a negative age: the collector
  // rejects those.
  events.map((e) => (e.age = Math.max(0, Date.now() - e.at)));
  // Past the cap, the oldest go first; what is left is the request body.
  while (events.length > 50 || (body = JSON.stringify({ events })).length > OUTBOX_CAP) events.shift();
  outbox(events);
  try {
    const url = endpoint + '/v1/events';
    fetch(url, { method: 'POST', keepalive: true, body }).then(
      (r) => r.ok && outbox(outbox().filter((e) => !events.some((sent) => sent.id == e.id))),
      log,
    );
  } catch {
    // No fetch, or the browser refused the request outright: the outbox keeps the events.
  }
};
