import { describe, expect, it } from 'vitest';
import { createClock, GOOGLEBOT_UA, useCollectors, type Call, type Json } from '../helpers/collector.js';
import { BOOK, CAMERA, clickEvent, expectProblem, orderBody, pageviewEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const JANE_ORDER = '112-1234567-1234567';
const BOB_ORDER = '113-7654321-7654321';
const NOV20 = 'from=2026-11-20&to=2026-11-20';

/**
 * 2026-11-20: Jane's page view (4 links) and click at 09:00, Bob's click 09:30, a Googlebot click
 * on Jane's tag 10:00, an unregistered tag's click 10:30; Jane's worked-example order 15:00 and
 * Bob's one-book order 16:00.
 */
async function program() {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
  await c.beacon(pageviewEvent('janesblog-20', 4));
  const janeClick = clickEvent('janesblog-20');
  await c.beacon(janeClick);
  clock.set('2026-11-20T09:30:00Z');
  const bobClick = clickEvent('bobsreviews-20', { url: `https://www.amazon.com/dp/${BOOK}?tag=bobsreviews-20` });
  await c.beacon(bobClick);
  clock.set('2026-11-20T10:00:00Z');
  const botClick = clickEvent('janesblog-20');
  await c.beacon(botClick, { userAgent: GOOGLEBOT_UA });
  clock.set('2026-11-20T10:30:00Z');
  const strayClick = clickEvent('stranger-20');
  await c.beacon(strayClick);

  clock.set('2026-11-20T15:00:00Z');
  const janeOrder = await c.signed('/v1/orders', orderBody({ orderId: JANE_ORDER, orderedAt: '2026-11-20T15:00:00Z', referral: { clickId: janeClick.id, tag: 'janesblog-20', clickedAt: '2026-11-20T09:00:00Z' } }));
  expect(janeOrder.status, janeOrder.text).toBe(201);
  clock.set('2026-11-20T16:00:00Z');
  const bobOrder = await c.signed('/v1/orders', orderBody({
    orderId: BOB_ORDER,
    orderedAt: '2026-11-20T16:00:00Z',
    referral: { clickId: bobClick.id, tag: 'bobsreviews-20', clickedAt: '2026-11-20T09:30:00Z' },
    items: [{ lineId: '1', sku: BOOK, category: 'books', quantity: 1, unitAmount: 1299 }],
  }));
  expect(bobOrder.status, bobOrder.text).toBe(201);
  expect(bobOrder.body.commission).toBe(58);
  // Reported when it happens: the collector's clock reaches the event's time (an `at` ahead of it is refused).
  const event = (body: Json) => {
    if (body.at && Date.parse(body.at) > clock.now()) clock.set(body.at);
    return c.signed(`/v1/orders/${JANE_ORDER}/events`, body);
  };
  return { c, clock, jane, bob, clicks: { janeClick, bobClick, botClick, strayClick }, event };
}

const get = async (call: Call, path: string): Promise<Json> => {
  const reply = await call('GET', path);
  expect(reply.status, `${path}: ${reply.text}`).toBe(200);
  return reply.body;
};

describe('GET /v1/orders/{orderId}', () => {
  it('shows the admin the order, its lines, ledger and why each line earns', async () => {
    const { c, jane } = await program();
    const order = await get(c.admin, `/v1/orders/${JANE_ORDER}`);
    expect(order).toMatchObject({
      orderId: JANE_ORDER, marketplace: 'us', currency: 'USD', orderedAt: '2026-11-20T15:00:00.000Z', status: 'pending',
      attributed: true, rule: 'click_window', tag: 'janesblog-20', creditedTag: 'janesblog-20', account: jane.id,
      commission: 2113, pending: 2113, earned: 0, ledger: [],
    });
    expect(order.explanation).toEqual(expect.any(String));
    expect(order.lines).toEqual([
      expect.objectContaining({ lineId: '1', reason: 'ordered_within_click_window', rateBp: 400, quantity: 1, commission: 1996, direct: true, explanation: expect.any(String) }),
      expect.objectContaining({ lineId: '2', reason: 'ordered_within_click_window', rateBp: 450, quantity: 2, commission: 117, direct: false, explanation: expect.any(String) }),
    ]);
  });

  it("shows an account its own order and answers 404 for another account's", async () => {
    const { c, jane, bob } = await program();
    expect((await get(jane.api, `/v1/orders/${JANE_ORDER}`)).orderId).toBe(JANE_ORDER);
    const other = await bob.api('GET', `/v1/orders/${JANE_ORDER}`);
    expectProblem(other, 404);
    expect(other.text).not.toContain('janesblog-20');
    expectProblem(await jane.api('GET', `/v1/orders/${BOB_ORDER}`), 404);
    expectProblem(await c.admin('GET', '/v1/orders/no-such-order'), 404);
  });
});

describe('GET /v1/orders', () => {
  it('lists orders newest first: the admin sees all, an account its own', async () => {
    const { c, jane, bob } = await program();
    const all = await get(c.admin, `/v1/orders?${NOV20}`);
    expect(all.orders.map((o: { orderId: string }) => o.orderId)).toEqual([BOB_ORDER, JANE_ORDER]);
    expect(all.nextCursor).toBeNull();
    expect(all.orders[1]).toMatchObject({ orderId: JANE_ORDER, tag: 'janesblog-20', account: jane.id, commission: 2113, attributed: true });
    const own = await get(jane.api, `/v1/orders?${NOV20}`);
    expect(own.orders.map((o: { orderId: string }) => o.orderId)).toEqual([JANE_ORDER]);
    expect((await get(bob.api, `/v1/orders?${NOV20}`)).orders.map((o: { orderId: string }) => o.orderId)).toEqual([BOB_ORDER]);
    const byTag = await get(c.admin, `/v1/orders?${NOV20}&tag=bobsreviews-20`);
    expect(byTag.orders.map((o: { orderId: string }) => o.orderId)).toEqual([BOB_ORDER]);
    expect((await get(c.admin, '/v1/orders?from=2026-11-21&to=2026-11-30')).orders).toEqual([]);
  });

  it("answers 404 when an account filters by another account's tag", async () => {
    const { jane } = await program();
    expectProblem(await jane.api('GET', `/v1/orders?${NOV20}&tag=bobsreviews-20`), 404);
  });

  it('answers CSV for ?format=csv, one row per order', async () => {
    const { jane } = await program();
    const reply = await jane.api('GET', `/v1/orders?${NOV20}&format=csv`);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, row, ...rest] = reply.text.split('\r\n').filter((l) => l !== '');
    expect(rest).toEqual([]);
    const cell = (name: string) => row!.split(',')[header!.split(',').indexOf(name)];
    expect([cell('orderId'), cell('tag'), cell('commission')]).toEqual([JANE_ORDER, 'janesblog-20', '2113']);
  });

  it('pages with limit and cursor', async () => {
    const { c } = await program();
    const first = await get(c.admin, `/v1/orders?${NOV20}&limit=1`);
    expect(first.orders.map((o: { orderId: string }) => o.orderId)).toEqual([BOB_ORDER]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await get(c.admin, `/v1/orders?${NOV20}&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.orders.map((o: { orderId: string }) => o.orderId)).toEqual([JANE_ORDER]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('GET /v1/clicks', () => {
  it('lists raw clicks newest first, with the click shape', async () => {
    const { c, clicks } = await program();
    const body = await get(c.admin, `/v1/clicks?${NOV20}`);
    expect(body.clicks.map((k: { id: string }) => k.id)).toEqual([clicks.strayClick.id, clicks.botClick.id, clicks.bobClick.id, clicks.janeClick.id]);
    expect(body.nextCursor).toBeNull();
    expect(body.clicks[3]).toEqual({
      id: clicks.janeClick.id, tag: 'janesblog-20', marketplace: 'us', url: clicks.janeClick.url, product: 'B08XYZ1234',
      page: clicks.janeClick.page, via: 'click', bot: false, at: '2026-11-20T09:00:00.000Z',
    });
    expect(body.clicks[1]).toMatchObject({ id: clicks.botClick.id, bot: true });
  });

  it("shows an account only its own clicks and 404s another account's tag", async () => {
    const { jane, bob, clicks } = await program();
    const own = await get(jane.api, `/v1/clicks?${NOV20}`);
    expect(own.clicks.map((k: { id: string }) => k.id)).toEqual([clicks.botClick.id, clicks.janeClick.id]);
    const bobs = await get(bob.api, `/v1/clicks?${NOV20}`);
    expect(bobs.clicks.map((k: { id: string }) => k.id)).toEqual([clicks.bobClick.id]);
    expectProblem(await jane.api('GET', `/v1/clicks?${NOV20}&tag=bobsreviews-20`), 404);
    expectProblem(await jane.api('GET', `/v1/clicks?${NOV20}&account=${bob.id}`), 404);
  });

  it('answers a page of clicks as CSV for ?format=csv, the next cursor in X-Next-Cursor', async () => {
    const { c, clicks } = await program();
    const reply = await c.admin('GET', `/v1/clicks?${NOV20}&limit=3&format=csv`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = reply.text.split('\r\n').filter((l) => l !== '');
    expect(header).toBe('id,tag,marketplace,url,product,page,via,bot,at');
    expect(rows.map((r) => r.split(',')[0])).toEqual([clicks.strayClick.id, clicks.botClick.id, clicks.bobClick.id]);
    const next = reply.headers.get('x-next-cursor')!;
    const rest = await c.admin('GET', `/v1/clicks?${NOV20}&limit=3&format=csv&cursor=${encodeURIComponent(next)}`);
    expect(rest.text.split('\r\n')[1]!.split(',')[0]).toBe(clicks.janeClick.id);
    expect(rest.headers.get('x-next-cursor')).toBeNull();
  });

  it.each(['/v1/clicks', '/v1/orders', '/v1/reports/summary', '/v1/reports/breakdown?by=day&', '/v1/reports/link-health'])(
    '%s answers an unknown format with a 400 problem naming format',
    async (path) => {
      const { c } = await program();
      const sep = path.endsWith('&') ? '' : '?';
      expectProblem(await c.admin('GET', `${path}${sep}${NOV20}&format=xml`), 400, 'format');
      expect((await c.admin('GET', `${path}${sep}${NOV20}&format=json`)).status).toBe(200);
    },
  );

  it('walks every click with limit=1 and the cursor, ending with nextCursor null', async () => {
    const { c } = await program();
    const all = (await get(c.admin, `/v1/clicks?${NOV20}`)).clicks.map((k: { id: string }) => k.id);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Json = await get(c.admin, `/v1/clicks?${NOV20}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.clicks.length).toBe(1);
      walked.push(page.clicks[0].id);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(walked).toEqual(all);
    expect(pages).toBe(4);
  });

  it('pages clicks received in the same millisecond without losing or repeating one', async () => {
    const clock = createClock('2026-11-20T12:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const events = Array.from({ length: 5 }, () => clickEvent('janesblog-20'));
    expect((await c.beacon({ events })).body.accepted).toBe(5);
    const walked: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: Json = await get(c.admin, `/v1/clicks?${NOV20}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      walked.push(...page.clicks.map((k: { id: string }) => k.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect([...walked].sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('answers a bad cursor or limit with a 400 problem naming it', async () => {
    const { c } = await program();
    expectProblem(await c.admin('GET', `/v1/clicks?${NOV20}&cursor=not-a-cursor`), 400, 'cursor');
    expectProblem(await c.admin('GET', `/v1/clicks?${NOV20}&cursor=${Buffer.from('[1,2]').toString('base64url')}`), 400, 'cursor');
    expectProblem(await c.admin('GET', `/v1/clicks?${NOV20}&limit=0`), 400, 'limit');
    expectProblem(await c.admin('GET', `/v1/clicks?${NOV20}&limit=ten`), 400, 'limit');
  });

  it('filters by the period: clicks of another day are not listed', async () => {
    const { c, clock } = await program();
    clock.set('2026-11-21T00:00:00Z');
    await c.beacon(clickEvent('janesblog-20'));
    expect((await get(c.admin, `/v1/clicks?${NOV20}`)).clicks).toHaveLength(4);
    expect((await get(c.admin, '/v1/clicks?from=2026-11-21&to=2026-11-21')).clicks).toHaveLength(1);
  });
});

describe('GET /v1/reports/summary', () => {
  const expected20 = {
    from: '2026-11-20', to: '2026-11-20',
    clicks: 1, botClicks: 1, pageviews: 1, linkImpressions: 4, ctr: 0.25,
    orders: 1, conversionRate: 1,
    itemsOrdered: 3, directItems: 1, indirectItems: 2, itemsShipped: 0, itemsReturned: 0,
  };

  it("reports the worked example for Jane's key and for the admin asking for Jane's account", async () => {
    const { c, jane } = await program();
    const own = await get(jane.api, `/v1/reports/summary?${NOV20}`);
    expect(own).toMatchObject(expected20);
    expect(own.byCurrency).toEqual({ USD: { revenue: 52498, earnings: 0, pending: 2113 } });
    const asAdmin = await get(c.admin, `/v1/reports/summary?${NOV20}&account=${jane.id}`);
    expect(asAdmin).toEqual(own);
    const byTag = await get(c.admin, `/v1/reports/summary?${NOV20}&tag=janesblog-20`);
    expect(byTag).toMatchObject({ clicks: 1, orders: 1, itemsOrdered: 3 });
  });

  it('reports every account to the admin; unregistered and bot clicks never count as clicks', async () => {
    const { c } = await program();
    const all = await get(c.admin, `/v1/reports/summary?${NOV20}`);
    expect(all).toMatchObject({ clicks: 2, botClicks: 1, orders: 2, conversionRate: 1, itemsOrdered: 4, directItems: 2, indirectItems: 2 });
    expect(all.byCurrency.USD).toEqual({ revenue: 52498 + 1299, earnings: 0, pending: 2113 + 58 });
  });

  it('reports earnings by the time of shipment and return', async () => {
    const { jane, event } = await program();
    expect((await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' })).status).toBe(200);
    expect((await event({ type: 'returned', at: '2026-11-27T12:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    const summary = (q: string) => get(jane.api, `/v1/reports/summary?${q}`);

    const ordered = await summary(NOV20);
    expect(ordered).toMatchObject({ ...expected20 });
    expect(ordered.byCurrency.USD).toEqual({ revenue: 52498, earnings: 0, pending: 0 });

    const shipped = await summary('from=2026-11-21&to=2026-11-21');
    expect(shipped).toMatchObject({ clicks: 0, orders: 0, conversionRate: null, itemsOrdered: 0, itemsShipped: 3, itemsReturned: 0 });
    expect(shipped.byCurrency.USD).toEqual({ revenue: 0, earnings: 2113, pending: 0 });

    const returned = await summary('from=2026-11-27&to=2026-11-27');
    expect(returned).toMatchObject({ itemsShipped: 0, itemsReturned: 1 });
    expect(returned.byCurrency.USD).toEqual({ revenue: 0, earnings: -59, pending: 0 });

    const month = await summary('from=2026-11-01&to=2026-11-30');
    expect(month).toMatchObject({ from: '2026-11-01', to: '2026-11-30', clicks: 1, orders: 1, itemsOrdered: 3, directItems: 1, indirectItems: 2, itemsShipped: 3, itemsReturned: 1 });
    expect(month.byCurrency.USD).toEqual({ revenue: 52498, earnings: 2054, pending: 0 });
  });

  it('answers null ratios and zero money for an empty period', async () => {
    const { jane } = await program();
    const empty = await get(jane.api, '/v1/reports/summary?from=2026-10-01&to=2026-10-31');
    expect(empty).toMatchObject({ from: '2026-10-01', to: '2026-10-31', clicks: 0, botClicks: 0, pageviews: 0, linkImpressions: 0, ctr: null, orders: 0, conversionRate: null, itemsOrdered: 0 });
    expect(empty.byCurrency).toEqual({ USD: { revenue: 0, earnings: 0, pending: 0 } });
  });

  it.each([
    ['from=2026-13-01&to=2026-11-30', 'from'],
    ['from=2026-11-32&to=2026-11-30', 'from'],
    ['from=2026-02-30&to=2026-03-01', 'from'],
    ['from=20261101&to=2026-11-30', 'from'],
    ['from=yesterday&to=2026-11-30', 'from'],
    ['from=2026-11-01&to=2026-11-31', 'to'],
    ['from=2026-11-01&to=soon', 'to'],
    ['from=2026-11-30&to=2026-11-01', 'from'],
    ['from=0001-01-01&to=9999-12-31', 'to'], // a huge range: at most 3,660 days
  ])('answers ?%s with a 400 problem naming %s', async (query, field) => {
    const { c } = await program();
    expectProblem(await c.admin('GET', `/v1/reports/summary?${query}`), 400, field);
  });

  it.each([
    ['/v1/clicks?from=2026-11-30&to=2026-11-01', 'from'],
    ['/v1/clicks?from=2026-11-01&to=later', 'to'],
    ['/v1/orders?from=2026-11-31&to=2026-12-01', 'from'],
    ['/v1/orders?from=last-week&to=2026-12-01', 'from'],
  ])('answers %s with a 400 problem naming %s', async (path, field) => {
    const { c } = await program();
    expectProblem(await c.admin('GET', path), 400, field);
  });

  it("answers 404 when an account asks for another account's report", async () => {
    const { jane, bob } = await program();
    expectProblem(await jane.api('GET', `/v1/reports/summary?${NOV20}&account=${bob.id}`), 404);
    expectProblem(await jane.api('GET', `/v1/reports/summary?${NOV20}&tag=bobsreviews-20`), 404);
  });

  it('answers text/csv for ?format=csv with the same numbers', async () => {
    const { jane } = await program();
    const reply = await jane.api('GET', `/v1/reports/summary?${NOV20}&format=csv`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, row, ...rest] = reply.text.split(/\r?\n/).filter((l) => l !== '');
    expect(rest).toEqual([]);
    const columns = header!.split(',');
    const values = row!.split(',');
    const cell = (name: string) => values[columns.indexOf(name)];
    expect(columns).toEqual(expect.arrayContaining(['from', 'to', 'clicks', 'orders', 'itemsOrdered']));
    expect(cell('from')).toBe('2026-11-20');
    expect(cell('clicks')).toBe('1');
    expect(cell('orders')).toBe('1');
    expect(cell('itemsOrdered')).toBe('3');
    expect(values).toContain('52498');
    expect(values).toContain('2113');
  });

  it('defaults to the 30 days ending today (by the collector clock)', async () => {
    const { jane, clock } = await program();
    clock.set('2026-11-25T12:00:00Z');
    const body = await get(jane.api, '/v1/reports/summary');
    expect(body).toMatchObject({ from: '2026-10-27', to: '2026-11-25', clicks: 1, orders: 1 });
  });
});

describe('GET /v1/reports/breakdown', () => {
  it('answers rows of the summary metrics by tag', async () => {
    const { c } = await program();
    const body = await get(c.admin, `/v1/reports/breakdown?by=tag&${NOV20}`);
    expect(body.by).toBe('tag');
    expect(body.rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'janesblog-20', clicks: 1, orders: 1, itemsOrdered: 3, directItems: 1, indirectItems: 2 }),
      expect.objectContaining({ key: 'bobsreviews-20', clicks: 1, orders: 1, itemsOrdered: 1 }),
    ]));
  });

  it("answers an account's rows by category, its own data only", async () => {
    const { jane } = await program();
    const body = await get(jane.api, `/v1/reports/breakdown?by=category&${NOV20}`);
    expect(body.by).toBe('category');
    const rows = body.rows as { key: string; itemsOrdered: number }[];
    expect(rows.find((r) => r.key === 'electronics')).toMatchObject({ itemsOrdered: 1 });
    expect(rows.find((r) => r.key === 'books')).toMatchObject({ itemsOrdered: 2 });
  });

  it('by product and category, counts in each row the orders containing it (so they do not add up) and its conversion', async () => {
    const { c } = await program();
    const summary = await get(c.admin, `/v1/reports/summary?${NOV20}`);
    const product = (await get(c.admin, `/v1/reports/breakdown?by=product&${NOV20}`)).rows as Json[];
    // Jane's order holds the camera and two books, Bob's one book: 2 orders, yet the book is in both.
    expect(summary.orders).toBe(2);
    expect(product.find((r) => r.key === CAMERA)).toMatchObject({ clicks: 1, orders: 1, conversionRate: 1, itemsOrdered: 1 });
    expect(product.find((r) => r.key === BOOK)).toMatchObject({ clicks: 1, orders: 2, conversionRate: 2, itemsOrdered: 3 });
    // Page views have no product: they sit in the null row, where no order is counted any more.
    expect(product.find((r) => r.key === null)).toMatchObject({ pageviews: 1, clicks: 0, orders: 0, itemsOrdered: 0 });
    const category = (await get(c.admin, `/v1/reports/breakdown?by=category&${NOV20}`)).rows as Json[];
    expect(category.find((r) => r.key === 'electronics')).toMatchObject({ orders: 1, itemsOrdered: 1 });
    expect(category.find((r) => r.key === 'books')).toMatchObject({ orders: 2, itemsOrdered: 3 });
    // Clicks have no category: they stay in the null row, so clicks still add up; orders are not there.
    expect(category.find((r) => r.key === null)).toMatchObject({ clicks: 2, botClicks: 1, orders: 0, itemsOrdered: 0 });
  });

  it('leaves out rows with nothing in them (an unregistered tag\'s clicks count nowhere)', async () => {
    const { c } = await program();
    const rows = (await get(c.admin, `/v1/reports/breakdown?by=tag&${NOV20}`)).rows as Json[];
    expect(rows.map((r) => r.key)).toEqual(['bobsreviews-20', 'janesblog-20']);
  });

  it('answers an unknown dimension with a 400 problem naming by', async () => {
    const { c } = await program();
    expectProblem(await c.admin('GET', `/v1/reports/breakdown?by=colour&${NOV20}`), 400, 'by');
  });

  it('answers text/csv for ?format=csv', async () => {
    const { c } = await program();
    const reply = await c.admin('GET', `/v1/reports/breakdown?by=tag&${NOV20}&format=csv`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(reply.text).toContain('janesblog-20');
  });
});

describe('report totals past 2^53 − 1', () => {
  it('answers exact sums up to 2^53 − 1 and a clear 422 beyond, never a rounded amount', async () => {
    const clock = createClock('2026-11-20T15:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    // Each order: 460 lines of 10^11 × 100 = 4.6 × 10^15, within every bound; two of them pass 2^53 − 1.
    const items = Array.from({ length: 460 }, (_, i) => ({ lineId: String(i), sku: 'B08XYZ1234', category: 'electronics', quantity: 100, unitAmount: 100_000_000_000 }));
    const referral = { tag: 'janesblog-20', clickedAt: '2026-11-20T14:00:00Z' };
    expect((await c.signed('/v1/orders', orderBody({ orderId: 'big-1', orderedAt: '2026-11-20T15:00:00Z', referral, items }))).status).toBe(201);
    const one = await c.admin('GET', '/v1/reports/summary?from=2026-11-20&to=2026-11-20');
    expect(one.body.byCurrency.USD.revenue).toBe(4_600_000_000_000_000);
    expect((await c.signed('/v1/orders', orderBody({ orderId: 'big-2', orderedAt: '2026-11-20T15:00:00Z', referral, items }))).status).toBe(201);
    for (const path of ['/v1/reports/summary?from=2026-11-20&to=2026-11-20', '/v1/reports/breakdown?by=day&from=2026-11-20&to=2026-11-20']) {
      const reply = await c.admin('GET', path);
      expectProblem(reply, 422, 'revenue');
      expect(reply.body.detail).toContain('9200000000000000');
    }
  });
});
