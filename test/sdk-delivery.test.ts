// How the publisher SDK's events reach a real collector from real Chromium: sendBeacon with a
// text/plain body, fetch keepalive when sendBeacon is missing (even as the page navigates away),
// the localStorage queue sent on the next page load when nothing could take them, one pageview per
// load counting the affiliate links, event IDs the collector counts once, on an http: page that has
// no crypto.randomUUID, and a tracking session in sessionStorage with no cookies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { blogPage, clickIds, startSdkEnv, TAG, UUID, type SdkEnv } from './helpers/sdk-env.js';

let env: SdkEnv;

beforeAll(async () => {
  env = await startSdkEnv();
});

afterAll(async () => {
  await env?.close();
});

const links = (asin: string) =>
  [
    `<a id="buy" href="${env.shop.origin}/dp/${asin}">decorated</a>`,
    `<a href="https://www.amazon.com/dp/${asin}?psc=1#reviews">decorated</a>`,
    `<a href="https://www.amazon.com/gp/product/${asin}?tag=${TAG}">own tag</a>`,
    `<a href="https://www.amazon.com/dp/${asin}?tag=someone-20">foreign tag</a>`,
    '<a href="https://amzn.to/3xYz">short link</a>',
    '<a href="https://example.com/">elsewhere</a>',
    '<a href="/about">about</a>',
  ].join('\n');

/** Beacons the page sent to the collector: what the browser put on the wire. */
function beacons(page: Page): Request[] {
  const sent: Request[] = [];
  page.on('request', (r) => r.url() === `${env.collector.url}/v1/events` && sent.push(r));
  return sent;
}

const summaryDelta = async () => {
  const before = await env.summary();
  return async () => {
    const now = await env.summary();
    return { pageviews: now.pageviews - before.pageviews, linkImpressions: now.linkImpressions - before.linkImpressions };
  };
};

