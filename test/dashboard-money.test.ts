// Issue 18/19 in the dashboard: the Payments tab (balances, payouts, a payout run, mark paid,
// statements) and the admin-only Integrity tab. Real Chromium, a real collector whose clock is
// set past the month an order shipped in, data seeded through its HTTP API.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './helpers/axe.js';
import { launchChromium } from './helpers/chromium.js';
import { signIn, watchErrors } from './helpers/dashboard-page.js';
import { BROWSER_UA, createClock, startTestCollector, type TestAccount, type TestCollector } from '../packages/collector/test/helpers/collector.js';
import { BOOK, clickEvent, orderBody, TEST_MARKETPLACES } from '../packages/collector/test/helpers/fixtures.js';

const NAME = 'Jane <img src=x onerror="window.__pwned=1">';
const clock = createClock('2026-09-10T09:00:00Z');
let c: TestCollector;
let jane: TestAccount;
let chromium: { browser: Browser; close: () => Promise<void> };

beforeAll(async () => {
  c = await startTestCollector({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0, now: clock.now, payouts: { payableAfterDays: 30, minimum: { USD: 1000 } } });
  chromium = await launchChromium();
  jane = await c.setupAccount(NAME, 'janesblog-20', 'us');
  const click = clickEvent(jane.tag);
  expect((await c.beacon(click)).status).toBe(202);
  const now = new Date(clock.now()).toISOString();
  const orderId = '112-0000000-0000001';
  const created = await c.signed('/v1/orders', orderBody({ orderId, orderedAt: now, referral: { clickId: click.id, tag: jane.tag, clickedAt: now } }));
  expect(created.status, created.text).toBe(201);
  const shipped = await c.signed(`/v1/orders/${orderId}/events`, { type: 'shipped', at: now });
  expect(shipped.status, shipped.text).toBe(200);
  // A book in October (1299 × 450 bp = 58): payable from December 1, under the 10.00 minimum.
  clock.set('2026-10-05T09:00:00Z');
  const book = clickEvent(jane.tag);
  expect((await c.beacon(book)).status).toBe(202);
  const october = new Date(clock.now()).toISOString();
  const small = await c.signed('/v1/orders', orderBody({ orderId: '112-0000000-0000003', orderedAt: october, referral: { clickId: book.id, tag: jane.tag, clickedAt: october }, items: [{ lineId: '1', sku: BOOK, name: 'Book', category: 'books', quantity: 1, unitAmount: 1299 }] }));
  expect(small.status, small.text).toBe(201);
  expect((await c.signed('/v1/orders/112-0000000-0000003/events', { type: 'shipped', at: october })).status).toBe(200);
  clock.set('2026-11-02T09:00:00Z'); // shipped in September: payable from October 31

  // A self-referral: Jane signs in, then clicks her own link from the same browser and orders.
  expect((await c.request('GET', '/v1/me', { headers: { authorization: `Bearer ${jane.key}`, 'user-agent': BROWSER_UA } })).status).toBe(200);
  const own = clickEvent(jane.tag);
  expect((await c.beacon(own, { userAgent: BROWSER_UA })).status).toBe(202);
  const at = new Date(clock.now()).toISOString();
  const held = await c.signed('/v1/orders', orderBody({ orderId: '112-0000000-0000002', orderedAt: at, referral: { clickId: own.id, tag: jane.tag, clickedAt: at } }));
  expect(held.status, held.text).toBe(201);
  expect(held.body.status).toBe('on_hold');
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await c?.close();
});

async function open(key: string): Promise<{ page: Page; errors: string[] }> {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signIn(page, c.url, key);
  return { page, errors };
}

const janeRow = (page: Page, table: string) => page.locator(`#${table} tbody tr[data-account="${jane.id}"]`);

/** Jane's next-payout row in USD against `nextPayout.USD` of `GET /v1/balance` (what the domain decided). */
async function expectNextPayout(page: Page, api: { amount: number; payableOn: string; minimum: number; belowMinimum: boolean }, when: string) {
  const row = page.locator(`#next-payout-table tbody tr[data-account="${jane.id}"][data-currency="USD"][data-payable-on="${api.payableOn}"]`);
  await row.waitFor();
  expect(await row.getAttribute('data-below-minimum')).toBe(String(api.belowMinimum));
  expect(await row.getByTestId('next-payout-amount').getAttribute('data-value')).toBe(String(api.amount));
  expect(await row.getByTestId('next-payout-when').textContent()).toBe(when);
}

