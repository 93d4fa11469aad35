// The dashboard as a newcomer reads it in their first hour (issue 16), in real headless Chromium
// against the demo collector: numbers that read right (orders per product, no rows of zeros, net
// commission after a return, gross sales, one bot click), the account's name, and accessibility
// (axe-core's WCAG 2.1 A/AA rules on every view; tabs, "Why?" and CSV from the keyboard).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations } from './helpers/axe.js';
import { launchChromium } from './helpers/chromium.js';
import { sendClick, sendOrder, shipOrder, type Program } from './helpers/dashboard-activity.js';
import { readCard, signIn, watchErrors } from './helpers/dashboard-page.js';
// @ts-expect-error: the demo is plain JavaScript without type declarations
import { startDemo, DEMO_TAG } from '../examples/demo-lib.mjs';

interface Demo {
  collector: { url: string };
  shop: { url: string };
  adminKey: string;
  accountKey: string;
  accountId: string;
  webhookSecret: string;
  close(): Promise<void>;
}

interface Row { key: string | null; clicks: number; orders: number; itemsOrdered: number; pageviews: number }

const TAG: string = DEMO_TAG;
/** The breakdown tabs, in the dashboard's order. */
const DIMENSIONS = ['tag', 'marketplace', 'category', 'product', 'page', 'sub', 'day'];
const CAMERA = { sku: 'B0DEMOCAM1', name: 'Demo Camera X100', category: 'electronics', quantity: 1, unitAmount: 49900 };
const BOOK = { sku: 'B0DEMOBK01', name: 'Field Guide to Light (book)', category: 'books', quantity: 2, unitAmount: 1299 };
const usd = (cents: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

let demo: Demo;
let chromium: { browser: Browser; close: () => Promise<void> };
let dir: string;
let program: Program;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'affil-first-hour-'));
  demo = (await startDemo({ db: join(dir, 'demo.db') })) as Demo;
  program = { collectorUrl: demo.collector.url, shopUrl: demo.shop.url, webhookSecret: demo.webhookSecret };
  chromium = await launchChromium();

  // A page view (page views have no marketplace or product: the API's null rows hold them), two
  // orders that share the book, one shipped and then returned in full, and a click made with curl.
  const pageview = { type: 'pageview', id: randomUUID(), tag: TAG, page: 'http://blog.example/post', session: 's', links: 3, at: Date.now() };
  expect((await fetch(`${demo.collector.url}/v1/events`, { method: 'POST', body: JSON.stringify(pageview) })).status).toBe(202);
  const camera = await sendClick(program, { tag: TAG, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
  await sendOrder(program, { orderId: 'order-3001', clickId: camera, tag: TAG, items: [CAMERA, BOOK] });
  const book = await sendClick(program, { tag: TAG, product: 'B0DEMOBK01', page: 'http://blog.example/books' });
  await sendOrder(program, { orderId: 'order-3002', clickId: book, tag: TAG, items: [{ ...BOOK, quantity: 1 }] });
  await shipOrder(program, 'order-3002');
  await returnOrder('order-3002');
  const go = await fetch(`${demo.collector.url}/go/${TAG}?url=${encodeURIComponent(`${demo.shop.url}/dp/B0DEMOCAM1`)}`, { redirect: 'manual', headers: { 'user-agent': 'curl/8.5.0' } });
  expect(go.headers.get('affil-click')).toBe('not-counted; reason=bot');
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await chromium?.close();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Returns every shipped unit, signed as the merchant kit signs it. */
async function returnOrder(orderId: string) {
  const { createOrderClient } = await import('@affil/merchant');
  await createOrderClient({ collectorUrl: demo.collector.url, secret: demo.webhookSecret }).sendOrderEvent(orderId, { type: 'returned' });
}

async function openPage(): Promise<Page> {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
  contexts.push(context);
  return context.newPage();
}

async function api<T>(path: string, key = demo.accountKey): Promise<T> {
  const res = await fetch(`${demo.collector.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status, path).toBe(200);
  return res.json() as Promise<T>;
}

async function period(page: Page) {
  return `from=${await page.locator('#from').inputValue()}&to=${await page.locator('#to').inputValue()}`;
}

/** The breakdown table as shown: header labels, and each row's key cell and cells. */
function readBreakdown(page: Page) {
  return page.locator('#breakdown-table').evaluate((table: HTMLTableElement) => ({
    by: table.dataset.by,
    head: [...table.tHead!.rows[0]!.cells].map((c) => c.textContent),
    rows: [...table.tBodies[0]!.rows].map((r) => ({ key: r.dataset.key, cells: [...r.cells].map((c) => c.textContent) })),
  }));
}

async function showTab(page: Page, by: string) {
  await page.locator(`[data-testid="breakdown-tab-${by}"]`).click();
  await page.locator(`#breakdown-table[data-by="${by}"]`).waitFor();
}

describe('dashboard numbers a newcomer reads', () => {
  it("greets the account by name and shows orders per product, no rows of zeros, net commission after a return, gross sales and '1 bot click'", async () => {
    const page = await openPage();
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.accountKey);
    expect(await page.locator('#who').textContent()).toBe("Jane's Blog");

    const p = await period(page);
    const summary = await api<{ botClicks: number; orders: number; byCurrency: { USD: { revenue: number } } }>(`/v1/reports/summary?${p}`);
    expect(summary.botClicks).toBe(1);
    expect(await page.locator('#card-clicks .sub').textContent()).toBe('1 bot click not counted');
    expect(await page.locator('#card-revenue-USD .label').textContent()).toBe('Gross sales USD');
    expect((await readCard(page, 'revenue-USD')).value).toBe(String(summary.byCurrency.USD.revenue));

    // By product: each product's orders are the orders containing it; the book is in both.
    await showTab(page, 'product');
    const products = await api<{ rows: Row[] }>(`/v1/reports/breakdown?by=product&${p}`);
    expect(products.rows.find((r) => r.key === 'B0DEMOBK01')).toMatchObject({ orders: 2 });
    const shown = await readBreakdown(page);
    expect(shown.head.slice(0, 4)).toEqual(['Product', 'Clicks', 'Orders', 'Conversion']);
    const bookRow = shown.rows.find((r) => r.key === 'B0DEMOBK01')!;
    expect(bookRow.cells.slice(1, 4)).toEqual(['1', '2', '200%']);
    expect(shown.rows.find((r) => r.key === 'B0DEMOCAM1')!.cells.slice(1, 4)).toEqual(['1', '1', '100%']);
    // The API's null row (the page view) has nothing in these columns, so it is not shown.
    expect(products.rows.some((r) => r.key === null)).toBe(true);
    expect(shown.rows.map((r) => r.key)).not.toContain('');
    expect(await page.locator('#breakdown-note').textContent()).toContain('do not add up');

    // By category: no clicks column (clicks have no category), and no "none" row.
    await showTab(page, 'category');
    const categories = await readBreakdown(page);
    expect(categories.head.slice(0, 3)).toEqual(['Category', 'Orders', 'Items']);
    expect(categories.rows.map((r) => r.key).sort()).toEqual(['books', 'electronics']);
    expect(categories.rows.find((r) => r.key === 'books')!.cells[1]).toBe('2');

    // By marketplace: the page view's null row is left out; no row is all zeros anywhere.
    for (const by of DIMENSIONS) {
      await showTab(page, by);
      const table = await readBreakdown(page);
      for (const row of table.rows) {
        expect(row.cells.slice(1).every((c) => /^[0$.,–%]*$/.test(c ?? '')), `${by} row ${row.key}: ${row.cells.join(' | ')}`).toBe(false);
      }
    }
    expect((await readBreakdown(page)).rows.length).toBeGreaterThan(0);

    // Recent orders: the returned order earns nothing now, and says what was reversed.
    const returned = page.locator('#orders-table tr[data-order-id="order-3002"] [data-testid="order-commission"]');
    const original = Math.round(1299 * 0.045);
    expect(await returned.textContent()).toBe(`${usd(0)} — ${usd(original)} reversed`);
    expect(await returned.getAttribute('data-value')).toBe('0');
    // The open order is worth what it was attributed, with nothing reversed.
    expect(await page.locator('#orders-table tr[data-order-id="order-3001"] [data-testid="order-commission"]').textContent()).toBe(usd(1996 + 117));
    expect(errors).toEqual([]);
  });

  it('flags accounts that share a name in the admin\'s list and filter', async () => {
    const res = await fetch(`${demo.collector.url}/v1/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${demo.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: "jane's blog" }),
    });
    expect(res.status).toBe(201);
    const twin = (await res.json()) as { id: string };
    const page = await openPage();
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.adminKey);
    expect(await page.locator('#accounts-table [data-testid="duplicate-name"]').count()).toBe(2);
    expect(await page.locator(`#account option[value="${twin.id}"]`).textContent()).toBe(`jane's blog (${twin.id})`);
    expect(errors).toEqual([]);
  });
});

describe('dashboard accessibility', () => {
  it('has no WCAG 2.1 A/AA violation on the sign-in page, any tab, an open "Why?" panel or the error banner', async () => {
    const page = await openPage();
    const errors = watchErrors(page);
    await page.goto(`${demo.collector.url}/dashboard`);
    await page.locator('#sign-in').waitFor();
    expect(await axeViolations(page), 'sign-in').toEqual([]);

    await signIn(page, demo.collector.url, demo.accountKey);
    for (const by of DIMENSIONS) {
      await showTab(page, by);
      expect(await axeViolations(page), `tab ${by}`).toEqual([]);
    }
    await page.locator('#orders-table tr[data-order-id="order-3001"] [data-action="toggle-order"]').click();
    await page.locator('#orders-table tr[data-detail-for="order-3001"] [data-testid="order-line"]').first().waitFor();
    await page.locator('.glossary summary').click();
    expect(await axeViolations(page), 'Why? panel and glossary open').toEqual([]);
    // The dark theme has colours of its own.
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page), 'dark theme').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });

    await page.locator('#from').fill('2030-01-02');
    await page.locator('#to').fill('2030-01-01');
    await page.locator('[data-testid="apply"]').click();
    await page.locator('#error:not([hidden])').waitFor();
    expect(await axeViolations(page), 'error banner').toEqual([]);
    expect(errors).toEqual([]);
  });

  it('works from the keyboard with visible focus: the tabs, "Why?" and the CSV downloads', async () => {
    const page = await openPage();
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.accountKey);
    /** The focused element and whether its focus ring shows. */
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { id: el.id, testid: el.dataset.testid ?? '', ring: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2 };
    });

    // Tab into the tab list: focus lands on the selected tab; the arrows move and select.
    await page.locator('#csv-breakdown').focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'tab-tag', testid: 'breakdown-tab-tag', ring: true });
    await page.keyboard.press('ArrowRight');
    await page.locator('#breakdown-table[data-by="marketplace"]').waitFor();
    expect(await focused()).toMatchObject({ id: 'tab-marketplace', ring: true });
    expect(await page.locator('#tab-marketplace').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await page.locator('#breakdown-table[data-by="day"]').waitFor();
    await page.keyboard.press('Home');
    await page.locator('#breakdown-table[data-by="tag"]').waitFor();
    expect(await focused()).toMatchObject({ id: 'tab-tag', ring: true });

    // "Why?" opens and closes with Enter and Space.
    const toggle = page.locator('#orders-table tr[data-order-id="order-3001"] [data-action="toggle-order"]');
    await toggle.focus();
    expect((await focused()).ring).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('#orders-table tr[data-detail-for="order-3001"] [data-testid="order-line"]').first().waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press(' ');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');

    // The CSV downloads are buttons: Enter starts one.
    await page.locator('#csv-summary').focus();
    expect(await focused()).toMatchObject({ id: 'csv-summary', ring: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/^affil-summary-.*\.csv$/);
    expect(errors).toEqual([]);
  });
});
