// The merchant side end to end. In real headless Chromium: a reader clicks a link on the demo blog,
// lands in the demo shop (another origin, which uses `@affil/collector/merchant`), adds the item to
// the cart and checks out; the collector must have seen the landing and the cart add, and the shop
// must hold the referral in its own HttpOnly cookie. Over HTTP, with a collector whose clock we
// set: the 90-day cart window that this server-set cookie exists for.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrderClient, getReferral, referralMiddleware, type Referral } from '@affil/collector/merchant';
import { launchChromium } from './helpers/chromium.js';
import { until } from './helpers/until.js';
import { createClock, DAY, HOUR, useCollectors } from '../packages/collector/test/helpers/collector.js';
import { cartAddEvent, clickEvent, CAMERA, BOOK, iso, TEST_MARKETPLACES, workedExampleItems } from '../packages/collector/test/helpers/fixtures.js';
// @ts-expect-error: the demo is plain JavaScript without type declarations
import { startDemo, DEMO_TAG } from '../examples/demo-lib.mjs';

interface Demo {
  collector: { url: string; storage: { events: { cartAddsFor(clickId: string): Promise<Map<string, number[]>> } } };
  blog: { url: string };
  shop: { url: string };
  adminKey: string;
  accountKey: string;
  close(): Promise<void>;
}

interface LandingRow { id: string; click_id: string; tag: string; page: string | null; at: number }


