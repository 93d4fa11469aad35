// Issue 14.14: every dashboard view renders whatever valid data the API returns: null pages,
// orders with no account, hostile and huge strings in every stored field. Real Chromium, a real
// collector; the page must show the API's rows, no error banner, no console error, no script run.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { readHealth, signIn, watchErrors } from './helpers/dashboard-page.js';
import { startTestCollector, type TestAccount, type TestCollector } from '../packages/collector/test/helpers/collector.js';
import { TEST_MARKETPLACES } from '../packages/collector/test/helpers/fixtures.js';

const XSS = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
const BIDI = 'evil\u202egnp.exe';
const HUGE = 'W'.repeat(4000);
/** Order and line ids are printable without "/" (SPEC §4.2): still markup. */
const XSS_ID = '"><img src=x onerror="window.__pwned=1">';

let c: TestCollector;
let jane: TestAccount;
let chromium: { browser: Browser; close: () => Promise<void> };

const click = (tag: string, extra: Record<string, unknown> = {}) => ({ type: 'click', id: randomUUID(), tag, url: 'https://www.amazon.com/dp/B08XYZ1234', session: 's', via: 'click', at: Date.now(), ...extra });

beforeAll(async () => {
  c = await startTestCollector({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0 });
  chromium = await launchChromium();
  const account = await c.admin('POST', '/v1/accounts', { name: `${XSS} ${BIDI}`.slice(0, 200) });
  await c.admin('POST', `/v1/accounts/${account.body.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' });
  const key = await c.admin('POST', `/v1/accounts/${account.body.id}/keys`);
  jane = { id: account.body.id, name: account.body.name, tag: 'janesblog-20', marketplace: 'us', keyId: key.body.id, key: key.body.key, api: c.as(key.body.key) };

  // Clicks without a page (the row the old dashboard could not draw), on hostile and huge pages,
  // with hostile and huge unregistered and truncated tags.
  const events = [
    click('janesblog-2'), click('janesblog-2'), click('stranger-20'),
    click(XSS.slice(0, 128)), click(HUGE.slice(0, 128)), click(BIDI),
    click('janesblog-2', { page: `https://blog.example/${encodeURIComponent(XSS)}/${HUGE.slice(0, 1500)}` }),
    click('janesblog-20', { page: 'https://blog.example/p' }),
    click('janesblog-20', { url: `https://www.amazon.com/dp/B08XYZ1234?q=${encodeURIComponent(XSS)}` }),
  ];
  expect((await c.beacon({ events })).body.accepted).toBe(events.length);
  // A /go click has no page either.
  expect((await c.request('GET', `/go/janesblog-20?url=${encodeURIComponent('https://www.amazon.com/dp/B08XYZ1234')}`)).status).toBe(302);

  const now = new Date().toISOString();
  const line = (i: number, extra: Record<string, unknown> = {}) => ({ lineId: `${i}`, sku: `${XSS}`.slice(0, 128), category: XSS.slice(0, 64), quantity: 1, unitAmount: 99_999_999_999, ...extra });
  // Credited, with hostile ids, names and categories; one with no referral (no account, no tag).
  for (const [orderId, referral, items] of [
    [XSS_ID, { tag: 'janesblog-20', clickedAt: now }, [line(1, { name: HUGE.slice(0, 500) }), line(2, { lineId: '<i>2', name: BIDI, category: BIDI })]],
    ['order of nobody', undefined, [line(1)]],
    [HUGE.slice(0, 128), { tag: 'stranger-20', clickedAt: now }, [line(1, { name: XSS })]],
  ] as const) {
    const reply = await c.signed('/v1/orders', { orderId, marketplace: 'us', currency: 'USD', orderedAt: now, ...(referral ? { referral } : {}), items });
    expect(reply.status, reply.text).toBe(201);
  }
  const shipped = await c.signed(`/v1/orders/${encodeURIComponent(XSS_ID)}/events`, { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] });
  expect(shipped.status, shipped.text).toBe(200);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await c?.close();
});

async function open(key: string): Promise<{ page: Page; errors: string[] }> {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = watchErrors(page);
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await signIn(page, c.url, key);
  return { page, errors };
}

