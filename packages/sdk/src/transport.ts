import { log } from './log.js';
import { storage } from './storage.js';

/** An event as the collector takes it (SPEC §4.1). */
export type TrackingEvent = Record<string, unknown> & { type: string; id: string };

export const QUEUE_KEY = 'affil_queue';
/**
 * The queue holds events as comma-separated JSON, at most this many characters: every event is at
 * least ~200 characters, so a full queue stays under both collector limits for one request
 * (50 events, 16 KiB). Events that do not fit are dropped; the queue needs no parsing, so a
 * damaged value costs one rejected request, never an exception.
 */
export const QUEUE_CAP = 9000;

/**
 * Sends one event (JSON) to the collector, with any events earlier sends could not hand off, as
 * `{"events": [...]}` (the collector counts a repeated event ID once).
 *
 * The localStorage queue is an outbox: the event goes into it first, and the queue is emptied only
 * once a request carrying it was handed off — and only if no other event joined it meanwhile (that
 * one's own request carries them all). So sends that fail at the same time never overwrite each
 * other's events; at worst an event is sent twice, and counted once. The queue is sent with the next
 * event, at the latest on the next page load.
 *
 * `sendBeacon` first: it survives the page unloading and, with a string body, is `text/plain` — no
 * CORS preflight. It returns false when its quota is full and is missing in some embedded browsers;
 * then `fetch` with `keepalive` (a string body is text/plain there too), which hands off when the
 * collector answers. Offline, nothing is sent (sendBeacon would answer true and lose the event).
 */
export const send = (endpoint: string, event: string): void => {
  const queue = (value?: string | null) => storage('localStorage', QUEUE_KEY, value);
  const queued = queue();
  const events = queued ? queued + ',' + event : event;
  // Past the cap the new event is dropped and the queue kept as it was (none: `queue` only reads).
  const kept = events.length > QUEUE_CAP ? queued : events;
  const sent = (): unknown => queue() == kept && queue('');
  const url = endpoint + '/v1/events';
  const body = `{"events":[${events}]}`;
  queue(kept);
  try {
    if (navigator.onLine)
      navigator.sendBeacon?.(url, body) ? sent() : fetch(url, { method: 'POST', keepalive: true, body }).then(sent, log);
  } catch {
    // No fetch, or the browser refused the request outright: the queue keeps the event.
  }
};