describe('blog → shop landing, cart add and checkout (Chromium)', () => {
  let demo: Demo;
  let chromium: { browser: Browser; close: () => Promise<void> };
  let dir: string;
  let dbFile: string;
  let db: Database.Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'affil-merchant-e2e-'));
    dbFile = join(dir, 'demo.db');
    demo = (await startDemo({ db: dbFile })) as Demo;
    // Landings have no read API (SPEC §4 lists none), so the test reads the collector's table
    // through a second, read-only connection: WAL lets it see every committed beacon.
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    db?.close();
    await chromium?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const landingsFor = (clickId: string): LandingRow[] =>
    db.prepare<[string], LandingRow>('SELECT id, click_id, tag, page, at FROM landings WHERE click_id = ?').all(clickId);

  it('captures the landing on the shop origin in an HttpOnly cookie, and credits the checkout', async () => {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // The demo shop has no favicon; any other console error is a failure.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
    });

    await page.goto(demo.blog.url);
    const link = page.locator('#camera-link');
    await expect.poll(() => link.getAttribute('href')).toContain(`tag=${DEMO_TAG}`);
    await Promise.all([page.waitForURL(/\/dp\/B0DEMOCAM1/), link.click()]);

    // Landed on the shop: another origin than the blog, with the tag and a fresh click ID.
    const landing = new URL(page.url());
    expect(landing.origin).toBe(new URL(demo.shop.url).origin);
    expect(landing.origin).not.toBe(new URL(demo.blog.url).origin);
    expect(landing.searchParams.get('tag')).toBe(DEMO_TAG);
    const clickId = landing.searchParams.get('affil_cid')!;
    expect(clickId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // The shop's server set its own HttpOnly referral cookie from the landing URL.
    const cookies = await context.cookies(demo.shop.url);
    const ref = cookies.find((c) => c.name === 'affil_ref');
    expect(ref, JSON.stringify(cookies)).toBeDefined();
    expect(ref).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    const stored = JSON.parse(decodeURIComponent(ref!.value)) as Referral;
    expect(stored).toMatchObject({ clickId, tag: DEMO_TAG });
    expect(Math.abs(Date.parse(stored.clickedAt) - Date.now())).toBeLessThan(60_000);
    // Max-Age of 90 days: the cart window, beyond Safari's 7-day cap on script-written cookies.
    expect(ref!.expires * 1000 - Date.now()).toBeGreaterThan(89 * DAY);
    expect(ref!.expires * 1000 - Date.now()).toBeLessThan(91 * DAY);
    // No cookie at all on the publisher's blog (SPEC §6).
    expect(await context.cookies(demo.blog.url)).toEqual([]);
    // The script on the page cannot read (or overwrite) the server's cookie.
    expect(await page.evaluate(() => document.cookie)).not.toContain(clickId);

    // The landing script told the collector about the landing.
    const landings = await until('the landing event', () => {
      const rows = landingsFor(clickId);
      return rows.length > 0 ? rows : undefined;
    });
    expect(landings).toHaveLength(1);
    expect(landings[0]).toMatchObject({ click_id: clickId, tag: DEMO_TAG, page: `${landing.origin}/dp/B0DEMOCAM1` });

    // Add to cart: the cart page (server side, getReferral) shows the referral from the cookie.
    await Promise.all([page.waitForURL(/\/cart$/), page.locator('#add-to-cart').click()]);
    await expect.poll(() => page.locator('body').textContent()).toContain(`click ${clickId}`);

    // Checkout: the shop's order callback carries the referral from the server-set cookie.
    await Promise.all([page.waitForURL(/\/orders\//), page.locator('#checkout').click()]);
    await expect.poll(() => page.locator('#attribution').textContent()).toContain('credited to the referring affiliate');
    const orderId = (await page.locator('#order-id').textContent())!;
    const res = await fetch(`${demo.collector.url}/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${demo.accountKey}` } });
    expect(res.status).toBe(200);
    const order = (await res.json()) as Record<string, unknown>;
    expect(order).toMatchObject({ attributed: true, rule: 'click_window', clickId, tag: DEMO_TAG, unverifiedReferral: false });
    expect(order.referral).toMatchObject({ clickId, tag: DEMO_TAG, clickedAt: stored.clickedAt });

    expect(errors).toEqual([]);
    await context.close();
  });

  // The kit's cookie is HttpOnly, as the spec asks, so the landing script can neither read it nor
  // write its own `affil_ref` beside it; it keeps its copy of the referral in localStorage, which
  // is what lets `Affil.cartAdd(sku)` report the cart add on such a shop.
  it('reports the cart add to the collector on a shop that uses the server kit', async () => {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.blog.url);
    await expect.poll(() => page.locator('#toy-link').getAttribute('href')).toContain(`tag=${DEMO_TAG}`);
    await Promise.all([page.waitForURL(/\/dp\/B0DEMOTOY1/), page.locator('#toy-link').click()]);
    const clickId = new URL(page.url()).searchParams.get('affil_cid')!;
    await until('the landing event', () => (landingsFor(clickId).length > 0 ? true : undefined));
    try {
      await Promise.all([page.waitForURL(/\/cart$/), page.locator('#add-to-cart').click()]);
      const cartAdds = await until('the cart_add event', async () => {
        const bySku = await demo.collector.storage.events.cartAddsFor(clickId);
        return bySku.size > 0 ? bySku : undefined;
      }, 3_000);
      expect([...cartAdds.keys()]).toEqual(['B0DEMOTOY1']);
    } finally {
      await context.close();
    }
  });

  it('a newer click from the blog replaces the referral, and a tampered landing URL changes nothing', async () => {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    const clickIdFromCookie = async () => {
      const ref = (await context.cookies(demo.shop.url)).find((c) => c.name === 'affil_ref');
      return ref && (JSON.parse(decodeURIComponent(ref.value)) as Referral).clickId;
    };

    await page.goto(demo.blog.url);
    await expect.poll(() => page.locator('#camera-link').getAttribute('href')).toContain(`tag=${DEMO_TAG}`);
    await Promise.all([page.waitForURL(/\/dp\/B0DEMOCAM1/), page.locator('#camera-link').click()]);
    const first = new URL(page.url()).searchParams.get('affil_cid');
    expect(await clickIdFromCookie()).toBe(first);

    await page.goto(demo.blog.url);
    await expect.poll(() => page.locator('#book-link').getAttribute('href')).toContain(`tag=${DEMO_TAG}`);
    await Promise.all([page.waitForURL(/\/dp\/B0DEMOBK01/), page.locator('#book-link').click()]);
    const second = new URL(page.url()).searchParams.get('affil_cid');
    expect(second).not.toBe(first);
    expect(await clickIdFromCookie()).toBe(second);

    // Hand-edited landing URLs: a bad click ID, a malformed tag. The shop answers; the cookie stays.
    for (const query of [`tag=${DEMO_TAG}&affil_cid=not-a-uuid`, `tag=${encodeURIComponent('evil"; Domain=x')}&affil_cid=${first}`, 'tag=%E0%A4%A&affil_cid=%ZZ']) {
      const response = await page.goto(`${demo.shop.url}/dp/B0DEMOCAM1?${query}`);
      expect(response?.status()).toBe(200);
      expect(await clickIdFromCookie()).toBe(second);
    }
    await context.close();
  });
});

