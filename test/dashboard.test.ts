// The dashboard (SPEC §8) in real headless Chromium against the demo collector: what it shows
// must be exactly what the API answers, and it must follow new orders live, without a reload.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { sendClick, sendOrder, shipOrder, type Program } from './helpers/dashboard-activity.js';
import { readCard, readHealth, signIn, watchErrors } from './helpers/dashboard-page.js';
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

interface LinkHealth {
  rows: { tag: string; page: string; problem: string; linkMarketplace: string | null; tagMarketplace: string | null; clicks: number; lastSeen: string; suggestion: string | null; account: string | null }[];
  totals: { clicks: number; unregisteredTag: number; malformedTag: number; wrongMarketplace: number };
}

interface Summary {
  clicks: number; botClicks: number; orders: number; conversionRate: number | null; itemsOrdered: number; directItems: number;
  indirectItems: number; itemsShipped: number; itemsReturned: number; byCurrency: Record<string, { revenue: number; earnings: number; pending: number }>;
}

const TAG: string = DEMO_TAG;
/** The demo tag cut short, as a copy-paste does: malformed, and the link health names the original. */
const TRUNCATED = TAG.slice(0, -1);
/** Well-formed but nobody's. */
const STRANGER = 'stranger-20';
const RESULTS = join(process.cwd(), 'test-results');
const CAMERA = { sku: 'B0DEMOCAM1', name: 'Demo Camera X100', category: 'electronics', quantity: 1, unitAmount: 49900 };
const BOOK = { sku: 'B0DEMOBK01', name: 'Field Guide to Light (book)', category: 'books', quantity: 2, unitAmount: 1299 };

