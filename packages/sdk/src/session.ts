import { readStorage, writeStorage } from './storage.js';
import { uuid } from './uuid.js';

export const SESSION_KEY = 'affil_session';
/** A tracking session ends after 30 minutes without an event. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

// Used when sessionStorage refuses writes, so events of one page still share a session.
let remembered = '';

/**
 * The tracking session ID, renewed after 30 idle minutes. Stored as `<id> <last event ms>` in
 * sessionStorage: per tab and first-party, gone when the tab closes, and no cookie on the site.
 */
export function session(now = Date.now()): string {
  const [id, last] = (readStorage('sessionStorage', SESSION_KEY) ?? remembered).split(' ');
  const current = id && now - Number(last) < SESSION_IDLE_MS ? id : uuid();
  remembered = current + ' ' + now;
  writeStorage('sessionStorage', SESSION_KEY, remembered);
  return current;
}

/** Forgets the session (consent withdrawn). */
export function endSession(): void {
  remembered = '';
  writeStorage('sessionStorage', SESSION_KEY, null);
}