describe('dashboard: Payments and Integrity', () => {
  it('the admin sees a payable balance, previews and runs a payout, marks it paid', async () => {
    const { page, errors } = await open(c.adminKey);
    await expect(page.getByTestId('view-integrity').isVisible()).resolves.toBe(true);
    await page.getByTestId('view-payments').click();
    const balance = janeRow(page, 'balances-table');
    await balance.waitFor();
    expect(await balance.locator('[data-testid="balance-payable"]').getAttribute('data-value')).toBe('2113');
    expect(await balance.locator('[data-testid="balance-payable"]').textContent()).toBe('$21.13');
    expect(await balance.locator('td').first().textContent()).toBe(NAME); // shown as text, not markup
    expect(await page.getByTestId('payouts-table').textContent()).toContain('No payouts yet.');
    // The next payout: September's 21.13 is payable now (October's 0.58 matures on December 1).
    const next = (await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.nextPayout.USD;
    expect(next).toEqual({ amount: 2113, payableOn: '2026-11-02', minimum: 1000, belowMinimum: false });
    await expectNextPayout(page, next, 'Payable from Nov 2, 2026: in the first payout run through that day');
    expect(await janeRow(page, 'next-payout-table').getByTestId('next-payout-amount').textContent()).toBe('$21.13');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByTestId('payout-through').fill('2026-10-31');
    await page.getByTestId('payout-preview').click();
    await janeRow(page, 'preview-table').waitFor();
    expect(await janeRow(page, 'preview-table').textContent()).toContain('$21.13');
    expect((await c.admin('GET', '/v1/payouts')).body.payouts).toEqual([]); // a preview stores nothing

    await page.getByTestId('payout-create').click();
    const row = page.locator('#payouts-table tbody tr[data-testid="payout-row"]');
    await row.locator('[data-testid="payout-status"]', { hasText: 'created' }).waitFor();
    const [payout] = (await c.admin('GET', '/v1/payouts')).body.payouts;
    expect(payout).toMatchObject({ account: jane.id, amount: 2113, currency: 'USD', status: 'created', through: '2026-10-31' });
    expect(await balance.locator('[data-testid="balance-inPayout"]').getAttribute('data-value')).toBe('2113');
    // In a payout now: what is next is October's 0.58, under the minimum.
    await expectNextPayout(page, (await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.nextPayout.USD, 'Under the $10.00 minimum: rolls over to later payout runs until the minimum is reached');

    const download = page.waitForEvent('download');
    await page.getByTestId('payout-export').click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv).toContain(payout.id);

    await row.getByTestId('paid-reference').fill('WIRE-<42>');
    await row.getByRole('button', { name: 'Mark paid' }).click();
    await row.locator('[data-testid="payout-status"]', { hasText: 'paid' }).waitFor();
    expect(await row.textContent()).toContain('WIRE-<42>');
    expect((await c.admin('GET', `/v1/payouts/${payout.id}`)).body).toMatchObject({ status: 'paid', reference: 'WIRE-<42>' });
    await balance.locator('[data-testid="balance-paid"][data-value="2113"]').waitFor();

    await page.getByTestId('view-integrity').click();
    await page.locator('#integrity-table tbody tr').first().waitFor();
    expect(await page.getByTestId('integrity-table').isVisible()).toBe(true);
    await page.locator('#from').fill('2026-11-01');
    await page.locator('#to').fill('2026-11-30');
    await page.getByTestId('apply').click();
    const flagged = page.locator('#integrity-table tbody tr[data-testid="integrity-row"][data-rule="self_referral"]');
    await flagged.waitFor();
    expect(await flagged.locator('td').allTextContents()).toEqual(['2026-11-02', 'self_referral', 'janesblog-20', NAME, '0', '1', '1', '0', '0', '$21.13']);
    const csvDownload = page.waitForEvent('download');
    await page.getByTestId('csv-integrity').click();
    expect(readFileSync((await (await csvDownload).path())!, 'utf8')).toContain(`2026-11-02,self_referral,janesblog-20,${jane.id},0,1,1,0,0,USD,2113`);
    expect(await page.getByTestId('payments-view').isVisible()).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.context().close();
  });

  it('the account sees its balance, its paid payout and downloads its statement; no Integrity tab', async () => {
    const { page, errors } = await open(jane.key);
    expect(await page.getByTestId('view-integrity').isVisible()).toBe(false);
    await page.getByTestId('view-payments').click();
    const balance = janeRow(page, 'balances-table');
    await balance.waitFor();
    expect(await balance.locator('[data-testid="balance-paid"]').textContent()).toBe('$21.13');
    const buckets = (await jane.api('GET', '/v1/balance')).body.byCurrency.USD;
    for (const bucket of ['pending', 'maturing', 'payable', 'inPayout', 'paid', 'onHold', 'carriedForward']) {
      expect(await balance.locator(`[data-testid="balance-${bucket}"]`).getAttribute('data-value'), bucket).toBe(String(buckets[bucket]));
    }
    // Its next payout, as the API states it: 0.58 from December 1, rolling over under the 10.00 minimum.
    const next = (await jane.api('GET', '/v1/balance')).body.nextPayout.USD;
    expect(next).toEqual({ amount: 58, payableOn: '2026-12-01', minimum: 1000, belowMinimum: true });
    await expectNextPayout(page, next, 'Under the $10.00 minimum: rolls over to later payout runs until the minimum is reached');
    expect(await janeRow(page, 'next-payout-table').getByTestId('next-payout-amount').textContent()).toBe('$0.58');
    const row = page.locator('#payouts-table tbody tr[data-testid="payout-row"]');
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('paid');
    expect(await row.getByTestId('payout-amount').textContent()).toBe('$21.13');
    expect(await row.locator('form').count()).toBe(0); // only the admin marks payouts paid
    expect(await page.getByTestId('payout-run-panel').isVisible()).toBe(false);

    await page.getByTestId('statement-month').fill('2026-09');
    const download = page.waitForEvent('download');
    await page.getByTestId('statement-json').click();
    const statement = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
    expect(statement).toMatchObject({ account: jane.id, currency: 'USD', signature: { alg: 'Ed25519' } });
    const html = page.waitForEvent('download');
    await page.getByTestId('statement-html').click();
    expect(readFileSync((await (await html).path())!, 'utf8')).toContain('<');
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