describe('the 90-day cart window with the server-set cookie (HTTP, collector clock under test control)', () => {
  const startCollector = useCollectors();
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => {
      s.close(resolve);
      s.closeAllConnections();
    })));
  });

  const CLICK_AT = '2026-11-20T09:00:00.000Z';
  const T0 = Date.parse(CLICK_AT);

  /**
   * A shop that uses the kit as a merchant would: the middleware on every page, and a checkout
   * that reads the referral and sends the order. The cookie jar is the test's (a plain string).
   */
  async function setup() {
    const clock = createClock(CLICK_AT);
    const collector = await startCollector({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    const jane = await collector.setupAccount("Jane's Blog", 'janesblog-20', 'us');
    const client = createOrderClient({ collectorUrl: collector.url, secret: collector.webhookSecrets[0]!, backoffMs: 10 });
    const app = express();
    app.use(referralMiddleware({ now: clock.now }));
    app.get('/dp/:sku', (_req, res) => {
      res.send('product page');
    });
    app.post('/checkout/:orderId', async (req, res) => {
      const answer = await client.sendOrder({
        orderId: req.params.orderId, marketplace: 'us', currency: 'USD', orderedAt: iso(clock.now()),
        referral: getReferral(req), items: workedExampleItems(),
      });
      res.json(answer);
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    const shop = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The click (collector time T0) and the landing on the shop, which sets the cookie.
    const click = clickEvent('janesblog-20');
    expect((await collector.beacon(click)).status).toBe(202);
    const landing = await fetch(`${shop}/dp/${CAMERA}?tag=janesblog-20&affil_cid=${click.id}`);
    const setCookie = landing.headers.getSetCookie().find((c) => c.startsWith('affil_ref='));
    expect(setCookie).toMatch(/; Max-Age=7776000; Path=\/; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie!.split(';')[0]!;
    const checkout = async (orderId: string) => {
      const res = await fetch(`${shop}/checkout/${orderId}`, { method: 'POST', headers: { cookie } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, any>;
    };
    return { clock, collector, jane, click, checkout };
  }

  it('credits only the line added to the cart within 24 h when the order comes 30 days later', async () => {
    const { clock, collector, click, checkout } = await setup();
    clock.set(T0 + 2 * HOUR);
    expect((await collector.beacon(cartAddEvent(click.id, CAMERA))).status).toBe(202);
    clock.set(T0 + 30 * DAY);
    const answer = await checkout('CW-30D');
    expect(answer).toMatchObject({ attributed: true, rule: 'cart_window', clickId: click.id, creditedTag: 'janesblog-20', commission: 1996 });
    expect(answer.lines).toEqual([
      expect.objectContaining({ sku: CAMERA, attributed: true, reason: 'added_to_cart_within_click_window', commission: 1996 }),
      expect.objectContaining({ sku: BOOK, attributed: false, reason: 'outside_window', commission: 0 }),
    ]);
  });

  it('credits nothing for a cart add more than 24 h after the click', async () => {
    const { clock, collector, click, checkout } = await setup();
    clock.set(T0 + 25 * HOUR);
    expect((await collector.beacon(cartAddEvent(click.id, CAMERA))).status).toBe(202);
    clock.set(T0 + 3 * DAY);
    expect(await checkout('CW-LATE-ADD')).toMatchObject({ attributed: false, rule: 'none', commission: 0 });
  });

  it('credits nothing once 90 days have passed since the cart add', async () => {
    const { clock, collector, click, checkout } = await setup();
    clock.set(T0 + 2 * HOUR);
    expect((await collector.beacon(cartAddEvent(click.id, CAMERA))).status).toBe(202);
    clock.set(T0 + 2 * HOUR + 90 * DAY - 60_000);
    expect(await checkout('CW-89D')).toMatchObject({ attributed: true, rule: 'cart_window' });
    clock.set(T0 + 2 * HOUR + 90 * DAY + 60_000);
    expect(await checkout('CW-91D')).toMatchObject({ attributed: false, rule: 'none' });
  });
});
