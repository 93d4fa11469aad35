import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { getReferral, parseReferral, referralMiddleware, REFERRAL_COOKIE, type Referral } from '../src/index.js';

const CLICK = '0193a5b0-7c1e-7d2a-9f3b-2c4d5e6f7a8b';
const OTHER_CLICK = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const TAG = 'janesblog-20';
const AT = '2026-11-20T09:00:00.000Z';
const GOOD: Referral = { clickId: CLICK, tag: TAG, clickedAt: AT };

/** The cookie value exactly as the kit (and the landing script) writes it. */
const cookieValue = (value: unknown): string => encodeURIComponent(JSON.stringify(value));
const requestWith = (cookie: string | undefined) => ({ headers: cookie === undefined ? {} : { cookie } });

describe('parseReferral', () => {
  it('accepts a well-formed referral and normalises the time to ISO UTC', () => {
    expect(parseReferral(GOOD)).toEqual(GOOD);
    expect(parseReferral({ ...GOOD, clickedAt: '2026-11-20T10:00:00+01:00' })).toEqual(GOOD);
    expect(parseReferral({ ...GOOD, clickId: CLICK.toUpperCase() })).toEqual(GOOD);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', JSON.stringify(GOOD)],
    ['an array', [CLICK, TAG, AT]],
    ['a number', 42],
    ['no clickId', { tag: TAG, clickedAt: AT }],
    ['clickId a number', { ...GOOD, clickId: 123 }],
    ['clickId not a UUID', { ...GOOD, clickId: 'not-a-uuid' }],
    ['clickId a UUID with extra text', { ...GOOD, clickId: `${CLICK}x` }],
    ['clickId a UUID plus a newline', { ...GOOD, clickId: `${CLICK}\n` }],
    ['clickId an object', { ...GOOD, clickId: { toString: () => CLICK } }],
    ['no tag', { clickId: CLICK, clickedAt: AT }],
    ['tag a number', { ...GOOD, tag: 20 }],
    ['tag without the suffix', { ...GOOD, tag: 'janesblog' }],
    ['tag in capitals (never re-cased)', { ...GOOD, tag: 'JanesBlog-20' }],
    ['tag with a space', { ...GOOD, tag: 'janes blog-20' }],
    ['tag with markup', { ...GOOD, tag: '<script>-20' }],
    ['tag with a leading hyphen', { ...GOOD, tag: '-janesblog-20' }],
    ['tag too long for the pattern', { ...GOOD, tag: `${'a'.repeat(64)}-20` }],
    ['huge tag', { ...GOOD, tag: `${'a'.repeat(100_000)}-20` }],
    ['no clickedAt', { clickId: CLICK, tag: TAG }],
    ['clickedAt a number', { ...GOOD, clickedAt: Date.parse(AT) }],
    ['clickedAt "1" (Date.parse accepts it)', { ...GOOD, clickedAt: '1' }],
    ['clickedAt in prose', { ...GOOD, clickedAt: 'November 20, 2026' }],
    ['clickedAt without a zone', { ...GOOD, clickedAt: '2026-11-20T09:00:00' }],
    ['clickedAt an impossible date', { ...GOOD, clickedAt: '2026-02-30T09:00:00Z' }],
    ['clickedAt out of range', { ...GOOD, clickedAt: '2026-13-45T99:99:99Z' }],
  ])('ignores %s', (_name, value) => {
    expect(parseReferral(value)).toBeNull();
  });

  it('takes another tag pattern when the program has one', () => {
    const uk = { ...GOOD, tag: 'Shop.UK_21' };
    expect(parseReferral(uk)).toBeNull();
    expect(parseReferral(uk, { tagPattern: '^[A-Za-z._]+_21$' })).toEqual(uk);
    expect(parseReferral(uk, { tagPattern: /^[a-z._]+_21$/gi })).toEqual(uk);
    // A global RegExp keeps state between calls; the kit must not depend on it.
    const sticky = /^[a-z._]+_21$/gi;
    expect([1, 2, 3].map(() => parseReferral(uk, { tagPattern: sticky }))).toEqual([uk, uk, uk]);
  });

  it('caps tags at the collector limit whatever the pattern', () => {
    expect(parseReferral({ ...GOOD, tag: 'a'.repeat(129) }, { tagPattern: '^a+$' })).toBeNull();
    expect(parseReferral({ ...GOOD, tag: 'a'.repeat(128) }, { tagPattern: '^a+$' })).not.toBeNull();
  });
});

