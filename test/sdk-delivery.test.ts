// How the publisher SDK's events reach a real collector from real Chromium, at least once: fetch
// keepalive with a text/plain body (the same fetch where keepalive is missing), the localStorage
// outbox that keeps every event until a 2xx confirms it and re-sends it on the next page load (the
// collector unreachable, answering 503, offline, or the tab gone before the answer), one pageview per
// load counting the affiliate links, event IDs the collector counts once, on an http: page that has
// no crypto.randomUUID, and a tracking session in sessionStorage with no cookies.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request, Route } from 'playwright-core';
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

/** The events the page's outbox holds (unconfirmed). */
const outbox = async (page: Page): Promise<{ id: string; type: string; via?: string; tag?: string }[]> =>
  JSON.parse((await page.evaluate(() => localStorage.getItem('affil_queue'))) ?? '[]');

const summaryDelta = async () => {
  const before = await env.summary();
  return async () => {
    const now = await env.summary();
    return { pageviews: now.pageviews - before.pageviews, linkImpressions: now.linkImpressions - before.linkImpressions };
  };
};

describe('delivery in Chromium', () => {
  it('one pageview per load, counting the links that carry our tag; fetch keepalive, text/plain, UUIDs on a non-secure http: page', async () => {
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
    expect(sent[0]!.resourceType()).toBe('fetch');
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

  it('where keepalive fetch is missing, the click of a page that navigates away at once still arrives (at the latest with the next page load)', async () => {
    env.blog.serve('/no-keepalive', blogPage(links('B0NOKEEPAL'), env.snippet));
    const delta = await summaryDelta();
    const { context, page, errors } = await env.newPage();
    await context.addInitScript(() => delete (Request.prototype as { keepalive?: unknown }).keepalive);
    await page.goto(`${env.blog.origin}/no-keepalive`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    const [cid] = clickIds(page.url());
    // Without keepalive the navigation may cut the request short: the outbox keeps the click, and the
    // reader's next page of the blog sends it.
    await page.goto(`${env.blog.origin}/no-keepalive`);
    await expect.poll(async () => (await env.clicksOn('B0NOKEEPAL')).map((c) => c.id)).toEqual([cid]);
    // Both loads' pageviews have arrived too (none may land in the next test's counts).
    await expect.poll(delta).toEqual({ pageviews: 2, linkImpressions: 6 });
    expect(errors).toEqual([]);
  });

  it('keeps what it could not send while offline in the outbox and sends it with the next page load', async () => {
    env.blog.serve('/offline', blogPage(links('B0OFFLINE1'), env.snippet));
    const delta = await summaryDelta();
    const { context, page, errors } = await env.newPage();
    await page.goto(`${env.blog.origin}/offline`);
    await expect.poll(delta).toEqual({ pageviews: 1, linkImpressions: 3 });

    // The reader loses the network, then middle-clicks a link: the shop opens later, the click is kept.
    await context.setOffline(true);
    await page.locator('#buy').click({ button: 'middle' });
    await expect.poll(() => outbox(page)).toMatchObject([{ type: 'click', via: 'middle', tag: TAG }]);
    const queued = await outbox(page);
    expect(await env.clicksOn('B0OFFLINE1')).toEqual([]);

    // Back online, the next page load sends the outbox with its own pageview.
    await context.setOffline(false);
    await page.reload();
    await expect.poll(async () => (await env.clicksOn('B0OFFLINE1')).map((c) => c.id)).toEqual([queued[0]!.id]);
    await expect.poll(delta).toEqual({ pageviews: 2, linkImpressions: 6 });
    await expect.poll(() => outbox(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['unreachable (the request aborted) while the browser is online', 'B0UNREACH1', (route: Route) => route.abort('connectionrefused')],
    ['answering 503', 'B0ANSWR503', (route: Route) => route.fulfill({ status: 503, headers: { 'access-control-allow-origin': '*' }, body: '' })],
  ])('the collector %s: the click stays in the outbox and arrives after the next page load, once', async (_, product, failure) => {
    env.blog.serve(`/${product}`, blogPage(links(product), env.snippet));
    const { page, errors } = await env.newPage();
    await page.route('**/v1/events', failure);
    await page.goto(`${env.blog.origin}/${product}`);
    await page.locator('#buy').click({ modifiers: ['Control'] });
    await expect.poll(async () => (await outbox(page)).map((e) => e.type)).toEqual(['pageview', 'click']);
    const [, click] = await outbox(page);
    expect(await env.clicksOn(product)).toEqual([]);

    await page.unroute('**/v1/events');
    await page.reload();
    await expect.poll(async () => (await env.clicksOn(product)).map((c) => c.id)).toEqual([click!.id]);
    await expect.poll(() => outbox(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a tab that navigates away before the collector answers: the click is counted exactly once, and re-sent on the next load', async () => {
    // Between the page and the collector, a relay that passes each request on at once but, while
    // `holding`, keeps the answer back: the click is stored, its page never hears so.
    const requests: { events: { id: string; type: string }[] }[] = [];
    const held: (() => void)[] = [];
    let holding = false;
    const relay = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        requests.push(JSON.parse(body));
        const answer = await fetch(`${env.collector.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
        const text = await answer.text();
        const reply = () => res.writeHead(answer.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(text);
        if (holding) held.push(reply);
        else reply();
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    try {
      const snippet = `<script src="${env.collector.url}/affil.js"></script><script>Affil.init('${TAG}', { endpoint: '${endpoint}' })</script>`;
      env.blog.serve('/midway', blogPage(links('B0MIDWAY01'), snippet));
      const { page, errors } = await env.newPage();
      await page.goto(`${env.blog.origin}/midway`);
      await expect.poll(() => requests.length).toBe(1);
      await expect.poll(() => outbox(page)).toEqual([]);

      holding = true;
      await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
      const [cid] = clickIds(page.url());
      await expect.poll(async () => (await env.clicksOn('B0MIDWAY01')).map((c) => c.id)).toEqual([cid]);
      // The blog page is gone; now its request is answered.
      holding = false;
      for (const reply of held.splice(0)) reply();

      // Back on the blog: the click it never heard confirmed goes again, and is counted once.
      await page.goto(`${env.blog.origin}/midway`);
      await expect.poll(() => requests.filter((r) => r.events.some((e) => e.id === cid)).length).toBe(2);
      await expect.poll(() => outbox(page)).toEqual([]);
      expect((await env.clicksOn('B0MIDWAY01')).map((c) => c.id)).toEqual([cid]);
      expect(errors).toEqual([]);
    } finally {
      relay.closeAllConnections();
      await new Promise((resolve) => relay.close(resolve));
    }
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
    const row = (await env.collector.storage.events.listClicks({ from: 0, to: Date.now() + 1, limit: 1000, before: undefined })).find((c) => c.id === click!.id);
    expect(row?.session).toBe(session);
    expect(await context.cookies()).toEqual([]);
  });
});
