// The dashboard's link builder in real headless Chromium against a real collector: a merchant URL
// and one of your tags give the direct link (decorated exactly as the SDK decorates links) and the
// /go link (which the collector then redirects and counts), each with a working copy button.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startCollector, type Collector } from '../packages/collector/src/server.js';
import { DEFAULT_PROGRAM } from '../packages/collector/src/config.js';
import { decorateHref } from '../packages/sdk/src/url.js';
import { launchChromium } from './helpers/chromium.js';
import { signIn, watchErrors } from './helpers/dashboard-page.js';

let dir: string;
let collector: Collector;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
const adminKey = `affil_admin_test_${randomBytes(12).toString('base64url')}`;
let janeKey: string;
const contexts: BrowserContext[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${collector.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'affil-links-'));
  collector = await startCollector(
    {
      ...DEFAULT_PROGRAM,
      marketplaces: [
        { id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 400 } },
        { id: 'uk', hosts: ['amazon.co.uk'], tagSuffix: '-21', currency: 'GBP', rates: { default: 300 } },
      ],
      port: 0,
      host: '127.0.0.1',
      db: join(dir, 'affil.db'),
      adminKey,
      webhookSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
      publicUrl: undefined,
    },
    { log: () => undefined },
  );
  const jane = await api<{ id: string }>('POST', '/v1/accounts', { name: 'Jane' });
  await api('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' });
  await api('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' });
  janeKey = (await api<{ key: string }>('POST', `/v1/accounts/${jane.id}/keys`)).key;
  const bob = await api<{ id: string }>('POST', '/v1/accounts', { name: 'Bob' });
  await api('POST', `/v1/accounts/${bob.id}/tags`, { tag: 'bobsdeals-20', marketplace: 'us' });
  chromium = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await chromium?.close();
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openDashboard(key: string): Promise<{ page: Page; errors: string[] }> {
  const context = await chromium.browser.newContext();
  contexts.push(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: collector.url });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signIn(page, collector.url, key);
  await page.locator('#lb-tag option').first().waitFor({ state: 'attached' });
  return { page, errors };
}

/** What the builder shows now. */
const shown = (page: Page) =>
  page.evaluate(() => {
    const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
    return {
      tag: value('lb-tag'),
      direct: value('link-direct'),
      go: value('link-go'),
      message: document.querySelector('[data-testid="link-message"]')!.textContent,
      copyEnabled: !(document.querySelector('[data-testid="copy-link-go"]') as HTMLButtonElement).disabled,
      invalid: [...document.querySelectorAll('.link-builder [aria-invalid="true"]')].map((e) => e.id),
    };
  });

