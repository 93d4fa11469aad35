// Issue 18/19 in the dashboard: the Payments tab (balances, payouts, a payout run, mark paid,
// statements) and the admin-only Integrity tab. Real Chromium, a real collector whose clock is
// set past the month an order shipped in, data seeded through its HTTP API.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './helpers/axe.js';
import { launchChromium } from './helpers/chromium.js';
import { signIn, watchErrors } from './helpers/dashboard-page.js';
import { createClock, startTestCollector, type TestAccount, type TestCollector } from '../packages/collector/test/helpers/collector.js';
import { clickEvent, orderBody, TEST_MARKETPLACES } from '../packages/collector/test/helpers/fixtures.js';

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
  clock.set('2026-11-02T09:00:00Z'); // shipped in September: payable from October 31
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