let demo: Demo;
let chromium: { browser: Browser; close: () => Promise<void> };
let dir: string;
let program: Program;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'affil-dashboard-'));
  mkdirSync(RESULTS, { recursive: true });
  demo = (await startDemo({ db: join(dir, 'demo.db') })) as Demo;
  program = { collectorUrl: demo.collector.url, shopUrl: demo.shop.url, webhookSecret: demo.webhookSecret };
  chromium = await launchChromium();

  // Before the page opens: two clicks from two blog pages, one order from the first (a camera and
  // two books: one direct, two indirect items), shipped, so earnings are not zero.
  const camera = await sendClick(program, { tag: TAG, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
  await sendClick(program, { tag: TAG, product: 'B0DEMOTOY1', page: 'http://blog.example/gift-guide' });
  await sendOrder(program, { orderId: 'order-1001', clickId: camera, tag: TAG, items: [CAMERA, BOOK] });
  await shipOrder(program, 'order-1001');
  // Links that can never earn: two clicks on a link whose tag lost its last digit, one on a tag
  // nobody registered. (A wrong-marketplace link needs a second marketplace; the demo has one.)
  await sendClick(program, { tag: TRUNCATED, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
  await sendClick(program, { tag: TRUNCATED, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
  await sendClick(program, { tag: STRANGER, product: 'B0DEMOTOY1', page: 'http://deals.example/today' });
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await chromium?.close();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser context; en-US and UTC so the expected text can be formatted here the same way. */
async function openPage(options: { width: number; height: number; mobile?: boolean }): Promise<Page> {
  const context = await chromium.browser.newContext({
    viewport: { width: options.width, height: options.height },
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    deviceScaleFactor: options.mobile ? 2 : 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  contexts.push(context);
  return context.newPage();
}

async function api<T>(path: string, key: string): Promise<T> {
  const res = await fetch(`${demo.collector.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status, `${path} answered ${res.status}`).toBe(200);
  return (res.headers.get('content-type')?.includes('json') ? res.json() : res.text()) as Promise<T>;
}

const count = (n: number) => n.toLocaleString('en-US');
const usd = (cents: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

/** The period the page shows, read from its own inputs. */
async function shownPeriod(page: Page): Promise<string> {
  return `from=${await page.locator('#from').inputValue()}&to=${await page.locator('#to').inputValue()}`;
}

/** Every summary card against the API's summary for the same period and scope. */
async function expectCardsToMatch(page: Page, summary: Summary): Promise<void> {
  const expected: Record<string, [number | null, string]> = {
    clicks: [summary.clicks, count(summary.clicks)],
    orders: [summary.orders, count(summary.orders)],
    conversion: [summary.conversionRate, summary.conversionRate === null ? '–' : new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(summary.conversionRate)],
    items: [summary.itemsOrdered, count(summary.itemsOrdered)],
    shipped: [summary.itemsShipped, count(summary.itemsShipped)],
    returned: [summary.itemsReturned, count(summary.itemsReturned)],
  };
  for (const [currency, t] of Object.entries(summary.byCurrency)) {
    expect(currency).toBe('USD');
    expected[`earnings-${currency}`] = [t.earnings, usd(t.earnings)];
    expected[`pending-${currency}`] = [t.pending, usd(t.pending)];
    expected[`revenue-${currency}`] = [t.revenue, usd(t.revenue)];
  }
  for (const [id, [value, text]] of Object.entries(expected)) {
    expect(await readCard(page, id), `card ${id}`).toEqual({ value: value === null ? '' : String(value), text });
  }
  expect(await page.locator('#card-items .sub').textContent()).toBe(`${count(summary.directItems)} direct · ${count(summary.indirectItems)} indirect`);
}

const PROBLEM_TEXT: Record<string, string> = { malformed_tag: 'Malformed tag', unregistered_tag: 'Unregistered tag', wrong_marketplace: 'Wrong marketplace' };
const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** The link health panel against the API's report, narrowed to `account` as the admin's filter narrows it. */
async function expectHealthToMatch(page: Page, report: LinkHealth, account?: string): Promise<void> {
  const rows = report.rows.filter((r) => account === undefined || r.account === account);
  const lost = rows.reduce((n, r) => n + r.clicks, 0);
  const shown = await readHealth(page);
  expect(shown.value).toBe(String(lost));
  if (lost === 0) expect(shown.summary).toMatch(/^All links healthy/);
  else expect(shown.summary).toMatch(new RegExp(`^${count(lost)} clicks? lost to tag problems`));
  expect(shown.tableShown).toBe(rows.length > 0);
  expect(shown.rows).toEqual(rows.map((r) => ({
    tag: r.tag,
    page: r.page,
    problem: r.problem,
    problemText: PROBLEM_TEXT[r.problem],
    suggestion: r.suggestion === null ? null : `did you mean ${r.suggestion}?`,
    marketplaces: `link ${r.linkMarketplace ?? '–'} · tag ${r.tagMarketplace ?? '–'}`,
    clicks: String(r.clicks),
    clicksText: count(r.clicks),
    lastSeen: dateTime.format(new Date(r.lastSeen)),
  })));
}

/** Pixels uPlot drew: a blank canvas has none. */
function drawnPixels(page: Page): Promise<number> {
  return page.locator('#chart canvas').evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) drawn++;
    return drawn;
  });
}

describe('dashboard', () => {
  it('shows an affiliate the same numbers as the API, a chart, breakdowns and explained orders, and follows new orders live', async () => {
    const page = await openPage({ width: 1280, height: 900 });
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.accountKey);
    expect(await page.locator('#who').getAttribute('data-role')).toBe('account');
    expect(await page.locator('#accounts-panel').isHidden()).toBe(true);

    // Cards: exactly what GET /v1/reports/summary answers for the period on screen (30 days to today).
    const period = await shownPeriod(page);
    const [from, to] = [await page.locator('#from').inputValue(), await page.locator('#to').inputValue()];
    expect(Math.abs(Date.parse(to) - Date.now())).toBeLessThan(86_400_000);
    expect(Date.parse(to) - Date.parse(from)).toBe(29 * 86_400_000);
    const before = await api<Summary>(`/v1/reports/summary?${period}`, demo.accountKey);
    expect(before).toMatchObject({ clicks: 2, orders: 1, itemsOrdered: 3, directItems: 1, indirectItems: 2, itemsShipped: 3 });
    await expectCardsToMatch(page, before);

    // Link health: the affiliate sees its truncated tag, with the tag it was cut from; not the stranger's.
    const health = await api<LinkHealth>(`/v1/reports/link-health?${period}`, demo.accountKey);
    expect(health.rows).toEqual([expect.objectContaining({ tag: TRUNCATED, page: 'http://blog.example/post', problem: 'malformed_tag', clicks: 2, suggestion: TAG })]);
    expect(health.totals).toEqual({ clicks: 2, unregisteredTag: 0, malformedTag: 2, wrongMarketplace: 0 });
    await expectHealthToMatch(page, health);
    expect((await readHealth(page)).summary).toContain('2 clicks lost to tag problems');

    // The chart: uPlot's canvas, sized to its panel, with something drawn on it.
    const canvas = page.locator('#chart canvas');
    await canvas.waitFor();
    expect((await canvas.boundingBox())!.width).toBeGreaterThan(600);
    expect(await drawnPixels(page)).toBeGreaterThan(500);
    expect(await page.locator('#chart .u-legend').textContent()).toContain('Earnings USD');

    // Breakdown by tag (the default), then by source page.
    const tagRow = page.locator(`#breakdown-table tbody tr[data-key="${TAG}"]`);
    const byTag = await api<{ rows: { key: string | null; clicks: number; orders: number }[] }>(`/v1/reports/breakdown?by=tag&${period}`, demo.accountKey);
    const tagTotals = byTag.rows.find((r) => r.key === TAG)!;
    expect(await tagRow.locator('td').nth(0).textContent()).toBe(count(tagTotals.clicks));
    expect(await tagRow.locator('td').nth(1).textContent()).toBe(count(tagTotals.orders));
    await page.locator('[data-testid="breakdown-tab-page"]').click();
    await page.locator('#breakdown-table[data-by="page"] tr[data-key="http://blog.example/gift-guide"]').waitFor();
    expect(await page.locator('#breakdown-table tbody tr[data-key="http://blog.example/post"] th').textContent()).toBe('blog.example/post');
    expect(await page.locator('#tab-page').getAttribute('aria-selected')).toBe('true');

    // Recent orders; opening one shows each line's reason and explanation.
    const firstOrder = page.locator('#orders-table tr[data-order-id="order-1001"]');
    expect(await firstOrder.locator('td').nth(4).textContent()).toBe(usd(1996 + 117));
    await firstOrder.locator('button[data-action="toggle-order"]').click();
    const detail = page.locator('#orders-table tr[data-detail-for="order-1001"]');
    await detail.locator('[data-testid="order-line"]').first().waitFor();
    expect(await detail.locator('[data-reason]').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.reason))).toEqual(['ordered_within_click_window', 'ordered_within_click_window']);
    expect(await detail.locator('.why').first().textContent()).toContain(`Credited to ${TAG} at 400 bp`);
    expect(await detail.locator('.explanation').textContent()).toContain('click window');
    expect(await detail.locator('.ledger li').count()).toBe(2);

    // Live: a new click and order arrive while the page is open; no reload, no polling by the test's hand.
    await page.locator('#live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await sendClick(program, { tag: TRUNCATED, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
    const click = await sendClick(program, { tag: TAG, product: 'B0DEMOCAM1', page: 'http://blog.example/post' });
    await sendOrder(program, { orderId: 'order-1002', clickId: click, tag: TAG, items: [CAMERA] });
    await page.locator('#orders-table tr[data-order-id="order-1002"]').waitFor();
    await expect.poll(async () => (await readCard(page, 'orders')).value).toBe(String(before.orders + 1));
    const after = await api<Summary>(`/v1/reports/summary?${period}`, demo.accountKey);
    expect(after.orders).toBe(before.orders + 1);
    await expect.poll(async () => (await readCard(page, 'clicks')).value).toBe(String(after.clicks));
    await expectCardsToMatch(page, after);
    await expect.poll(async () => (await readHealth(page)).value).toBe('3');
    const healthAfter = await api<LinkHealth>(`/v1/reports/link-health?${period}`, demo.accountKey);
    expect(healthAfter.totals.clicks).toBe(3);
    await expectHealthToMatch(page, healthAfter);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // The newest order comes first; the opened order stayed open across the live refresh.
    expect(await page.locator('#orders-table tbody tr[data-order-id]').first().getAttribute('data-order-id')).toBe('order-1002');
    expect(await detail.locator('[data-testid="order-line"]').count()).toBe(2);

    // CSV downloads of the summary and of the breakdown shown: the API's own CSV, byte for byte.
    const [summaryCsv] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-summary').click()]);
    expect(summaryCsv.suggestedFilename()).toMatch(/^affil-summary-.*\.csv$/);
    expect(readFileSync((await summaryCsv.path())!, 'utf8')).toBe(await api<string>(`/v1/reports/summary?${period}&format=csv`, demo.accountKey));
    const [breakdownCsv] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-breakdown').click()]);
    expect(breakdownCsv.suggestedFilename()).toMatch(/^affil-by-page-.*\.csv$/);
    expect(readFileSync((await breakdownCsv.path())!, 'utf8')).toBe(await api<string>(`/v1/reports/breakdown?by=page&${period}&format=csv`, demo.accountKey));
    const [healthCsv] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-health').click()]);
    expect(healthCsv.suggestedFilename()).toMatch(/^affil-link-health-.*\.csv$/);
    expect(readFileSync((await healthCsv.path())!, 'utf8')).toBe(await api<string>(`/v1/reports/link-health?${period}&format=csv`, demo.accountKey));

    await page.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });

    // Signing out forgets the key: a reload asks for one again.
    await page.locator('#sign-out').click();
    await page.reload();
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows the admin every account and narrows the whole dashboard to one', async () => {
    const created = await fetch(`${demo.collector.url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sam Reviews' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await fetch(`${demo.collector.url}/v1/accounts/${created.id}/tags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tag: 'samreviews-20', marketplace: 'us' }),
    });
    await sendClick(program, { tag: 'samreviews-20', product: 'B0DEMOBK01', page: 'http://sam.example/review' });

    const page = await openPage({ width: 1280, height: 900 });
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.adminKey);
    expect(await page.locator('#who').getAttribute('data-role')).toBe('admin');

    const rows = page.locator('#accounts-table tbody tr[data-account-id]');
    expect(await rows.count()).toBe(2);
    expect(await rows.locator('th').allTextContents()).toEqual(expect.arrayContaining(["Jane's Blog", 'Sam Reviews']));
    expect(await page.locator(`#accounts-table tr[data-account-id="${created.id}"]`).textContent()).toContain('samreviews-20 (us)');

    const period = await shownPeriod(page);
    const all = await api<Summary>(`/v1/reports/summary?${period}`, demo.adminKey);
    await expectCardsToMatch(page, all);

    // The admin's link health has every account's problems and the tag nobody owns.
    const health = await api<LinkHealth>(`/v1/reports/link-health?${period}`, demo.adminKey);
    expect(health.rows.map((r) => [r.tag, r.problem, r.suggestion, r.account])).toEqual([
      [TRUNCATED, 'malformed_tag', TAG, demo.accountId],
      [STRANGER, 'unregistered_tag', null, null],
    ]);
    await expectHealthToMatch(page, health);
    expect((await readHealth(page)).summary).toBe(
      `${count(health.totals.clicks)} clicks lost to tag problems · malformed tag: ${count(health.totals.malformedTag)} · unregistered tag: ${count(health.totals.unregisteredTag)}`,
    );

    await page.locator('#account').selectOption(demo.accountId);
    const jane = await api<Summary>(`/v1/reports/summary?${period}&account=${demo.accountId}`, demo.adminKey);
    expect(jane.clicks).toBe(all.clicks - 1);
    await expect.poll(async () => (await readCard(page, 'clicks')).value).toBe(String(jane.clicks));
    await expectCardsToMatch(page, jane);
    expect(await page.locator('#orders-table tbody tr[data-order-id]').count()).toBe(2);
    await expectHealthToMatch(page, health, demo.accountId);
    expect((await readHealth(page)).rows.map((r) => r.tag)).toEqual([TRUNCATED]);
    // The report cannot narrow to an account, so the page writes the CSV: the collector's own lines for that account.
    const [healthCsv] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-health').click()]);
    expect(healthCsv.suggestedFilename()).toBe(`affil-link-health-${period.replace(/from=|to=/g, '').replace('&', '-to-')}-${demo.accountId}.csv`);
    const [header, ...lines] = (await api<string>(`/v1/reports/link-health?${period}&format=csv`, demo.adminKey)).split('\r\n');
    expect(readFileSync((await healthCsv.path())!, 'utf8')).toBe([header, ...lines.filter((l) => l.endsWith(`,${demo.accountId}`)), ''].join('\r\n'));
    expect(new URL(page.url()).hash).toContain(`account=${demo.accountId}`);

    await page.locator(`#accounts-table tr[data-account-id="${created.id}"] button`).click();
    await expect.poll(async () => (await readCard(page, 'clicks')).value).toBe('1');
    await page.locator('#orders-table tbody tr.empty').waitFor();
    await expectHealthToMatch(page, health, created.id);
    expect((await readHealth(page)).summary).toMatch(/^All links healthy/);

    // Another period: the panel follows it like the rest of the page.
    await page.locator('#account').selectOption('');
    await expect.poll(async () => (await readHealth(page)).value).toBe(String(health.totals.clicks));
    await page.locator('#from').fill('2020-01-01');
    await page.locator('#to').fill('2020-01-31');
    await page.locator('[data-testid="apply"]').click();
    await expect.poll(async () => (await readHealth(page)).value).toBe('0');
    await expectHealthToMatch(page, await api<LinkHealth>('/v1/reports/link-health?from=2020-01-01&to=2020-01-31', demo.adminKey));
    expect(errors).toEqual([]);
  });

  it('says clearly when a key is not accepted', async () => {
    const page = await openPage({ width: 1280, height: 900 });
    const errors = watchErrors(page);
    await page.goto(`${demo.collector.url}/dashboard`);
    await page.locator('#key').fill('affil_acct_not-a-real-key');
    await page.locator('#sign-in-submit').click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain('not accepted');
    expect(await page.locator('#key').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#report').isHidden()).toBe(true);
    // The one failed request is the rejected key itself, which Chromium reports as a failed load.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('fits a phone: no sideways page scroll, tables scroll inside their panel', async () => {
    const page = await openPage({ width: 375, height: 812, mobile: true });
    const errors = watchErrors(page);
    await signIn(page, demo.collector.url, demo.accountKey);
    await page.locator('#chart canvas').waitFor();
    await page.locator('#orders-table tr[data-order-id="order-1001"] button[data-action="toggle-order"]').click();
    await page.locator('#orders-table tr[data-detail-for="order-1001"] [data-testid="order-line"]').first().waitFor();

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const scroller = page.locator('#orders-table').locator('xpath=..');
    const widths = await scroller.evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth, overflow: getComputedStyle(el).overflowX }));
    expect(widths.client).toBeLessThanOrEqual(375);
    expect(widths.scroll).toBeGreaterThan(widths.client);
    expect(widths.overflow).toBe('auto');
    expect((await page.locator('#chart canvas').boundingBox())!.width).toBeLessThanOrEqual(375);
    // Link health has a row with a suggestion here; its table scrolls inside the panel too.
    expect((await readHealth(page)).rows.map((r) => r.suggestion)).toEqual([`did you mean ${TAG}?`]);
    const healthScroller = await page.locator('#health-scroll').evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth, right: el.getBoundingClientRect().right }));
    expect(healthScroller.client).toBeLessThanOrEqual(375);
    expect(healthScroller.right).toBeLessThanOrEqual(375);
    expect((await page.locator('#health-summary').boundingBox())!.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(RESULTS, 'dashboard-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
