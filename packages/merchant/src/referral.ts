import { isUuid } from '@affil/sdk/url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_TAG_PATTERN } from './contract.js';

/** What the checkout needs for the order callback's `referral`. */
export interface Referral {
  clickId: string;
  tag: string;
  /** ISO 8601 UTC time the shop's server first saw this click land. */
  clickedAt: string;
}

export interface ReferralReadOptions {
  /**
   * Tracking IDs to accept: the program's `tagPattern` (SPEC §3). Default
   * `^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$`, the collector's default.
   */
  tagPattern?: RegExp | string;
}

/** The cookie the landing script and this kit share (SPEC §6). */
export const REFERRAL_COOKIE = 'affil_ref';
/** The landing URL's click ID parameter, added by the publisher SDK on activation. */
export const CLICK_ID_PARAM = 'affil_cid';
export const TAG_PARAM = 'tag';

// Strict ISO 8601 with a zone: `Date.parse` alone accepts "1" or "March 7", which the collector refuses.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
/** The collector accepts tags of at most 128 characters, whatever pattern a program uses. */
const MAX_TAG = 128;
/** Our cookie is about 150 characters encoded; anything far longer was not written by us. */
const MAX_COOKIE_VALUE = 1024;

const patterns = new Map<string, RegExp>();
/** Compiles a tag pattern once; a malformed pattern is the caller's bug and throws at setup. */
function tagMatcher(pattern: RegExp | string | undefined): RegExp {
  if (pattern instanceof RegExp) return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
  const source = pattern ?? DEFAULT_TAG_PATTERN;
  let compiled = patterns.get(source);
  if (!compiled) patterns.set(source, (compiled = new RegExp(source)));
  return compiled;
}

/**
 * A referral read from untrusted input (a cookie, a URL), or null: tampered or malformed values
 * are ignored, never thrown. The tag is kept exactly as given (SPEC §2: never re-cased).
 */
export function parseReferral(value: unknown, options: ReferralReadOptions = {}): Referral | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const { clickId, tag, clickedAt } = value as Record<string, unknown>;
  if (typeof clickId !== 'string' || !isUuid(clickId)) return null;
  if (typeof tag !== 'string' || tag.length > MAX_TAG || !tagMatcher(options.tagPattern).test(tag)) return null;
  if (typeof clickedAt !== 'string' || !ISO_TIME.test(clickedAt)) return null;
  const time = Date.parse(clickedAt);
  if (Number.isNaN(time) || !isCalendarDate(clickedAt)) return null;
  return { clickId: clickId.toLowerCase(), tag, clickedAt: new Date(time).toISOString() };
}

/** `Date.parse` rolls 2026-02-30 over to March 2; a date that does not exist is malformed. */
function isCalendarDate(iso: string): boolean {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Every value of cookie `name` in a `Cookie` header, in header order. */
export function readCookies(header: unknown, name: string): string[] {
  if (typeof header !== 'string') return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** One cookie value decoded and checked, or null. */
function decodeReferral(raw: string, options: ReferralReadOptions): Referral | null {
  if (raw.length === 0 || raw.length > MAX_COOKIE_VALUE) return null;
  try {
    return parseReferral(JSON.parse(decodeURIComponent(raw)), options);
  } catch {
    return null; // bad percent-encoding or JSON: a cookie we cannot read is as good as none
  }
}

/** Referrals the middleware captured on this very request, before the browser sends the cookie back. */
const captured = new WeakMap<object, Referral>();

/**
 * The referral for this request, or null. Never throws. On the landing request itself it is the
 * click just captured; otherwise the `affil_ref` cookie. When the browser sends several (a
 * script-written one beside the server's), the newest click wins.
 */
export function getReferral(req: Pick<IncomingMessage, 'headers'>, options: ReferralReadOptions = {}): Referral | null {
  try {
    const now = captured.get(req);
    if (now) return now;
    let newest: Referral | null = null;
    for (const raw of readCookies(req.headers?.cookie, REFERRAL_COOKIE)) {
      const referral = decodeReferral(raw, options);
      if (referral && (!newest || referral.clickedAt > newest.clickedAt)) newest = referral;
    }
    return newest;
  } catch {
    return null; // a request object we cannot read (no headers): no referral
  }
}

/** The one click a landing URL carries, or null; several different values are as bad as none. */
function landingParams(url: string): { clickId: string; tag: string } | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  const params = new URLSearchParams(url.slice(q + 1).split('#')[0]);
  const clickIds = new Set(params.getAll(CLICK_ID_PARAM));
  const tags = new Set(params.getAll(TAG_PARAM));
  if (clickIds.size !== 1 || tags.size !== 1) return null;
  return { clickId: [...clickIds][0]!, tag: [...tags][0]! };
}

export interface ReferralMiddlewareOptions extends ReferralReadOptions {
  /**
   * Cookie lifetime in days. Default 90, the cart window (SPEC §5): the collector, not the cookie,
   * decides which lines are still credited, so the cookie only has to outlive the longest window.
   */
  maxAgeDays?: number;
  /**
   * Whether the cookie gets `Secure`. Default: when the request came over https, i.e. a TLS socket,
   * or Express's `req.secure` — which honours `X-Forwarded-Proto` only when the app trusts its
   * proxy (`app.set('trust proxy', …)`), so a client cannot claim https by sending the header.
   */
  secure?: boolean;
  /** Clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number;
}

type LandingRequest = IncomingMessage & { secure?: boolean; originalUrl?: string };

/**
 * Express/Connect middleware: on a landing URL carrying `affil_cid` (a UUID) and a well-formed `tag`,
 * stores the referral in a server-set HttpOnly cookie. Safari caps cookies written by scripts at
 * 7 days; a cookie set by the shop's own server keeps the 90-day cart window working. The newest
 * click replaces older ones; reloading the same landing keeps the first landing time. Malformed
 * landing parameters are ignored and the request always continues.
 */
export function referralMiddleware(options: ReferralMiddlewareOptions = {}) {
  const maxAgeDays = options.maxAgeDays ?? 90;
  if (!(Number.isFinite(maxAgeDays) && maxAgeDays > 0)) throw new RangeError(`referralMiddleware: maxAgeDays must be a positive number, not ${maxAgeDays}`);
  const maxAge = Math.round(maxAgeDays * 86_400);
  const read: ReferralReadOptions = { tagPattern: tagMatcher(options.tagPattern) };
  const now = options.now ?? Date.now;

  const capture = (req: LandingRequest, res: ServerResponse): void => {
    // A landing is a page view; a form post that happens to carry the parameters is not a click.
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    const params = landingParams(req.originalUrl ?? req.url ?? '');
    if (!params) return;
    const referral = parseReferral({ ...params, clickedAt: new Date(now()).toISOString() }, read);
    if (!referral) return;
    const current = getReferral(req, read);
    if (current?.clickId === referral.clickId) return; // a reload: the first landing time stands
    captured.set(req, referral);
    if (res.headersSent) return;
    const secure = options.secure ?? (req.secure === true || (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true);
    appendSetCookie(res, `${REFERRAL_COOKIE}=${encodeURIComponent(JSON.stringify(referral))}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
  };

  return function affilReferral(req: LandingRequest, res: ServerResponse, next: () => void): void {
    try {
      capture(req, res);
    } catch {
      // Whatever the landing URL holds, it must never break the shop's page.
    }
    next();
  };
}

/** Adds a cookie, keeping every `Set-Cookie` set before us. */
function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
