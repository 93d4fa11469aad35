import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClock, DAY, GOOGLEBOT_UA, HOUR, useCollectors, type TestCollector } from '../helpers/collector.js';
import { CAMERA, cartAddEvent, clickEvent, expectProblem, pageviewEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { openStorage } from '../../src/storage/open.js';

const start = useCollectors();
const DAY_QUERY = 'from=2026-11-20&to=2026-11-20';

/** A collector whose clock sits at 2026-11-20 09:00 UTC, with janesblog-20 registered in `us`. */
async function withAccount(options: { rateLimitPerMinute?: number } = {}) {
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: createClock('2026-11-20T09:00:00Z').now, ...options });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  return { c, jane };
}

async function clicksOf(c: TestCollector) {
  const reply = await c.admin('GET', `/v1/clicks?${DAY_QUERY}`);
  expect(reply.status).toBe(200);
  return reply.body.clicks as { id: string; tag: string; product: string | null; bot: boolean; marketplace: string | null; via: string; at: string }[];
}

async function summaryOf(c: TestCollector) {
  const reply = await c.admin('GET', `/v1/reports/summary?${DAY_QUERY}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

describe('POST /v1/events', () => {
  it('accepts one event object sent as text/plain', async () => {
    const { c } = await withAccount();
    const reply = await c.beacon(clickEvent('janesblog-20'));
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('accepts one event object sent as application/json', async () => {
    const { c } = await withAccount();
    const reply = await c.beacon(clickEvent('janesblog-20'), { contentType: 'application/json' });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('accepts {events: [...]} with every event type', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20');
    const events = [
      click,
      pageviewEvent('janesblog-20', 3),
      { type: 'landing', id: randomUUID(), click: click.id, tag: 'janesblog-20', page: 'https://shop.example/', at: Date.now() },
      { type: 'cart_add', id: randomUUID(), click: click.id, sku: 'B08XYZ1234', at: Date.now() },
    ];
    for (const contentType of ['text/plain', 'application/json']) {
      const fresh = events.map((e) => ({ ...e, id: randomUUID() }));
      const reply = await c.beacon({ events: fresh }, { contentType });
      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    }
  });

  it('counts a repeated event id once within a request', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20');
    const reply = await c.beacon({ events: [click, click, { ...click }] });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    expect(await clicksOf(c)).toHaveLength(1);
  });

  it('counts a repeated event id once across requests', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20');
    expect((await c.beacon(click)).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await c.beacon(click)).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    // The same UUID upper-cased is the same event.
    expect((await c.beacon({ events: [{ ...click, id: click.id.toUpperCase() }] })).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await clicksOf(c)).toHaveLength(1);
    expect((await summaryOf(c)).clicks).toBe(1);
  });

  it('counts an event id once whatever type it comes back as', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20');
    expect((await c.beacon(click)).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const again = [pageviewEvent('janesblog-20', 3), { type: 'landing', click: click.id, tag: 'janesblog-20' }, { type: 'cart_add', click: click.id, sku: 'B08XYZ1234' }].map(
      (e) => ({ ...e, id: click.id.toUpperCase() }),
    );
    expect((await c.beacon({ events: again })).body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect((await summaryOf(c)).pageviews).toBe(0);
  });

  it('keeps a page as origin + path only, and rejects one that is not an http(s) URL', async () => {
    const { c } = await withAccount();
    const kept = clickEvent('janesblog-20');
    const reply = await c.beacon({
      events: [
        { ...kept, page: 'https://Blog.Example/posts/cameras?email=jane@example.com#comments' },
        { ...clickEvent('janesblog-20'), page: 'javascript:alert(1)' },
      ],
    });
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, detail: 'page: must be an absolute http(s) URL' }] });
    expect(await clicksOf(c)).toEqual([expect.objectContaining({ id: kept.id, page: 'https://blog.example/posts/cameras' })]);
    const rows = (await c.admin('GET', `/v1/reports/breakdown?by=page&${DAY_QUERY}`)).body.rows as { key: string }[];
    expect(rows.map((r) => r.key)).toEqual(['https://blog.example/posts/cameras']);
  });

  it('accepts 50 events in one request', async () => {
    const { c } = await withAccount();
    const events = Array.from({ length: 50 }, () => pageviewEvent('janesblog-20', 1));
    const reply = await c.beacon({ events });
    expect(reply.status).toBe(202);
    expect(reply.body.accepted).toBe(50);
  });

  it('rejects more than 50 events with a 4xx problem and stores none', async () => {
    const { c } = await withAccount();
    const events = Array.from({ length: 51 }, () => clickEvent('janesblog-20'));
    const reply = await c.beacon({ events });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expectProblem(reply, reply.status, 'events');
    expect(await clicksOf(c)).toHaveLength(0);
  });

  it('accepts a body of exactly 16 KiB and rejects one byte more with a 4xx problem', async () => {
    const { c } = await withAccount();
    const text = JSON.stringify(clickEvent('janesblog-20'));
    const exact = text + ' '.repeat(16 * 1024 - Buffer.byteLength(text));
    expect(Buffer.byteLength(exact)).toBe(16 * 1024);
    expect((await c.beacon(exact)).status).toBe(202);

    const over = JSON.stringify(clickEvent('janesblog-20'));
    const reply = await c.beacon(over + ' '.repeat(16 * 1024 + 1 - Buffer.byteLength(over)));
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expectProblem(reply, reply.status);
    expect(await clicksOf(c)).toHaveLength(1);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const { c } = await withAccount();
    for (const body of ['{"type": "click",', 'not json', '']) {
      expectProblem(await c.beacon(body), 400);
    }
  });

  it('answers a body that is not an event object with a 4xx problem', async () => {
    const { c } = await withAccount();
    for (const body of ['[1,2]', '42', 'null', '{"events": "many"}']) {
      const reply = await c.beacon(body);
      expect(reply.status, body).toBeGreaterThanOrEqual(400);
      expect(reply.status, body).toBeLessThan(500);
      expectProblem(reply, reply.status);
    }
  });

  it('rejects events with wrong types, naming the field, and keeps the valid ones', async () => {
    const { c } = await withAccount();
    const good = clickEvent('janesblog-20');
    const reply = await c.beacon({
      events: [
        good,
        { ...clickEvent('janesblog-20'), id: 'not-a-uuid' },
        { ...pageviewEvent('janesblog-20', 1), links: '3' },
        { ...clickEvent('janesblog-20'), at: 'yesterday' },
        { ...clickEvent('janesblog-20'), url: 42 },
        { ...clickEvent('janesblog-20'), via: 'telepathy' },
        { ...clickEvent('janesblog-20'), type: 'purchase' },
        'a string',
      ],
    });
    expect(reply.status).toBe(202);
    expect(reply.body.accepted).toBe(1);
    expect(reply.body.duplicates).toBe(0);
    const rejected = reply.body.rejected as { index: number; detail: string }[];
    expect(rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const detail = (index: number) => rejected.find((r) => r.index === index)!.detail;
    expect(detail(1)).toMatch(/\bid\b/);
    expect(detail(2)).toMatch(/\blinks\b/);
    expect(detail(3)).toMatch(/\bat\b/);
    expect(detail(4)).toMatch(/\burl\b/);
    expect(detail(5)).toMatch(/\bvia\b/);
    expect(detail(6)).toMatch(/\btype\b/);
    expect(detail(7).length).toBeGreaterThan(0);
    expect((await clicksOf(c)).map((k) => k.id)).toEqual([good.id]);
  });

  it('stores a click with an unregistered tag but does not count it', async () => {
    const { c } = await withAccount();
    const stranger = clickEvent('stranger-20');
    const own = clickEvent('janesblog-20');
    expect((await c.beacon({ events: [stranger, own] })).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const clicks = await clicksOf(c);
    expect(clicks.map((k) => k.id).sort()).toEqual([stranger.id, own.id].sort());
    const summary = await summaryOf(c);
    expect(summary.clicks).toBe(1);
    expect(summary.botClicks).toBe(0);
  });

  it('counts clicks for a tag from the moment another process (the CLI) registers it', async () => {
    const { c, jane } = await withAccount();
    expect((await c.beacon(clickEvent('janesblog-21'))).status).toBe(202);
    expect((await summaryOf(c)).clicks).toBe(0);
    // `affil tags add` while the collector runs: its own connection to the same file.
    const cli = await openStorage(c.db);
    await cli.accounts.insertTag({ tag: 'janesblog-21', accountId: jane.id, marketplace: 'us', createdAt: Date.now() });
    await cli.close();
    expect((await c.beacon(clickEvent('janesblog-21'))).status).toBe(202);
    expect((await summaryOf(c)).clicks).toBe(1);
  });

  it('stores a click from a bot (Googlebot) flagged: counted as botClicks, not clicks', async () => {
    const { c } = await withAccount();
    const bot = clickEvent('janesblog-20');
    expect((await c.beacon(bot, { userAgent: GOOGLEBOT_UA })).status).toBe(202);
    const human = clickEvent('janesblog-20');
    expect((await c.beacon(human)).status).toBe(202);
    const clicks = await clicksOf(c);
    expect(clicks.find((k) => k.id === bot.id)?.bot).toBe(true);
    expect(clicks.find((k) => k.id === human.id)?.bot).toBe(false);
    const summary = await summaryOf(c);
    expect(summary.clicks).toBe(1);
    expect(summary.botClicks).toBe(1);
  });

  it('derives the product (ASIN) from the clicked URL', async () => {
    const { c } = await withAccount();
    const cases: [string, string | null][] = [
      ['https://www.amazon.com/dp/B08XYZ1234', 'B08XYZ1234'],
      ['https://www.amazon.com/Some-Camera-Slug/dp/B000000001/ref=sr_1_1?keywords=camera&tag=janesblog-20', 'B000000001'],
      ['https://www.amazon.com/gp/product/B000000002?tag=janesblog-20', 'B000000002'],
      ['https://www.amazon.com/exec/obidos/ASIN/B000000003/janesblog-20', 'B000000003'],
      ['https://www.amazon.com/o/ASIN/B000000004', 'B000000004'],
      ['https://smile.amazon.com/gp/aw/d/B000000005', 'B000000005'],
      ['https://www.amazon.com/s?k=camera&tag=janesblog-20', null],
    ];
    const events = cases.map(([url]) => clickEvent('janesblog-20', { url }));
    expect((await c.beacon({ events })).body.accepted).toBe(cases.length);
    const clicks = await clicksOf(c);
    for (const [i, [url, product]] of cases.entries()) {
      const click = clicks.find((k) => k.id === events[i]!.id);
      expect(click, url).toBeDefined();
      expect(click!.product, url).toBe(product);
      expect(click!.marketplace, url).toBe('us');
    }
  });

  it('uses the server receive time as the click time, not the client clock', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20', { at: Date.parse('2020-01-01T00:00:00Z') });
    await c.beacon(click);
    const [stored] = await clicksOf(c);
    expect(stored?.at).toBe('2026-11-20T09:00:00.000Z');
  });

  it('dates an event receive time − age, clamped to the last 7 days (a re-sent click keeps its real time)', async () => {
    const { c } = await withAccount();
    const cases: [number | undefined, string][] = [
      [undefined, '2026-11-20T09:00:00.000Z'],
      [0, '2026-11-20T09:00:00.000Z'],
      [3 * HOUR + 1, '2026-11-20T05:59:59.999Z'],
      [2 * DAY, '2026-11-18T09:00:00.000Z'],
      [7 * DAY, '2026-11-13T09:00:00.000Z'],
      [30 * DAY, '2026-11-13T09:00:00.000Z'], // clamped: an outbox keeps events 7 days
    ];
    const events = cases.map(([age]) => ({ ...clickEvent('janesblog-20'), ...(age === undefined ? {} : { age }) }));
    expect((await c.beacon({ events })).body).toEqual({ accepted: cases.length, duplicates: 0, rejected: [] });
    const reply = await c.admin('GET', '/v1/clicks?from=2026-11-01&to=2026-11-30');
    const clicks = reply.body.clicks as { id: string; at: string }[];
    for (const [i, [age, at]] of cases.entries()) expect(clicks.find((k) => k.id === events[i]!.id)?.at, `age ${age}`).toBe(at);
    // Reports count it on the day it happened.
    const days = await c.admin('GET', '/v1/reports/breakdown?by=day&from=2026-11-13&to=2026-11-20');
    const byDay = Object.fromEntries((days.body.rows as { key: string; clicks: number }[]).map((r) => [r.key, r.clicks]));
    expect(byDay).toMatchObject({ '2026-11-13': 2, '2026-11-18': 1, '2026-11-20': 3 });
  });

  it('dates pageviews, landings and cart adds by their age too', async () => {
    const { c } = await withAccount();
    const click = clickEvent('janesblog-20');
    const pageview = { ...pageviewEvent('janesblog-20', 4), age: DAY };
    expect((await c.beacon({ events: [pageview, { ...cartAddEvent(click.id, CAMERA), age: DAY }] })).body.accepted).toBe(2);
    const days = await c.admin('GET', '/v1/reports/breakdown?by=day&from=2026-11-19&to=2026-11-20');
    const day19 = (days.body.rows as { key: string; pageviews: number; linkImpressions: number }[]).find((r) => r.key === '2026-11-19');
    expect(day19).toMatchObject({ pageviews: 1, linkImpressions: 4 });
  });

  it.each([
    [-1, 'must not be negative'],
    [1.5, 'whole milliseconds'],
    ['60000', 'must be milliseconds'],
    [null, 'must be milliseconds'],
    [Number.MAX_SAFE_INTEGER + 2, 'whole milliseconds'],
  ])('rejects the event whose age is %j, naming age, and keeps the others', async (age, message) => {
    const { c } = await withAccount();
    const good = { ...clickEvent('janesblog-20'), age: 0 };
    const reply = await c.beacon({ events: [good, { ...clickEvent('janesblog-20'), age }] });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, detail: expect.stringMatching(/^age: /) }] });
    expect(reply.body.rejected[0].detail).toContain(message);
    expect((await clicksOf(c)).map((k) => k.id)).toEqual([good.id]);
  });

  it('opens CORS: every answer carries access-control-allow-origin *', async () => {
    const { c } = await withAccount();
    const ok = await c.beacon(clickEvent('janesblog-20'));
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const bad = await c.beacon('not json');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
  });

  it.each([
    ['/v1/events', 'POST'],
    ['/affil.js', 'GET'],
    ['/affil-merchant.js', 'GET'],
    ['/go/janesblog-20', 'GET'],
  ])('answers the CORS preflight of %s', async (path, method) => {
    const { c } = await withAccount();
    const reply = await c.request('OPTIONS', path, {
      headers: { origin: 'https://janesblog.example', 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
    });
    expect(reply.status).toBeGreaterThanOrEqual(200);
    expect(reply.status).toBeLessThan(300);
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(reply.headers.get('access-control-allow-methods')).toContain(method);
    expect(reply.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  it('answers the same for every spelling of the path Express would route (query, trailing slash, case)', async () => {
    const { c } = await withAccount();
    for (const path of ['/v1/events', '/v1/events?via=beacon', '/v1/events/', '/V1/Events']) {
      const reply = await c.request('POST', path, { body: clickEvent('janesblog-20') });
      expect(reply.status, path).toBe(202);
      expect(reply.body, path).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      expect(reply.headers.get('access-control-allow-origin'), path).toBe('*');
      expectProblem(await c.request('POST', path, { body: { events: 'no' } }), 400, 'events');
    }
    expect(await clicksOf(c)).toHaveLength(4);
    const metrics = (await c.admin('GET', '/metrics')).text;
    expect(metrics).toContain('affil_http_requests_total{method="POST",route="/v1/events",status="202"} 4');
    expect(metrics).toContain('affil_http_requests_total{method="POST",route="/v1/events",status="400"} 4');
  });

  it('answers a failure of its own with a logged 500 problem that keeps the cause to itself, and goes on serving', async () => {
    const { c } = await withAccount();
    const events = c.collector.storage.events;
    const recordSoon = events.recordSoon;
    events.recordSoon = () => Promise.reject(new Error('disk on fire'));
    // Plain fetch: the helper's request() counts any 5xx as a failure of the suite.
    for (const path of ['/v1/events', '/v1/events/']) {
      const reply = await fetch(c.url + path, { method: 'POST', body: JSON.stringify(clickEvent('janesblog-20')) });
      expect(reply.status, path).toBe(500);
      expect(reply.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      const text = await reply.text();
      expect(JSON.parse(text), path).toMatchObject({ status: 500, title: 'Internal error' });
      expect(text, path).not.toContain('disk on fire');
    }
    // The two failures are the same error: logged once (repeats are counted once a minute).
    expect(c.logs.filter((line) => line.includes('disk on fire'))).toHaveLength(1);
    events.recordSoon = recordSoon;
    expect((await c.beacon(clickEvent('janesblog-20'))).status).toBe(202);
  });

  it('limits beacons per client address with a 429 problem', async () => {
    const { c } = await withAccount({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await c.beacon(clickEvent('janesblog-20'))).status).toBe(202);
    const reply = await c.beacon(clickEvent('janesblog-20'));
    expectProblem(reply, 429);
    expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
