import { embeddedProgram, type Program } from './config.js';
import { outbox, send } from './transport.js';
import { uuid } from './uuid.js';
import { setDebug } from './log.js';
import { DEFAULT_TAG_PATTERN, isUuid } from './url.js';
import { CLICK_ID_PARAM } from './activation.js';
import { storage } from './storage.js';

/** What the checkout sends as `referral` in the order callback. */
export interface Referral {
  clickId: string;
  tag: string;
  /** ISO 8601 time of the landing. */
  clickedAt: string;
}

export interface MerchantOptions {
  /** Collector base URL. Default: the one the collector embedded in the script. */
  endpoint?: string;
  /** Tracking IDs accepted on landing URLs. Default: the embedded program's, else the collector's default. */
  tagPattern?: string;
  /** Log what the script does. Default `false` (or `?affil_debug=1` in the page URL). */
  debug?: boolean;
}

export const REFERRAL_COOKIE = 'affil_ref';
const DAY_S = 86_400;
/** A cart add within the click window keeps the referral for the cart window (SPEC §5). */
const CART_WINDOW_S = 90 * DAY_S;

let options: MerchantOptions = {};

const settings = (): Partial<Program> => ({ ...embeddedProgram(), ...options });

const validTag = (tag: unknown): tag is string => {
  try {
    return typeof tag === 'string' && new RegExp(settings().tagPattern ?? DEFAULT_TAG_PATTERN).test(tag);
  } catch {
    return false;
  }
};

/** A referral read from storage, or null when it is not exactly what we write (edited, truncated, foreign). */
const parse = (text: string | null | undefined): (Referral & { until?: number }) | null => {
  try {
    const r: unknown = text && JSON.parse(decodeURIComponent(text));
    if (!r || typeof r !== 'object') return null;
    const { clickId, tag, clickedAt, until } = r as Record<string, unknown>;
    // toISOString throws for invalid dates, and round-trips only for the ISO form we write.
    const iso = typeof clickedAt === 'string' && new Date(clickedAt).toISOString() === clickedAt;
    return isUuid(clickId) && validTag(tag) && iso && (until === undefined || (typeof until === 'number' && until > Date.now())) ? { clickId, tag, clickedAt } : null;
  } catch {
    return null;
  }
};

/**
 * The stored referral: the `affil_ref` cookie, else the same referral kept in localStorage. A shop
 * using the server kit holds an HttpOnly `affil_ref` the script can neither read nor overwrite, so
 * without this copy `cartAdd` would never know the click.
 */
export const referral = (): Referral | null => {
  let cookie: string | undefined;
  try {
    cookie = document.cookie.split(/; */).find((c) => c.startsWith(REFERRAL_COOKIE + '='));
  } catch {
    // Cookies blocked: only the local copy can answer.
  }
  return parse(cookie?.slice(REFERRAL_COOKIE.length + 1)) ?? parse(storage('localStorage', REFERRAL_COOKIE));
};

/**
 * Writes the referral cookie: first-party, readable by the checkout, sent on top-level navigations
 * from other sites (Lax), Secure wherever the page is.
 */
const store = (r: Referral, maxAge: number): void => {
  const { clickId, tag, clickedAt } = r;
  storage('localStorage', REFERRAL_COOKIE, JSON.stringify({ clickId, tag, clickedAt, until: Date.now() + maxAge * 1000 }));
  document.cookie =
    `${REFERRAL_COOKIE}=${encodeURIComponent(JSON.stringify({ clickId, tag, clickedAt }))}; Max-Age=${maxAge}; Path=/; SameSite=Lax` +
    (location.protocol === 'https:' ? '; Secure' : '');
};

/** Sends `event` (with an ID and the time; `send` logs it), or without one what the outbox still holds. */
const emit = (event?: Record<string, unknown> & { type: string }): void => {
  const { endpoint } = settings();
  const full = event && { ...event, id: uuid(), at: Date.now() };
  if (endpoint) send(endpoint, full);
};

/**
 * Captures a landing: with `affil_cid` (a UUID) and a well-formed `tag` in the page URL, the referral
 * replaces any older one and a `landing` event is sent. A reload of the same landing keeps the first
 * landing time and sends nothing again. Returns the current referral.
 */
export const merchant = (opts: MerchantOptions = {}): Referral | null => {
  options = opts;
  setDebug(opts.debug);
  const params = new URLSearchParams(location.search);
  const clickId = params.get(CLICK_ID_PARAM);
  const tag = params.get('tag');
  if (isUuid(clickId) && validTag(tag) && referral()?.clickId !== clickId) {
    store({ clickId, tag, clickedAt: new Date().toISOString() }, DAY_S);
    emit({ type: 'landing', click: clickId, tag, page: location.origin + location.pathname });
  } else if (outbox()[0]) emit(); // Events earlier pages could not deliver (at least once: SPEC §6).
  return referral();
};

/** Reports an item put in the cart, tied to the current referral; does nothing without one. */
export const cartAdd = (sku: string): void => {
  const r = referral();
  if (!r || typeof sku !== 'string' || !sku) return;
  // Script-set cookies live at most 7 days in Safari; the server-side kit covers the full window.
  if (Date.now() - Date.parse(r.clickedAt) < DAY_S * 1000) store(r, CART_WINDOW_S);
  emit({ type: 'cart_add', click: r.clickId, sku });
};
