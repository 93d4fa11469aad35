// Sub-IDs and the SDK's click signals (SPEC §10) on the collector: stored on clicks, shown by
// GET /v1/clicks, a bad field dropped with the click kept; `/go?…&sub=`; orders inherit their
// crediting click's sub; `by=sub` in breakdowns adds up to the summary.
import { describe, expect, it } from 'vitest';
import { createClock, HOUR, useCollectors, type Json, type TestCollector } from '../helpers/collector.js';
import { CAMERA, clickEvent, iso, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const DAY_QUERY = 'from=2026-11-20&to=2026-11-20';

async function program() {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  await c.setupAccount('Jane', 'janesblog-20', 'us');
  return { c, clock };
}

async function clickById(c: TestCollector, id: string): Promise<Json> {
  const { clicks } = (await c.admin('GET', `/v1/clicks?${DAY_QUERY}`)).body as { clicks: Json[] };
  return clicks.find((k) => k.id === id);
}

/** The sub-ID and signals a click shows: only those it carried (a click without them has SPEC §4.3's shape). */
const signalsOf = (click: Json): Json =>
  Object.fromEntries(['sub', 'trusted', 'visible', 'framed', 'dwell'].filter((f) => f in click).map((f) => [f, click[f]]));
const SIGNALS = {};

describe('click beacons with a sub-ID and integrity signals', () => {
  it('stores each field and GET /v1/clicks shows them', async () => {
    const { c } = await program();
    const sent = { ...clickEvent('janesblog-20'), sub: 'post-42', trusted: true, visible: false, framed: true, dwell: 1234 };
    const reply = await c.beacon(sent);
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(signalsOf(await clickById(c, sent.id))).toEqual({ sub: 'post-42', trusted: true, visible: false, framed: true, dwell: 1234 });
    // One field at a time: the others stay absent (a missing signal is not a false one).
    for (const [field, value] of [['sub', 'a.B_c-9'], ['trusted', false], ['visible', true], ['framed', false], ['dwell', 0]] as const) {
      const one = { ...clickEvent('janesblog-20'), [field]: value };
      expect((await c.beacon(one)).body.accepted).toBe(1);
      expect(signalsOf(await clickById(c, one.id)), field).toEqual({ [field]: value });
    }
  });

  it('shows a click that sent none of them (an older SDK) in exactly SPEC §4.3\'s shape', async () => {
    const { c } = await program();
    const sent = clickEvent('janesblog-20');
    await c.beacon(sent);
    expect(Object.keys(await clickById(c, sent.id)).sort()).toEqual(['at', 'bot', 'id', 'marketplace', 'page', 'product', 'tag', 'url', 'via']);
  });

  it.each([
    ['a space', { sub: 'post 42' }],
    ['65 characters', { sub: 'x'.repeat(65) }],
    ['empty', { sub: '' }],
    ['a number', { sub: 42 }],
    ['an array', { sub: ['post-42'] }],
    ['markup', { sub: '<script>' }],
  ])('drops an invalid sub (%s) and keeps the click', async (_, field) => {
    const { c } = await program();
    const sent = { ...clickEvent('janesblog-20'), ...field, trusted: true };
    const reply = await c.beacon(sent);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(signalsOf(await clickById(c, sent.id))).toEqual({ trusted: true });
    expect((await c.admin('GET', `/v1/reports/summary?${DAY_QUERY}`)).body.clicks).toBe(1);
  });

  it('drops signals of the wrong type, never the beacon, and keeps a dwell of more than a day as a day', async () => {
    const { c } = await program();
    const cases: [Json, Json][] = [
      [{ trusted: 'true', visible: 1, framed: null, dwell: '500' }, SIGNALS],
      [{ dwell: -1 }, SIGNALS],
      [{ dwell: 1.5 }, SIGNALS],
      [{ dwell: Number.MAX_SAFE_INTEGER + 10 }, SIGNALS],
      [{ dwell: 3 * 86_400_000 }, { dwell: 86_400_000 }],
      [{ trusted: { yes: true }, sub: 'ok' }, { sub: 'ok' }],
    ];
    const events = cases.map(([fields]) => ({ ...clickEvent('janesblog-20'), ...fields }));
    expect((await c.beacon({ events })).body).toEqual({ accepted: cases.length, duplicates: 0, rejected: [] });
    for (const [i, [, expected]] of cases.entries()) expect(signalsOf(await clickById(c, events[i]!.id)), JSON.stringify(cases[i]![0])).toEqual(expected);
  });
});

describe('GET /go/{tag}?…&sub=', () => {
  const go = (query: string) => `/go/janesblog-20?url=${encodeURIComponent(`https://www.amazon.com/dp/${CAMERA}`)}${query}`;
  const clickIdOf = (location: string | null) => /affil_cid=([0-9a-f-]{36})/.exec(location ?? '')?.[1];

  it('stores the sub on the click, and drops an invalid one (the click still counts)', async () => {
    const { c } = await program();
    const labelled = await c.request('GET', go('&sub=video-42'));
    expect(labelled.status).toBe(302);
    // The sub stays with the click: it is not passed on to the marketplace.
    expect(labelled.headers.get('location')).not.toContain('video-42');
    expect(await clickById(c, clickIdOf(labelled.headers.get('location'))!)).toMatchObject({ sub: 'video-42', via: 'redirect' });
    // As CSV too: the sub column.
    const csv = (await c.admin('GET', `/v1/clicks?${DAY_QUERY}&format=csv`)).text.split('\r\n');
    expect(csv[0]).toBe('id,tag,marketplace,url,product,page,via,bot,at,sub');
    for (const bad of ['&sub=two%20words', `&sub=${'x'.repeat(65)}`, '&sub=a&sub=b', '&sub=']) {
      const reply = await c.request('GET', go(bad));
      expect(reply.status, bad).toBe(302);
      expect(signalsOf(await clickById(c, clickIdOf(reply.headers.get('location'))!)), bad).toEqual({});
    }
    expect((await c.admin('GET', `/v1/reports/summary?${DAY_QUERY}`)).body.clicks).toBe(5);
  });
});

describe('orders inherit the sub of the click that credited them', () => {
  it('shows it on the order, in the order list and as by=sub, whose rows add up to the summary', async () => {
    const { c, clock } = await program();
    const labelled = { ...clickEvent('janesblog-20'), sub: 'post-42' };
    const plain = clickEvent('janesblog-20');
    await c.beacon({ events: [labelled, plain] });
    clock.advance(HOUR);
    const first = orderBody({ orderedAt: iso(clock.now()), referral: { clickId: labelled.id, tag: 'janesblog-20' } });
    const second = orderBody({ orderedAt: iso(clock.now()), referral: { clickId: plain.id, tag: 'janesblog-20' } });
    // An unverified referral (no stored click) has no sub, whatever the merchant sends.
    const unverified = orderBody({ orderedAt: iso(clock.now()), referral: { tag: 'janesblog-20', clickedAt: iso(clock.now() - HOUR) } });
    const created = await c.signed('/v1/orders', first);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ attributed: true, sub: 'post-42' });
    expect((await c.signed('/v1/orders', second)).body).toMatchObject({ attributed: true, sub: null });
    expect((await c.signed('/v1/orders', unverified)).body).toMatchObject({ attributed: true, sub: null });
    expect((await c.admin('GET', `/v1/orders/${first.orderId}`)).body).toMatchObject({ clickId: labelled.id, sub: 'post-42' });
    const { orders } = (await c.admin('GET', `/v1/orders?${DAY_QUERY}`)).body as { orders: Json[] };
    expect(Object.fromEntries(orders.map((o) => [o.orderId, o.sub]))).toEqual({ [first.orderId]: 'post-42', [second.orderId]: null, [unverified.orderId]: null });
    // A shipment's earnings land under the order's sub too.
    expect((await c.signed(`/v1/orders/${first.orderId}/events`, { type: 'shipped', at: iso(clock.now()) })).status).toBe(200);

    const summary = (await c.admin('GET', `/v1/reports/summary?${DAY_QUERY}`)).body;
    const { by, rows } = (await c.admin('GET', `/v1/reports/breakdown?by=sub&${DAY_QUERY}`)).body as { by: string; rows: Json[] };
    expect(by).toBe('sub');
    const post42 = rows.find((r) => r.key === 'post-42');
    expect(post42).toMatchObject({ clicks: 1, orders: 1, itemsOrdered: 3, itemsShipped: 3 });
    expect(post42.byCurrency.USD).toMatchObject({ revenue: 49900 + 2 * 1299 });
    expect(post42.byCurrency.USD.earnings).toBeGreaterThan(0);
    expect(rows.find((r) => r.key === null)).toMatchObject({ clicks: 1, orders: 2 });
    for (const field of ['clicks', 'botClicks', 'pageviews', 'linkImpressions', 'orders', 'itemsOrdered', 'directItems', 'indirectItems', 'itemsShipped', 'itemsReturned']) {
      expect(rows.reduce((n, r) => n + r[field], 0), field).toBe(summary[field]);
    }
    for (const field of ['revenue', 'earnings', 'pending']) {
      expect(rows.reduce((n, r) => n + (r.byCurrency.USD?.[field] ?? 0), 0), field).toBe(summary.byCurrency.USD[field]);
    }
    // CSV too.
    const csv = await c.admin('GET', `/v1/reports/breakdown?by=sub&${DAY_QUERY}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.text).toMatch(/^post-42,/m);
  });
});