describe('dashboard link builder', () => {
  it('builds the direct and /go links of a merchant URL with one of your tags; copy works; the /go link counts the click', async () => {
    const { page, errors } = await openDashboard(janeKey);
    expect(await page.locator('#lb-tag option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['janesblog-20', 'janesblog-21']);

    // Pasted from the browser with another affiliate's tag and a fragment.
    const pasted = 'https://www.amazon.com/Some-Camera/dp/B08XYZ1234/ref=sr_1_1?keywords=caf%C3%A9&th=1&tag=someone-20#reviews';
    await page.locator('#lb-url').fill(pasted);
    await page.locator('#lb-source').fill('youtube.com/@janesblog');
    const direct = decorateHref(pasted, 'janesblog-20', { overrideForeignTags: true }).href;
    expect(direct).toBe('https://www.amazon.com/Some-Camera/dp/B08XYZ1234/ref=sr_1_1?keywords=caf%C3%A9&th=1&tag=janesblog-20#reviews');
    const go = `${collector.url}/go/janesblog-20?url=${encodeURIComponent(pasted)}&page=${encodeURIComponent('https://youtube.com/@janesblog')}`;
    expect(await shown(page)).toEqual({ tag: 'janesblog-20', direct, go, message: '', copyEnabled: true, invalid: [] });

    await page.getByTestId('copy-link-go').click();
    await expect.poll(() => page.getByTestId('link-copied').textContent()).toBe('Copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(go);
    await page.getByTestId('copy-link-direct').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(direct);

    // The /go link works: a 302 to the page with the tag and a click ID, and the click is counted with its source.
    const res = await fetch(go, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.getAll('tag')).toEqual(['janesblog-20']);
    const clickId = location.searchParams.get('affil_cid');
    const day = new Date().toISOString().slice(0, 10);
    const { clicks } = await api<{ clicks: { id: string; via: string; page: string; tag: string }[] }>('GET', `/v1/clicks?from=${day}&to=${day}`);
    expect(clicks).toEqual([expect.objectContaining({ id: clickId, via: 'redirect', tag: 'janesblog-20', page: 'https://youtube.com/@janesblog' })]);
    expect(errors).toEqual([]);
  });

  it('picks a tag for the storefront pasted, and says what is wrong, naming the field', async () => {
    const { page, errors } = await openDashboard(janeKey);
    await page.locator('#lb-url').fill('https://www.amazon.co.uk/dp/B08XYZ1234');
    expect(await shown(page)).toMatchObject({ tag: 'janesblog-21', direct: 'https://www.amazon.co.uk/dp/B08XYZ1234?tag=janesblog-21', message: '', copyEnabled: true });

    // A us tag on a uk link would earn nothing.
    await page.locator('#lb-tag').selectOption('janesblog-20');
    expect(await shown(page)).toMatchObject({ direct: '', go: '', copyEnabled: false, invalid: ['lb-tag'] });
    expect((await shown(page)).message).toContain('janesblog-20 is for marketplace us, this link goes to uk');

    await page.locator('#lb-url').fill('https://amazon.com.evil.example/dp/B08XYZ1234');
    expect(await shown(page)).toMatchObject({ direct: '', copyEnabled: false, invalid: ['lb-url'] });
    expect((await shown(page)).message).toContain('amazon.com.evil.example is not a storefront of this program');

    await page.locator('#lb-url').fill('www.amazon.com/dp/B08XYZ1234');
    expect((await shown(page)).message).toContain('starting with https://');

    await page.locator('#lb-url').fill('https://www.amazon.com/dp/B08XYZ1234');
    await page.locator('#lb-source').fill('my newsletter');
    expect(await shown(page)).toMatchObject({ tag: 'janesblog-20', direct: '', invalid: ['lb-source'] });
    await page.locator('#lb-source').fill('');
    expect(await shown(page)).toMatchObject({ direct: 'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', message: '', invalid: [] });
    expect(errors).toEqual([]);
  });

  it('adds a sub-ID to the /go link, whose click is stored with it; an invalid one is named', async () => {
    const { page, errors } = await openDashboard(janeKey);
    await page.locator('#lb-url').fill('https://www.amazon.com/dp/B0SUBLINK1');
    await page.locator('#lb-sub').fill('two words');
    expect(await shown(page)).toMatchObject({ go: '', copyEnabled: false, invalid: ['lb-sub'] });
    expect((await shown(page)).message).toContain('sub-ID');
    await page.locator('#lb-sub').fill('video-42');
    const go = `${collector.url}/go/janesblog-20?url=${encodeURIComponent('https://www.amazon.com/dp/B0SUBLINK1')}&sub=video-42`;
    expect(await shown(page)).toMatchObject({ go, direct: 'https://www.amazon.com/dp/B0SUBLINK1?tag=janesblog-20', message: '', invalid: [] });
    const res = await fetch(go, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const clickId = new URL(res.headers.get('location')!).searchParams.get('affil_cid');
    const day = new Date().toISOString().slice(0, 10);
    const { clicks } = await api<{ clicks: { id: string; sub: string | null }[] }>('GET', `/v1/clicks?from=${day}&to=${day}`);
    expect(clicks.find((c) => c.id === clickId)).toMatchObject({ sub: 'video-42' });
    expect(errors).toEqual([]);
  });

  it("offers the admin every account's tags, named by account, and forgets them on sign-out", async () => {
    const { page, errors } = await openDashboard(adminKey);
    expect(await page.locator('#lb-tag option').allTextContents()).toEqual(['bobsdeals-20 (us) · Bob', 'janesblog-20 (us) · Jane', 'janesblog-21 (uk) · Jane']);
    await page.locator('#lb-tag').selectOption('bobsdeals-20');
    await page.locator('#lb-url').fill('https://www.amazon.com/dp/B08XYZ1234');
    expect((await shown(page)).direct).toBe('https://www.amazon.com/dp/B08XYZ1234?tag=bobsdeals-20');
    await page.locator('#sign-out').click();
    expect(await page.locator('#lb-tag option').count()).toBe(0);
    expect(await page.locator('#lb-url').inputValue()).toBe('');
    expect(errors).toEqual([]);
  });
});
