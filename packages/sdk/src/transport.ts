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
 * Sends one event (JSON) to the collector, with any events earlier pages could not send, as
 * `{"events": [...]}` (the collector counts a repeated event ID once).
 *
 * `sendBeacon` first: it survives the page unloading and, with a string body, is `text/plain` — no
 * CORS preflight. It returns false when its quota is full and is missing in some embedded browsers;
 * then `fetch` with `keepalive` (a string body is text/plain there too). Events nothing took, or
 * whose fetch failed, are queued in localStorage for the next page load.
 */
export const send = (endpoint: string, event: string): void => {
  const queued = storage('localStorage', QUEUE_KEY);
  const events = queued ? queued + ',' + event : event;
  // Past the cap the new event is dropped and the queue kept as it was (none: `storage` only reads).
  const keep = (): unknown => storage('localStorage', QUEUE_KEY, events.length > QUEUE_CAP ? queued : events);
  const url = endpoint + '/v1/events';
  const body = `{"events":[${events}]}`;
  // Taken out of the queue: what fails now is put back by keep().
  storage('localStorage', QUEUE_KEY, '');
  try {
    // Offline, sendBeacon still answers true and the event is lost: keep it for the next page.
    if (!navigator.onLine) keep();
    else if (!navigator.sendBeacon?.(url, body)) fetch(url, { method: 'POST', keepalive: true, body }).catch(keep);
  } catch {
    // No fetch, or the browser refused the request outright.
    keep();
  }
};