describe('getReferral', () => {
  it('reads the affil_ref cookie among others', () => {
    expect(getReferral(requestWith(`cart=%5B%5D; ${REFERRAL_COOKIE}=${cookieValue(GOOD)}; theme=dark`))).toEqual(GOOD);
  });

  it.each<[string, string | undefined]>([
    ['no Cookie header', undefined],
    ['an empty Cookie header', ''],
    ['other cookies only', 'a=1; b=2'],
    ['a cookie whose name merely ends in affil_ref', `xaffil_ref=${cookieValue(GOOD)}`],
    ['an empty value', `${REFERRAL_COOKIE}=`],
    ['bad percent-encoding', `${REFERRAL_COOKIE}=%E0%A4%A`],
    ['a lone percent sign', `${REFERRAL_COOKIE}=%`],
    ['not JSON', `${REFERRAL_COOKIE}=hello`],
    ['truncated JSON', `${REFERRAL_COOKIE}=${cookieValue(GOOD).slice(0, 40)}`],
    ['JSON null', `${REFERRAL_COOKIE}=null`],
    ['a JSON string', `${REFERRAL_COOKIE}=${cookieValue(JSON.stringify(GOOD))}`],
    ['a JSON array', `${REFERRAL_COOKIE}=${cookieValue([GOOD])}`],
    ['wrong types', `${REFERRAL_COOKIE}=${cookieValue({ clickId: 1, tag: true, clickedAt: null })}`],
    ['a non-UUID click ID', `${REFERRAL_COOKIE}=${cookieValue({ ...GOOD, clickId: '1 OR 1=1' })}`],
    ['a tag the program cannot accept', `${REFERRAL_COOKIE}=${cookieValue({ ...GOOD, tag: 'evil"tag' })}`],
    ['a bad time', `${REFERRAL_COOKIE}=${cookieValue({ ...GOOD, clickedAt: 'yesterday' })}`],
    ['a huge value', `${REFERRAL_COOKIE}=${cookieValue({ ...GOOD, padding: 'x'.repeat(100_000) })}`],
    ['a prototype-pollution attempt', `${REFERRAL_COOKIE}=${cookieValue(JSON.parse('{"__proto__":{"clickId":"x"}}'))}`],
  ])('answers null for %s', (_name, cookie) => {
    expect(getReferral(requestWith(cookie))).toBeNull();
  });

  it('never throws, whatever the request looks like', () => {
    for (const req of [{}, { headers: undefined }, { headers: null }, { headers: { cookie: ['a=1'] } }, { headers: { cookie: 42 } }]) {
      expect(getReferral(req as never)).toBeNull();
    }
  });

  it('keeps the newest valid click when the browser sends several', () => {
    const older = { ...GOOD, clickId: OTHER_CLICK, clickedAt: '2026-11-19T09:00:00.000Z' };
    const header = `${REFERRAL_COOKIE}=garbage; ${REFERRAL_COOKIE}=${cookieValue(older)}; ${REFERRAL_COOKIE}=${cookieValue(GOOD)}`;
    expect(getReferral(requestWith(header))).toEqual(GOOD);
    const reversed = `${REFERRAL_COOKIE}=${cookieValue(GOOD)}; ${REFERRAL_COOKIE}=${cookieValue(older)}`;
    expect(getReferral(requestWith(reversed))).toEqual(GOOD);
  });

  it('applies the tag pattern it is given', () => {
    const custom = { ...GOOD, tag: 'SHOP_1' };
    const req = requestWith(`${REFERRAL_COOKIE}=${cookieValue(custom)}`);
    expect(getReferral(req)).toBeNull();
    expect(getReferral(req, { tagPattern: '^[A-Z]+_\\d$' })).toEqual(custom);
  });
});

