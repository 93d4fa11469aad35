// The click fields of SPEC §10 from real Chromium: a reader's real click is trusted, a script's
// el.click() is not, a click inside a (cross-origin) frame is framed, one inside a 1×1 frame is not
// visible, dwell counts the ms since the page's time origin, and the sub-ID comes from the link's
// data-affil-sub or from init, as the page gave it (the collector checks it). The beacons go through a small relay that records each body as the
// browser sent it and passes it on to the real collector, which must store the click with its sub
// and signals as GET /v1/clicks shows them (an invalid sub dropped, the click kept).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { blogPage, startSdkEnv, TAG, type SdkEnv } from './helpers/sdk-env.js';

let env: SdkEnv;
let relay: { server: Server; origin: string; bodies: unknown[]; frames: Map<string, string> };

beforeAll(async () => {
  env = await startSdkEnv();
  const bodies: unknown[] = [];
  const frames = new Map<string, string>();
  // `ads.test`: a third site (blog.test embeds its frames cross-origin) and the beacon relay.
  const server = createServer((req, res) => {
    const cors = { 'access-control-allow-origin': '*' };
    if (req.method === 'POST' && req.url === '/v1/events') {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        fetch(`${env.collector.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text })
          .then(async (answer) => {
            res.writeHead(answer.status, { ...cors, 'content-type': 'application/json' });
            res.end(await answer.text());
          })
          .catch(() => {
            res.writeHead(502, cors);
            res.end();
          });
      });
      return;
    }
    const frame = frames.get(req.url ?? '');
    res.writeHead(frame ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(frame ?? 'not found');
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay = { server, origin: `http://ads.test:${(server.address() as AddressInfo).port}`, bodies, frames };
});

afterAll(async () => {
  if (relay) {
    relay.server.closeAllConnections();
    await new Promise<void>((resolve) => relay.server.close(() => resolve()));
  }
  await env?.close();
});

/** The publisher's snippet, with beacons sent through the relay and `options` added to init. */
const snippet = (options = '') =>
  `<script src="${env.collector.url}/affil.js"></script>` +
  `<script>Affil.init('${TAG}', { endpoint: '${relay.origin}'${options ? ', ' + options : ''} })</script>`;

/** A merchant link to the shop's product `asin`, with `attributes`. */
const link = (asin: string, attributes = '') => `<a id="buy" ${attributes} href="${env.shop.origin}/dp/${asin}">this camera</a>`;

/** The click on product `asin` as the browser sent it (the relay saw it), once it arrived. */
async function sentClick(asin: string): Promise<Record<string, unknown>> {
  const find = () =>
    relay.bodies
      .flatMap((b) => ((b as { events?: unknown[] }).events ?? [b]) as Record<string, unknown>[])
      .filter((e) => e.type === 'click' && String(e.url).includes(`/dp/${asin}?`));
  await expect.poll(() => find().length, { timeout: 10_000 }).toBeGreaterThan(0);
  // At least once: a re-sent click carries the same ID.
  expect(new Set(find().map((e) => e.id)).size).toBe(1);
  return find()[0]!;
}

/** The collector stored that click, with `fields` (its sub and signals as GET /v1/clicks shows them; null: not shown). */
async function stored(asin: string, id: unknown, fields: Record<string, unknown>): Promise<void> {
  await expect.poll(async () => (await env.clicksOn(asin)).map((c) => c.id), { timeout: 10_000 }).toEqual([id]);
  const click = (await env.clicksOn(asin))[0] as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(fields)) {
    if (value === null) expect(click, field).not.toHaveProperty(field);
    else expect(click[field], field).toEqual(value);
  }
}

/** Serves `body` as a blog post at `path` and opens it. */
async function open(page: Page, path: string, body: string): Promise<void> {
  env.blog.serve(path, blogPage(body, ''));
  await page.goto(env.blog.origin + path);
}

/** The page's own clock (ms since its time origin). */
const now = (page: Page) => page.evaluate(() => performance.now());

describe('click integrity fields and sub-IDs in Chromium', () => {
  it('a reader’s click: trusted, visible, not framed, dwell in whole ms since the page began, the init sub', async () => {
    const asin = 'B0TRUSTED1';
    const { page, errors } = await env.newPage();
    await open(page, `/${asin}`, link(asin) + snippet("sub: 'newsletter-12'"));
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    const before = await now(page);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    const click = await sentClick(asin);
    expect(click).toMatchObject({ trusted: true, visible: true, framed: false, sub: 'newsletter-12', via: 'click' });
    expect(Number.isInteger(click.dwell)).toBe(true);
    expect(click.dwell).toBeGreaterThanOrEqual(Math.floor(before));
    // (Before the shop's page loaded: far less than the test has taken so far.)
    expect(click.dwell).toBeLessThan(60_000);
    await stored(asin, click.id, { sub: 'newsletter-12', trusted: true, visible: true, framed: false, dwell: click.dwell });
    expect(errors).toEqual([]);
  });

  it('a script’s el.click(): untrusted, and the link’s data-affil-sub wins over the page’s', async () => {
    const asin = 'B0SCRIPTED';
    const { page, errors } = await env.newPage();
    await open(page, `/${asin}`, link(asin, 'data-affil-sub="post-42"') + snippet("sub: 'page-level'"));
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.evaluate(() => (document.querySelector('#buy') as HTMLElement).click())]);
    const click = await sentClick(asin);
    expect(click).toMatchObject({ trusted: false, visible: true, framed: false, sub: 'post-42' });
    await stored(asin, click.id, { sub: 'post-42', trusted: false, visible: true, framed: false });
    expect(errors).toEqual([]);
  });

  // The SDK sends the page's label as given; the collector checks it and drops an invalid one (SPEC
  // §10), keeping the click: stored with no sub, its signals kept.
  it('an invalid sub is sent as given and the click kept', async () => {
    const asin = 'B0BADSUB01';
    const { page } = await env.newPage();
    await open(page, `/${asin}`, link(asin, 'data-affil-sub="not valid!"') + snippet());
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    const click = await sentClick(asin);
    expect(click.sub).toBe('not valid!');
    expect(click.trusted).toBe(true);
    await stored(asin, click.id, { sub: null, trusted: true, visible: true, framed: false });
  });

  it('a reader’s click inside a cross-origin frame: framed, trusted, visible', async () => {
    const asin = 'B0FRAMED01';
    relay.frames.set(`/frame/${asin}`, blogPage(link(asin), snippet()));
    const { page, errors } = await env.newPage();
    await open(page, `/${asin}`, `<iframe src="${relay.origin}/frame/${asin}" width="400" height="300"></iframe>`);
    const frame = page.frameLocator('iframe');
    await expect.poll(() => frame.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    await frame.locator('#buy').click();
    const click = await sentClick(asin);
    expect(click).toMatchObject({ trusted: true, visible: true, framed: true });
    expect(click.page).toBe(`${relay.origin}/frame/${asin}`);
    await stored(asin, click.id, { sub: null, trusted: true, visible: true, framed: true });
    expect(errors).toEqual([]);
  });

  it('a reader’s click in a 1×1 px frame (cookie stuffing): framed and not visible', async () => {
    const asin = 'B0TINYFRAM';
    relay.frames.set(
      `/frame/${asin}`,
      blogPage(link(asin, 'style="display:block;width:100%;height:100%"'), snippet(), '<style>html,body{margin:0;height:100%}</style>'),
    );
    const { page } = await env.newPage();
    await open(page, `/${asin}`, `<iframe src="${relay.origin}/frame/${asin}" width="1" height="1" style="border:0"></iframe>`);
    const frame = page.frameLocator('iframe');
    await expect.poll(() => frame.locator('#buy').getAttribute('href')).toContain(`tag=${TAG}`);
    // A real mouse click at the frame's one pixel.
    const box = (await page.locator('iframe').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const click = await sentClick(asin);
    expect(click).toMatchObject({ trusted: true, visible: false, framed: true });
    await stored(asin, click.id, { trusted: true, visible: false, framed: true });
  });
});
