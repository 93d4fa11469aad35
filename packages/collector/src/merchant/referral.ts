import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the checkout needs for the order callback's `referral`. */
export interface Referral { clickId: string; tag: string; clickedAt: string }

export const COOKIE = 'affil_ref';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A referral read from untrusted input, or null: tampered or malformed values are ignored. */
export function parseReferral(value: unknown): Referral | null {
  if (!value || typeof value !== 'object') return null;
  const { clickId, tag, clickedAt } = value as Record<string, unknown>;
  if (typeof clickId !== 'string' || !UUID.test(clickId)) return null;
  if (typeof tag !== 'string' || !TAG.test(tag)) return null;
  if (typeof clickedAt !== 'string' || Number.isNaN(Date.parse(clickedAt))) return null;
  return { clickId: clickId.toLowerCase(), tag, clickedAt: new Date(Date.parse(clickedAt)).toISOString() };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The referral stored in the request's `affil_ref` cookie, or null. Never throws. */
export function getReferral(req: Pick<IncomingMessage, 'headers'>): Referral | null {
  const raw = readCookie(req.headers.cookie, COOKIE);
  if (!raw || raw.length > 1024) return null;
  try {
    return parseReferral(JSON.parse(decodeURIComponent(raw)));
  } catch {
    return null; // a cookie we cannot read is as good as none
  }
}

export interface ReferralMiddlewareOptions {
  /** Cookie lifetime in days. Default 90: the cart window; the collector enforces the windows. */
  maxAgeDays?: number;
  /** Force the Secure attribute; default: when the request came over https. */
  secure?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Express/Connect middleware: on a landing URL carrying `affil_cid` and `tag`, stores the
 * referral in a server-set HttpOnly cookie. Safari caps cookies written by scripts at 7 days;
 * a cookie set by the shop's own server keeps the 90-day cart window working. The newest
 * click replaces older ones.
 */
export function referralMiddleware(options: ReferralMiddlewareOptions = {}) {
  const maxAge = Math.round((options.maxAgeDays ?? 90) * 86_400);
  const now = options.now ?? Date.now;
  return (req: IncomingMessage & { secure?: boolean }, res: ServerResponse, next: () => void): void => {
    try {
      const url = new URL(req.url ?? '/', 'http://landing.invalid');
      const referral = parseReferral({ clickId: url.searchParams.get('affil_cid'), tag: url.searchParams.get('tag'), clickedAt: new Date(now()).toISOString() });
      if (referral) {
        const secure = options.secure ?? (req.secure === true || (req.socket as { encrypted?: boolean }).encrypted === true);
        const cookie = `${COOKIE}=${encodeURIComponent(JSON.stringify(referral))}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
        const existing = res.getHeader('Set-Cookie');
        res.setHeader('Set-Cookie', [...(Array.isArray(existing) ? existing : existing ? [String(existing)] : []), cookie]);
      }
    } catch {
      // A landing URL we cannot parse must never break the shop's page.
    }
    next();
  };
}