describe('delivery in Chromium', () => {
  it('one pageview per load, counting the links that carry our tag; sendBeacon, text/plain, UUIDs on a non-secure http: page', async () => {
    env.blog.serve('/counted', blogPage(links('B0COUNTED1'), env.snippet));
    const delta = await summaryDelta();
    const { page, errors } = await env.newPage();
    const sent = beacons(page);
    await page.goto(`${env.blog.origin}/counted`);
    await expect.poll(delta).toEqual({ pageviews: 1, linkImpressions: 3 });
    // A plain http: page on a public-looking host: not a secure context, so no crypto.randomUUID.
    expect(await page.evaluate(() => [isSecureContext, typeof crypto.randomUUID])).toEqual([false, 'undefined']);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.method()).toBe('POST');
    expect(sent[0]!.headers()['content-type']).toMatch(/^text\/plain/);
    expect(sent[0]!.resourceType()).toMatch(/ping|beacon|other/);
    const [pageview] = (sent[0]!.postDataJSON() as { events: Record<string, unknown>[] }).events;
    expect(pageview).toMatchObject({ type: 'pageview', tag: TAG, links: 3, page: `${env.blog.origin}/counted` });
    expect(pageview!.id).toMatch(UUID);
    expect(pageview!.session).toMatch(UUID);
    // Another init (say, refining tags) decorates again but sends no second pageview: once a click
    // sent after it has arrived, a second pageview would have too.
    await page.evaluate(() => (window as unknown as { Affil: { init(tag: string): void } }).Affil.init('janesblog-20'));
    await page.locator('#buy').click({ modifiers: ['Control'] });
    await expect.poll(async () => (await env.clicksOn('B0COUNTED1')).length).toBe(1);
    expect(await delta()).toEqual({ pageviews: 1, linkImpressions: 3 });
    expect(sent).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('the collector counts an event once, however often it is delivered', async () => {
    env.blog.serve('/twice', blogPage(links('B0TWICE001'), env.snippet));
    const { page } = await env.newPage();
    const sent = beacons(page);
    await page.goto(`${env.blog.origin}/twice`);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    await expect.poll(async () => (await env.clicksOn('B0TWICE001')).length).toBe(1);
    // The same click again, byte for byte, as a retry or a replayed queue would send it.
    const body = sent.at(-1)!.postData()!;
    const res = await fetch(`${env.collector.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(await res.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await env.clicksOn('B0TWICE001')).toHaveLength(1);
  });

  it('without sendBeacon, fetch keepalive delivers the click of a page that navigates away at once', async () => {
    env.blog.serve('/no-beacon', blogPage(links('B0NOBEACON'), env.snippet));
    const { context, page, errors } = await env.newPage();
    await context.addInitScript(() => delete (Navigator.prototype as { sendBeacon?: unknown }).sendBeacon);
    const sent = beacons(page);
    await page.goto(`${env.blog.origin}/no-beacon`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    const [cid] = clickIds(page.url());
    await expect.poll(async () => (await env.clicksOn('B0NOBEACON')).map((c) => c.id)).toEqual([cid]);
    expect(sent.map((r) => r.resourceType())).toContain('fetch');
    expect(errors).toEqual([]);
  });

  it('keeps what it could not send in localStorage and sends it with the next page load', async () => {
    env.blog.serve('/offline', blogPage(links('B0OFFLINE1'), env.snippet));
    const delta = await summaryDelta();
    const { context, page, errors } = await env.newPage();
    await page.goto(`${env.blog.origin}/offline`);
    await expect.poll(delta).toEqual({ pageviews: 1, linkImpressions: 3 });

    // The reader loses the network, then middle-clicks a link: the shop opens later, the click is kept.
    await context.setOffline(true);
    await page.locator('#buy').click({ button: 'middle' });
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem('affil_queue')))
      .toContain('"type":"click"');
    const queued = JSON.parse(`[${await page.evaluate(() => localStorage.getItem('affil_queue'))}]`) as { id: string; type: string }[];
    expect(queued).toMatchObject([{ type: 'click', via: 'middle', tag: TAG }]);
    expect(await env.clicksOn('B0OFFLINE1')).toEqual([]);

    // Back online, the next page load sends the queue with its own pageview.
    await context.setOffline(false);
    await page.reload();
    await expect.poll(async () => (await env.clicksOn('B0OFFLINE1')).map((c) => c.id)).toEqual([queued[0]!.id]);
    await expect.poll(delta).toEqual({ pageviews: 2, linkImpressions: 6 });
    expect(await page.evaluate(() => localStorage.getItem('affil_queue'))).toBeNull();
    expect(errors).toEqual([]);
  });

  it('queues events when the collector cannot be reached and sendBeacon refuses them', async () => {
    env.blog.serve('/unreachable', blogPage(links('B0UNREACH1'), env.snippet));
    const { context, page } = await env.newPage();
    // sendBeacon refusing (its quota full) and the collector unreachable: only the queue is left.
    await context.addInitScript(() => {
      if (!sessionStorage.getItem('test:reachable')) Navigator.prototype.sendBeacon = () => false;
    });
    await page.route('**/v1/events', (route) => route.abort('connectionrefused'));
    await page.goto(`${env.blog.origin}/unreachable`);
    await page.locator('#buy').click({ modifiers: ['Control'] });
    await expect
      .poll(async () => JSON.parse(`[${await page.evaluate(() => localStorage.getItem('affil_queue'))}]`).map((e: { type: string }) => e.type))
      .toEqual(['pageview', 'click']);
    await page.unroute('**/v1/events');
    await page.evaluate(() => sessionStorage.setItem('test:reachable', '1'));
    await page.reload();
    await expect.poll(async () => (await env.clicksOn('B0UNREACH1')).length).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('affil_queue'))).toBeNull();
  });

  it('keeps a tracking session in sessionStorage, with no cookies; page is origin + path only', async () => {
    env.blog.serve('/session', blogPage(links('B0SESSION1'), env.snippet));
    const { context, page } = await env.newPage();
    await page.goto(`${env.blog.origin}/session?utm_source=newsletter#top`);
    await page.locator('#buy').click({ modifiers: ['Control'] });
    await expect.poll(async () => (await env.clicksOn('B0SESSION1')).length).toBe(1);
    const [click] = await env.clicksOn('B0SESSION1');
    expect(click!.page).toBe(`${env.blog.origin}/session`);
    const stored = await page.evaluate(() => sessionStorage.getItem('affil_session'));
    const [session] = stored!.split(' ');
    expect(session).toMatch(UUID);
    // The collector keeps the session with each event (not shown by its API).
    const row = env.collector.repo.events.listClicks({ from: 0, to: Date.now() + 1, limit: 1000, before: undefined }).find((c) => c.id === click!.id);
    expect(row?.session).toBe(session);
    expect(await context.cookies()).toEqual([]);
  });
});
