import { readStorage, writeStorage } from './storage.js';

/** An event as the collector takes it (SPEC §4.1). */
export type TrackingEvent = Record<string, unknown> & { type: string; id: string };

export const QUEUE_KEY = 'affil_queue';
/** Events kept for the next page load at most; older ones are dropped first. */
export const QUEUE_CAP = 50;
// Events per flushed request: 20 long click URLs stay well under the collector's 16 KiB body limit.
const BATCH = 20;

/** The beacon URL of a collector base URL (trailing slashes tolerated). */
export const eventsUrl = (endpoint: string): string => endpoint.replace(/\/*$/, '/v1/events');

/**
 * Hands a body to the browser for delivery; false when nothing took it. `sendBeacon` first: it
 * survives the page unloading and, with a string body, is `text/plain` — no CORS preflight. It
 * returns false when its quota is full and is missing in some embedded browsers; then `fetch` with
 * `keepalive`, whose later network failure still counts as undelivered.
 */
function handOff(url: string, body: string, undelivered: () => void): boolean {
  try {
    return (
      navigator.sendBeacon?.(url, body) ||
      (fetch(url, { method: 'POST', keepalive: true, body, headers: { 'content-type': 'text/plain' } }).catch(
        undelivered,
      ),
      true)
    );
  } catch {
    // No fetch either, or the browser refused the URL: keep the events.
    return false;
  }
}

/** Sends events: one as a bare object, several (or a flushed queue) as `{"events": [...]}`. */
export function send(endpoint: string, events: TrackingEvent[], batch = events.length > 1): void {
  const keep = (): void => queue(events);
  if (!handOff(eventsUrl(endpoint), JSON.stringify(batch ? { events } : events[0]), keep)) keep();
}

function queued(): TrackingEvent[] {
  try {
    // concat: whatever JSON sits under our key, the result is an array.
    return [].concat(JSON.parse(readStorage('localStorage', QUEUE_KEY) ?? '[]'));
  } catch {
    // Not JSON (someone else's value under our key): start over.
    return [];
  }
}

/** Keeps events for the next page load (the newest 50). */
export function queue(events: TrackingEvent[]): void {
  writeStorage('localStorage', QUEUE_KEY, JSON.stringify(queued().concat(events).slice(-QUEUE_CAP)));
}

/** Sends what earlier pages could not; the collector counts a repeated event ID once. */
export function flush(endpoint: string): void {
  const events = queued();
  if (!events.length || !writeStorage('localStorage', QUEUE_KEY, null)) return;
  for (let i = 0; i < events.length; i += BATCH) send(endpoint, events.slice(i, i + BATCH), true);
}

/** Drops queued events (consent withdrawn). */
export function clearQueue(): void {
  writeStorage('localStorage', QUEUE_KEY, null);
}
