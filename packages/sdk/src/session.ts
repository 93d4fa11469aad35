import { uuid } from './uuid.js';
import { storage } from './storage.js';

export const SESSION_KEY = 'affil_session';
/** A tracking session ends after 30 minutes without an event. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

// Used when sessionStorage refuses writes, so events of one page still share a session.
let remembered = '';

/**
 * The tracking session ID at `now`, renewed after 30 idle minutes. Stored as `<id> <last event ms>`
 * in sessionStorage: per tab and first-party, gone when the tab closes, and no cookie on the site.
 */
export const session = (now: number): string => {
  const [id, last] = (storage('sessionStorage', SESSION_KEY) || remembered).split(' ');
  const current = id && now - +last! < SESSION_IDLE_MS ? id : uuid();
  storage('sessionStorage', SESSION_KEY, (remembered = current + ' ' + now));
  return current;
};