/** What the page shows against what the API answers for the same period and key. */
async function expectViewsToMatch(page: Page, key: string): Promise<void> {
  const period = `from=${await page.locator('#from').inputValue()}&to=${await page.locator('#to').inputValue()}`;
  const api = async (path: string) => (await c.as(key)('GET', path)).body;
  expect(await page.locator('#error').isHidden()).toBe(true);

  const health = await api(`/v1/reports/link-health?${period}`);
  expect(health.rows.some((r: { page: string | null }) => r.page === null)).toBe(true);
  const shown = await readHealth(page);
  expect(shown.value).toBe(String(health.totals.clicks));
  expect(shown.rows.map((r) => [r.tag, r.page, r.clicks])).toEqual(health.rows.map((r: { tag: string; page: string | null; clicks: number }) => [r.tag, r.page ?? '', String(r.clicks)]));

  const orders = await api(`/v1/orders?${period}&limit=20`);
  const rows = await page.locator('#orders-table tbody tr[data-order-id]').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.orderId));
  expect(rows).toEqual(orders.orders.map((o: { orderId: string }) => o.orderId));
  // Every order opens into its lines, whatever they are called.
  for (const toggle of await page.locator('#orders-table button[data-action="toggle-order"]').all()) await toggle.click();
  await expect.poll(() => page.locator('#orders-table [data-testid="order-line"]').count(), { timeout: 10_000 }).toBe(4);

  for (const by of ['tag', 'page', 'product', 'category', 'marketplace', 'day']) {
    await page.locator(`[data-testid="breakdown-tab-${by}"]`).click();
    const breakdown = await api(`/v1/reports/breakdown?by=${by}&${period}`);
    // The tab shows every row with something in its columns (never a row of zeros): at least each
    // row with items, and nothing the API did not answer.
    const keys = breakdown.rows.map((r: { key: string | null }) => r.key ?? '');
    const withItems = breakdown.rows.filter((r: { itemsOrdered: number }) => r.itemsOrdered > 0).map((r: { key: string | null }) => r.key ?? '');
    const shown = () => page.locator(`#breakdown-table[data-by="${by}"] tbody tr[data-key]`).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.key ?? ''));
    await expect
      .poll(async () => {
        const rows = await shown();
        return rows.length > 0 && withItems.every((k: string) => rows.includes(k)) && rows.every((k) => keys.includes(k));
      }, { timeout: 10_000 })
      .toBe(true);
  }
  // Stored text stayed text.
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('#main img, #main script').count()).toBe(0);
  expect(await page.locator('#error').isHidden()).toBe(true);
}

describe('dashboard with odd data', () => {
  it('shows the admin every row of every view: null pages, orders of nobody, hostile and huge strings', async () => {
    const { page, errors } = await open(c.adminKey);
    await expectViewsToMatch(page, c.adminKey);
    expect(await page.locator('#accounts-table tbody tr[data-account-id] th').textContent()).toBe(jane.name);
    expect(errors).toEqual([]);
  });

  it('shows an affiliate its own rows the same way, and follows gathered clicks live', async () => {
    const { page, errors } = await open(jane.key);
    const health = (await jane.api('GET', '/v1/reports/link-health')).body;
    expect(health.rows.length).toBeGreaterThan(0);
    await expect.poll(async () => (await readHealth(page)).rows.length, { timeout: 10_000 }).toBe(health.rows.length);
    expect(await page.locator('#error').isHidden()).toBe(true);
    // Clicks alone (no order) arrive as one `clicks` message: the page updates without a reload.
    await page.locator('#live[data-state="live"]').waitFor();
    const before = Number(await page.locator('#card-clicks').getAttribute('data-value'));
    expect((await c.beacon({ events: [click('janesblog-20'), click('janesblog-20'), click('janesblog-20')] })).body.accepted).toBe(3);
    // Clicks go out once a second, then the page settles and reloads: a few seconds on a busy machine.
    await expect.poll(async () => Number(await page.locator('#card-clicks').getAttribute('data-value')), { timeout: 15_000 }).toBe(before + 3);
    expect(await page.locator('#live').getAttribute('data-last')).toBe('clicks');
    expect(errors).toEqual([]);
  });
});