// --- the middleware over real HTTP: Express in front, as shops use it ---------------------------

const NOW = Date.parse('2026-11-20T09:00:00Z');
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => {
    s.close(resolve);
    s.closeAllConnections();
  })));
});

interface ShopOptions {
  trustProxy?: boolean;
  /** Runs before the kit: an app that already set cookies of its own. */
  before?: express.RequestHandler;
  middleware?: Parameters<typeof referralMiddleware>[0];
}

/** A shop whose every page echoes what `getReferral` saw. */
async function startShop(o: ShopOptions = {}): Promise<string> {
  const app = express();
  if (o.trustProxy) app.set('trust proxy', 'loopback');
  if (o.before) app.use(o.before);
  app.use(referralMiddleware({ now: () => NOW, ...o.middleware }));
  app.all('/{*path}', (req, res) => {
    res.json({ referral: getReferral(req) });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function visit(url: string, init: RequestInit = {}): Promise<{ status: number; cookies: string[]; referral: Referral | null }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const body = init.method === 'HEAD' ? { referral: null } : ((await res.json()) as { referral: Referral | null });
  return { status: res.status, cookies: res.headers.getSetCookie(), referral: body.referral };
}

const landing = (base: string, clickId = CLICK, tag = TAG, path = '/dp/B08XYZ1234') => `${base}${path}?${new URLSearchParams({ tag, affil_cid: clickId })}`;

/** The single affil_ref Set-Cookie of a response, split into its value and attributes. */
function referralCookie(cookies: string[]): { value: Referral; attributes: string[] } | undefined {
  const mine = cookies.filter((c) => c.startsWith(`${REFERRAL_COOKIE}=`));
  expect(mine.length).toBeLessThanOrEqual(1);
  if (!mine[0]) return undefined;
  const [pair, ...attributes] = mine[0].split('; ');
  return { value: JSON.parse(decodeURIComponent(pair!.slice(REFERRAL_COOKIE.length + 1))), attributes };
}

describe('referralMiddleware', () => {
  it('sets an HttpOnly, Lax, site-wide, 90-day cookie for a valid landing URL', async () => {
    const shop = await startShop();
    const { status, cookies, referral } = await visit(landing(shop));
    expect(status).toBe(200);
    const cookie = referralCookie(cookies)!;
    expect(cookie.value).toEqual({ clickId: CLICK, tag: TAG, clickedAt: new Date(NOW).toISOString() });
    expect(cookie.attributes.sort()).toEqual(['HttpOnly', `Max-Age=${90 * 86_400}`, 'Path=/', 'SameSite=Lax']);
    // The landing page itself already sees the click, before the browser sends the cookie back.
    expect(referral).toEqual(cookie.value);
  });

  it('writes the value the landing script writes (encodeURIComponent of the JSON)', async () => {
    const shop = await startShop();
    const { cookies } = await visit(landing(shop));
    const expected = { clickId: CLICK, tag: TAG, clickedAt: new Date(NOW).toISOString() };
    expect(cookies[0]!.split(';')[0]).toBe(`${REFERRAL_COOKIE}=${encodeURIComponent(JSON.stringify(expected))}`);
  });

  it('honours maxAgeDays', async () => {
    const shop = await startShop({ middleware: { maxAgeDays: 30 } });
    expect(referralCookie((await visit(landing(shop))).cookies)!.attributes).toContain(`Max-Age=${30 * 86_400}`);
    expect(() => referralMiddleware({ maxAgeDays: 0 })).toThrow(/maxAgeDays/);
    expect(() => referralMiddleware({ maxAgeDays: Number.NaN })).toThrow(/maxAgeDays/);
  });

  it.each<[string, string]>([
    ['no query', '/dp/B08XYZ1234'],
    ['only a tag', `/dp/X?tag=${TAG}`],
    ['only a click ID', `/dp/X?affil_cid=${CLICK}`],
    ['a click ID that is not a UUID', `/dp/X?tag=${TAG}&affil_cid=12345`],
    ['a click ID with SQL', `/dp/X?tag=${TAG}&affil_cid=${encodeURIComponent(`${CLICK}' OR 1=1`)}`],
    ['a malformed tag', `/dp/X?tag=Jane%27s%20Blog&affil_cid=${CLICK}`],
    ['a tag with a cookie separator', `/dp/X?tag=${encodeURIComponent(`${TAG}; Domain=evil.example`)}&affil_cid=${CLICK}`],
    ['a huge tag', `/dp/X?tag=${'a'.repeat(4000)}-20&affil_cid=${CLICK}`],
    ['bad percent-encoding', `/dp/X?tag=%E0%A4%A&affil_cid=%ZZ${CLICK}`],
    ['an empty tag', `/dp/X?tag=&affil_cid=${CLICK}`],
    ['two different click IDs', `/dp/X?tag=${TAG}&affil_cid=${CLICK}&affil_cid=${OTHER_CLICK}`],
    ['two different tags', `/dp/X?tag=${TAG}&tag=otherblog-20&affil_cid=${CLICK}`],
    ['the parameters only in the fragment', `/dp/X#tag=${TAG}&affil_cid=${CLICK}`],
  ])('sets no cookie for %s, and the page still answers', async (_name, path) => {
    const shop = await startShop();
    const { status, cookies, referral } = await visit(`${shop}${path}`);
    expect(status).toBe(200);
    expect(cookies).toEqual([]);
    expect(referral).toBeNull();
  });

  it('accepts the same click ID repeated (one distinct value)', async () => {
    const shop = await startShop();
    const { cookies } = await visit(`${shop}/dp/X?tag=${TAG}&affil_cid=${CLICK}&affil_cid=${CLICK}`);
    expect(referralCookie(cookies)?.value.clickId).toBe(CLICK);
  });

  it('captures landings on GET and HEAD only', async () => {
    const shop = await startShop();
    expect((await visit(landing(shop), { method: 'POST' })).cookies).toEqual([]);
    expect(referralCookie((await visit(landing(shop), { method: 'HEAD' })).cookies)).toBeDefined();
  });

  it('replaces an older click with the newest, and leaves a reload of the same landing alone', async () => {
    const shop = await startShop();
    const older: Referral = { clickId: OTHER_CLICK, tag: 'otherblog-20', clickedAt: '2026-11-01T00:00:00.000Z' };
    const newer = await visit(landing(shop), { headers: { cookie: `${REFERRAL_COOKIE}=${cookieValue(older)}` } });
    expect(referralCookie(newer.cookies)!.value).toMatchObject({ clickId: CLICK, tag: TAG });
    expect(newer.referral).toMatchObject({ clickId: CLICK });

    const firstLanding: Referral = { ...GOOD, clickedAt: '2026-11-20T08:00:00.000Z' };
    const reload = await visit(landing(shop), { headers: { cookie: `${REFERRAL_COOKIE}=${cookieValue(firstLanding)}` } });
    expect(reload.cookies).toEqual([]);
    expect(reload.referral).toEqual(firstLanding);
  });

  it('overwrites a tampered cookie with a valid landing', async () => {
    const shop = await startShop();
    const { cookies } = await visit(landing(shop), { headers: { cookie: `${REFERRAL_COOKIE}=%7Bbroken` } });
    expect(referralCookie(cookies)!.value.clickId).toBe(CLICK);
  });

  it('keeps the Set-Cookie headers the app set before it', async () => {
    const shop = await startShop({
      before: (_req, res, next) => {
        res.cookie('session', 'abc', { httpOnly: true });
        res.append('Set-Cookie', 'theme=dark; Path=/');
        next();
      },
    });
    const { cookies } = await visit(landing(shop));
    expect(cookies).toHaveLength(3);
    expect(cookies[0]).toMatch(/^session=abc;/);
    expect(cookies[1]).toBe('theme=dark; Path=/');
    expect(referralCookie(cookies)).toBeDefined();
  });

  it('adds Secure when the app trusts its proxy and the proxy says https', async () => {
    const trusting = await startShop({ trustProxy: true });
    const https = await visit(landing(trusting), { headers: { 'x-forwarded-proto': 'https' } });
    expect(referralCookie(https.cookies)!.attributes).toContain('Secure');
    const http = await visit(landing(trusting), { headers: { 'x-forwarded-proto': 'http' } });
    expect(referralCookie(http.cookies)!.attributes).not.toContain('Secure');
  });

  it('ignores X-Forwarded-Proto when the app does not trust proxies', async () => {
    const shop = await startShop();
    const { cookies } = await visit(landing(shop), { headers: { 'x-forwarded-proto': 'https' } });
    expect(referralCookie(cookies)!.attributes).not.toContain('Secure');
  });

  it('lets the shop force Secure on or off', async () => {
    const on = await startShop({ middleware: { secure: true } });
    expect(referralCookie((await visit(landing(on))).cookies)!.attributes).toContain('Secure');
    const off = await startShop({ trustProxy: true, middleware: { secure: false } });
    expect(referralCookie((await visit(landing(off), { headers: { 'x-forwarded-proto': 'https' } })).cookies)!.attributes).not.toContain('Secure');
  });

  it('uses Secure for a TLS socket without Express (plain node:http / Connect)', () => {
    const headers: Record<string, unknown> = {};
    const res = { headersSent: false, getHeader: (n: string) => headers[n.toLowerCase()], setHeader: (n: string, v: unknown) => void (headers[n.toLowerCase()] = v) };
    let nextCalls = 0;
    referralMiddleware({ now: () => NOW })(
      { method: 'GET', url: `/?tag=${TAG}&affil_cid=${CLICK}`, headers: {}, socket: { encrypted: true } } as never,
      res as never,
      () => void nextCalls++,
    );
    expect(nextCalls).toBe(1);
    expect(String((headers['set-cookie'] as string[])[0])).toMatch(/; Secure$/);
  });

  it('reads the full URL when mounted under a path (req.originalUrl)', async () => {
    const app = express();
    app.use('/shop', referralMiddleware({ now: () => NOW }), (req, res) => {
      res.json({ referral: getReferral(req) });
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { cookies } = await visit(landing(base, CLICK, TAG, '/shop/dp/X'));
    expect(referralCookie(cookies)?.value.clickId).toBe(CLICK);
  });

  it('uses the program tag pattern it is given', async () => {
    const shop = await startShop({ middleware: { tagPattern: '^[a-z]+\\.[a-z]{2}$' } });
    expect((await visit(landing(shop, CLICK, TAG))).cookies).toEqual([]);
    expect(referralCookie((await visit(landing(shop, CLICK, 'jane.uk'))).cookies)?.value.tag).toBe('jane.uk');
  });

  it('calls next once, even when the response cannot take headers any more', () => {
    let nextCalls = 0;
    const res = { headersSent: true, getHeader: () => { throw new Error('sent'); }, setHeader: () => { throw new Error('sent'); } };
    referralMiddleware()({ method: 'GET', url: `/?tag=${TAG}&affil_cid=${CLICK}`, headers: {} } as never, res as never, () => void nextCalls++);
    referralMiddleware()({ method: 'GET', headers: {} } as never, res as never, () => void nextCalls++);
    expect(nextCalls).toBe(2);
  });
});
