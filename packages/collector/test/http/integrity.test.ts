import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BROWSER_UA, createClock, MINUTE, useCollectors, type Json, type TestCollector } from '../helpers/collector.js';
import { clickEvent, expectProblem, orderBody, pageviewEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import type { IntegrityConfig } from '../../src/domain/integrity/config.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';

/**
 * Issue 19 end to end through real HTTP: each rule holds an order (and does not, at its edge),
 * review (release, reject), the report, bad input. Both halves of the storage matrix.
 */
const start = useCollectors();
const OTHER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

async function program(integrity?: IntegrityConfig, notified: unknown[] = []) {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, ...(integrity ? { integrity } : {}), notify: (e) => void notified.push(e) });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  return { c, clock, jane };
}

/** Orders one camera + books through `clickId` now; answers the creation reply. */
async function order(c: TestCollector, clock: { now(): number }, clickId: string, clickedAt?: string) {
  const body = orderBody({
    orderedAt: new Date(clock.now()).toISOString(),
    referral: { clickId, tag: 'janesblog-20', clickedAt: clickedAt ?? new Date(clock.now() - MINUTE).toISOString() },
  });
  const reply = await c.signed('/v1/orders', body);
  expect(reply.status, reply.text).toBe(201);
  return reply.body as Json;
}

/** Signs in with the account key from this client (127.0.0.1) with a user agent, as a dashboard does. */
const signIn = (c: TestCollector, key: string, userAgent: string) => c.request('GET', '/v1/me', { headers: { authorization: `Bearer ${key}`, 'user-agent': userAgent } });

describe('integrity: self_referral', () => {
  it('holds an order whose click came from where the credited account signed in that day; Why? says so', async () => {
    const { c, clock, jane } = await program();
    expect((await signIn(c, jane.key, BROWSER_UA)).status).toBe(200);
    const click = clickEvent('janesblog-20');
    expect((await c.beacon(click, { userAgent: BROWSER_UA })).status).toBe(202);
    clock.advance(MINUTE);
    const created = await order(c, clock, click.id);
    expect(created.status).toBe('on_hold');
    expect(created.holds).toEqual([{ rule: 'self_referral', detail: `the click came from the same network and browser that account ${jane.id} signed in to the dashboard or API from on 2026-11-20` }]);
    const view = (await c.admin('GET', `/v1/orders/${created.orderId}`)).body;
    expect(view).toMatchObject({ status: 'on_hold', holds: created.holds, review: null });
    expect(view.explanation).toContain('On hold until an admin reviews it');
    expect(view.explanation).toContain('Held by the');
    // The affiliate sees its own held order and the reason.
    const own = await jane.api('GET', `/v1/orders/${created.orderId}`);
    expect(own.body).toMatchObject({ status: 'on_hold', holds: created.holds });
    const list = await jane.api('GET', '/v1/orders?from=2026-11-20&to=2026-11-20');
    expect(list.body.orders.map((o: Json) => [o.orderId, o.status])).toEqual([[created.orderId, 'on_hold']]);
  });

  it('does not hold when the sign-in came from another browser, or when the rule is off', async () => {
    const { c, clock, jane } = await program();
    await signIn(c, jane.key, OTHER_UA);
    const click = clickEvent('janesblog-20');
    await c.beacon(click, { userAgent: BROWSER_UA });
    clock.advance(MINUTE);
    const created = await order(c, clock, click.id);
    expect(created.status).toBe('pending');
    expect(created.holds).toBeUndefined();

    const off = await program({ selfReferral: false, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 5 });
    await signIn(off.c, off.jane.key, BROWSER_UA);
    const click2 = clickEvent('janesblog-20');
    await off.c.beacon(click2, { userAgent: BROWSER_UA });
    off.clock.advance(MINUTE);
    expect((await order(off.c, off.clock, click2.id)).status).toBe('pending');
  });

  it('an admin key signing in records nothing', async () => {
    const { c, clock } = await program();
    await c.request('GET', '/v1/me', { headers: { authorization: `Bearer ${c.adminKey}`, 'user-agent': BROWSER_UA } });
    const click = clickEvent('janesblog-20');
    await c.beacon(click, { userAgent: BROWSER_UA });
    clock.advance(MINUTE);
    expect((await order(c, clock, click.id)).status).toBe('pending');
  });
});

describe('integrity: click_burst', () => {
  it('holds the order through the 11th click from one visitor on one tag within 10 minutes, not through the 10th', async () => {
    const { c, clock } = await program();
    const clicks = Array.from({ length: 11 }, () => clickEvent('janesblog-20'));
    for (const click of clicks) {
      expect((await c.beacon(click)).status).toBe(202);
      clock.advance(30_000);
    }
    const tenth = await order(c, clock, clicks[9]!.id);
    expect(tenth.status).toBe('pending');
    const eleventh = await order(c, clock, clicks[10]!.id);
    expect(eleventh.status).toBe('on_hold');
    expect(eleventh.holds).toEqual([{ rule: 'click_burst', detail: '11 clicks from one visitor on tag janesblog-20 within 10 minutes up to this order\'s click (more than 10)' }]);
  });

  it('does not hold when the clicks come from different browsers, or spread past the window', async () => {
    const { c, clock } = await program();
    const clicks = Array.from({ length: 11 }, () => clickEvent('janesblog-20'));
    for (const [i, click] of clicks.entries()) {
      await c.beacon(click, { userAgent: i === 10 ? OTHER_UA : BROWSER_UA });
      clock.advance(30_000);
    }
    expect((await order(c, clock, clicks[10]!.id)).status).toBe('pending');

    const spread = await program();
    const slow = Array.from({ length: 11 }, () => clickEvent('janesblog-20'));
    for (const click of slow) {
      await spread.c.beacon(click);
      spread.clock.advance(61_000); // 11 clicks over 10 min 10 s: the first is outside the last's window
    }
    expect((await order(spread.c, spread.clock, slow[10]!.id)).status).toBe('pending');
  });
});

describe('integrity: stuffing', () => {
  it.each([
    [{ trusted: false }, 'click not trusted (script click)'],
    [{ visible: false }, 'page not visible (hidden, or a viewport under 10×10 px)'],
    [{ framed: true }, 'click inside a frame'],
    [{ dwell: 499 }, 'dwell 499 ms < 500 ms'],
    [{ trusted: false, visible: false, framed: true, dwell: 0 }, 'click not trusted (script click); page not visible (hidden, or a viewport under 10×10 px); click inside a frame; dwell 0 ms < 500 ms'],
  ])('holds an order through a click sent with %o', async (signals, detail) => {
    const { c, clock } = await program();
    const click = { ...clickEvent('janesblog-20'), ...signals };
    expect((await c.beacon(click)).body).toMatchObject({ accepted: 1 });
    clock.advance(MINUTE);
    const created = await order(c, clock, click.id);
    expect(created.status).toBe('on_hold');
    expect(created.holds).toEqual([{ rule: 'stuffing', detail }]);
  });

  it('does not hold a chosen click, a dwell of exactly 500 ms, missing or malformed signals, or with minDwellMs 0', async () => {
    const { c, clock } = await program();
    const clicks = [
      { ...clickEvent('janesblog-20'), trusted: true, visible: true, framed: false, dwell: 500 },
      clickEvent('janesblog-20'),
      { ...clickEvent('janesblog-20'), trusted: 'no', visible: 0, framed: 'yes', dwell: -5 },
    ];
    for (const click of clicks) {
      expect((await c.beacon(click)).body).toMatchObject({ accepted: 1 });
      clock.advance(MINUTE);
      expect((await order(c, clock, click.id)).status).toBe('pending');
    }
    const lax = await program({ selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 0 }, orderVelocity: 5 });
    const quick = { ...clickEvent('janesblog-20'), dwell: 0 };
    await lax.c.beacon(quick);
    lax.clock.advance(MINUTE);
    expect((await order(lax.c, lax.clock, quick.id)).status).toBe('pending');
  });

  it('holds an unverified referral whose landing came from a visitor that sent other beacons but no click on the tag', async () => {
    const { c, clock } = await program();
    expect((await c.beacon(pageviewEvent('janesblog-20', 3))).status).toBe(202);
    clock.advance(MINUTE);
    const clickId = randomUUID();
    const landing = { type: 'landing', id: randomUUID(), click: clickId, tag: 'janesblog-20', page: 'https://shop.example/landing' };
    expect((await c.beacon(landing)).body).toMatchObject({ accepted: 1 });
    clock.advance(MINUTE);
    const created = await order(c, clock, clickId);
    expect(created).toMatchObject({ status: 'on_hold', unverifiedReferral: true });
    expect(created.holds).toEqual([{ rule: 'stuffing', detail: `landing with click ID ${clickId} that no click record knows, while the same visitor sent 1 other beacon in the 24 hours before but no click on tag janesblog-20` }]);
  });

  it('keeps an ad-blocked reader creditable: a landing from a visitor with no other beacons is not held; nor with stuffing off', async () => {
    const { c, clock } = await program();
    const clickId = randomUUID();
    await c.beacon({ type: 'landing', id: randomUUID(), click: clickId, tag: 'janesblog-20' });
    clock.advance(MINUTE);
    expect((await order(c, clock, clickId)).status).toBe('pending');

    const off = await program({ selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: false, orderVelocity: 5 });
    await off.c.beacon(pageviewEvent('janesblog-20', 3));
    const id2 = randomUUID();
    await off.c.beacon({ type: 'landing', id: randomUUID(), click: id2, tag: 'janesblog-20' });
    off.clock.advance(MINUTE);
    expect((await order(off.c, off.clock, id2)).status).toBe('pending');
  });
});

describe('integrity: order_velocity', () => {
  it('holds the 6th order attributed to one click, not the first 5; off switch', async () => {
    const { c, clock } = await program();
    const click = clickEvent('janesblog-20');
    await c.beacon(click);
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(MINUTE);
      statuses.push((await order(c, clock, click.id)).status);
    }
    expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'on_hold']);
    clock.advance(MINUTE);
    const seventh = await order(c, clock, click.id);
    expect(seventh.holds).toEqual([{ rule: 'order_velocity', detail: `order number 7 attributed to click ${click.id} (more than 5 orders through one click)` }]);

    const off = await program({ selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: false });
    const click2 = clickEvent('janesblog-20');
    await off.c.beacon(click2);
    for (let i = 0; i < 6; i++) {
      off.clock.advance(MINUTE);
      expect((await order(off.c, off.clock, click2.id)).status).toBe('pending');
    }
  });
});

/** A collector with one order held by order velocity (the 2nd through one click, limit 1). */
async function held() {
  const notified: Json[] = [];
  const p = await program({ selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 1 }, notified);
  const click = clickEvent('janesblog-20');
  await p.c.beacon(click);
  p.clock.advance(MINUTE);
  const first = await order(p.c, p.clock, click.id);
  p.clock.advance(MINUTE);
  const second = await order(p.c, p.clock, click.id);
  expect(second.status).toBe('on_hold');
  const ship = async (orderId: string) => {
    const reply = await p.c.signed(`/v1/orders/${orderId}/events`, { type: 'shipped' });
    expect(reply.status, reply.text).toBe(200);
    return reply.body as Json;
  };
  const review = (orderId: string, body: unknown, key = p.c.adminKey) =>
    p.c.request('POST', `/v1/orders/${orderId}/review`, { body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  return { ...p, first, second, ship, review, notified };
}

describe('POST /v1/orders/{id}/review', () => {
  it('release: the order shows its lifecycle status again, the decision is recorded, a second decision is 409', async () => {
    const { c, jane, second, ship, review, notified } = await held();
    const shipped = await ship(second.orderId);
    expect(shipped.status).toBe('on_hold');
    expect(shipped.ledger.map((e: Json) => e.amount)).toEqual([1996, 117]);
    const reply = await review(second.orderId, { decision: 'release', note: 'known customer' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ status: 'shipped', holds: [{ rule: 'order_velocity' }], review: { decision: 'release', note: 'known customer', by: 'env' } });
    expect(reply.body.explanation).toContain('Released by env');
    expect((await c.admin('GET', `/v1/orders/${second.orderId}`)).body.status).toBe('shipped');
    const again = await review(second.orderId, { decision: 'reject' });
    expectProblem(again, 409, 'already reviewed');
    // The outbox seam heard the one decision, after it committed.
    expect(notified).toEqual([{ type: 'order.reviewed', orderId: second.orderId, accountId: jane.id, decision: 'release', status: 'released', at: '2026-11-20T09:02:00.000Z' }]);
  });

  it('reject: status rejected, reversing entries net the order to zero, later shipments write nothing', async () => {
    const { c, second, ship, review } = await held();
    await c.signed(`/v1/orders/${second.orderId}/events`, { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] });
    const reply = await review(second.orderId, { decision: 'reject', note: 'fake orders' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.status).toBe('rejected');
    const ledger = reply.body.ledger as Json[];
    expect(ledger.map((e) => [e.kind, e.lineId, e.amount])).toEqual([['shipment', '1', 1996], ['reversal', '1', -1996]]);
    expect(reply.body.explanation).toContain('Rejected by env');
    const later = await ship(second.orderId);
    expect(later.status).toBe('rejected');
    expect(later.ledger.reduce((n: number, e: Json) => n + e.amount, 0)).toBe(0);
  });

  it('bad input and access: not held 409, unknown 404, account key 403, bad decision 4xx naming it, no 5xx', async () => {
    const { c, jane, first, second, review } = await held();
    expectProblem(await review(first.orderId, { decision: 'release' }), 409, 'not on hold');
    expectProblem(await review('no-such-order', { decision: 'release' }), 404);
    expectProblem(await review(second.orderId, { decision: 'release' }, jane.key), 403);
    const bad = await review(second.orderId, { decision: 'maybe' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.text).toContain('decision');
    const extra = await review(second.orderId, { decision: 'release', note: 5 });
    expect(extra.status).toBeGreaterThanOrEqual(400);
    expect(extra.text).toContain('note');
    expect((await review(second.orderId, 'not json')).status).toBe(400);
    expect((await c.admin('GET', `/v1/orders/${second.orderId}`)).body.status).toBe('on_hold');
  });
});

describe('GET /v1/reports/integrity', () => {
  it('counts held orders and flagged clicks by day, rule and tag; CSV; admin only; bad dates 400', async () => {
    const { c, jane, second, review } = await held();
    await review(second.orderId, { decision: 'reject' });
    const reply = await c.admin('GET', '/v1/reports/integrity?from=2026-11-20&to=2026-11-20');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.rows).toEqual([
      { day: '2026-11-20', rule: 'order_velocity', tag: 'janesblog-20', account: jane.id, flaggedClicks: 0, heldOrders: 1, onHold: 0, released: 0, rejected: 1, commission: { USD: 2113 } },
    ]);
    expect(reply.body.byRule.order_velocity).toEqual({ flaggedClicks: 0, heldOrders: 1, onHold: 0, released: 0, rejected: 1 });
    const csv = await c.admin('GET', '/v1/reports/integrity?from=2026-11-20&to=2026-11-20&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.text.split(/\r?\n/)[0]).toBe('day,rule,tag,account,flaggedClicks,heldOrders,onHold,released,rejected,currency,commission');
    expect(csv.text).toContain(`2026-11-20,order_velocity,janesblog-20,${jane.id},0,1,0,0,1,USD,2113`);
    expectProblem(await jane.api('GET', '/v1/reports/integrity'), 403);
    expectProblem(await c.admin('GET', '/v1/reports/integrity?from=yesterday'), 400, 'from');
    expectProblem(await c.admin('GET', '/v1/reports/integrity?from=2026-11-21&to=2026-11-20'), 400, 'from');
  });

  it('counts the burst excess clicks and clicks with stuffing signs', async () => {
    const { c, clock } = await program();
    for (let i = 0; i < 12; i++) {
      await c.beacon(clickEvent('janesblog-20'));
      clock.advance(10_000);
    }
    const reply = await c.admin('GET', '/v1/reports/integrity?from=2026-11-20&to=2026-11-20');
    expect(reply.body.byRule.click_burst.flaggedClicks).toBe(2);
    await c.beacon({ ...clickEvent('janesblog-20'), trusted: false }, { userAgent: OTHER_UA });
    await c.beacon({ ...clickEvent('janesblog-20'), dwell: 500 }, { userAgent: OTHER_UA });
    const after = await c.admin('GET', '/v1/reports/integrity?from=2026-11-20&to=2026-11-20');
    expect(after.body.byRule.stuffing.flaggedClicks).toBe(1);
    expect(after.body.byRule.click_burst.flaggedClicks).toBe(2);
  });
});

describe('integrity: the visitor hash', () => {
  it('is kept on beacon and /go clicks: 22 characters, the same for one browser, another for another, never the address', async () => {
    const { c } = await program();
    const a = clickEvent('janesblog-20');
    const b = clickEvent('janesblog-20');
    const d = clickEvent('janesblog-20');
    await c.beacon({ events: [a, b] });
    await c.beacon(d, { userAgent: OTHER_UA });
    const go = await c.request('GET', `/go/janesblog-20?url=${encodeURIComponent('https://www.amazon.com/dp/B08XYZ1234')}`, { headers: { 'user-agent': BROWSER_UA } });
    expect(go.status).toBe(302);
    const events = c.collector.storage.events;
    const [va, vb, vd] = await Promise.all([a, b, d].map(async (x) => (await events.findClick(x.id))?.visitor));
    expect(va).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(vb).toBe(va);
    expect(vd).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(vd).not.toBe(va);
    const redirected = await events.listClicks({ from: 0, to: Date.parse('2027-01-01'), limit: 10, tag: 'janesblog-20' });
    expect(redirected.find((x) => x.via === 'redirect')?.visitor).toBe(va);
    expect(JSON.stringify(redirected)).not.toContain('127.0.0.1');
  });
});

describe('a rejected order in the reports', () => {
  /** The held order (2113: camera 1996 + books 117) ships its camera on 20 Nov, then is rejected on 22 Nov. */
  async function rejectedAfterShipping() {
    const h = await held();
    expect((await h.c.signed(`/v1/orders/${h.second.orderId}/events`, { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] })).status).toBe(200);
    const usd = async (from: string, to: string) => {
      const reply = await h.jane.api('GET', `/v1/reports/summary?from=${from}&to=${to}`);
      expect(reply.status, reply.text).toBe(200);
      return reply.body.byCurrency.USD;
    };
    // The first order (not held, nothing shipped) is 2113 pending throughout.
    expect(await usd('2026-11-20', '2026-11-20')).toMatchObject({ earnings: 1996, pending: 2113 + 117 });
    h.clock.set('2026-11-22T10:00:00Z');
    expect((await h.review(h.second.orderId, { decision: 'reject', note: 'fake orders' })).status).toBe(200);
    return { ...h, usd };
  }

  it('per-day earnings take the reversal back on the day it was recorded (summary, breakdowns, CSV)', async () => {
    const { c, jane, usd } = await rejectedAfterShipping();
    // The shipment stays on its day; the reversal counts on the day of the decision, as a return would.
    expect((await usd('2026-11-22', '2026-11-22')).earnings).toBe(-1996);
    expect((await usd('2026-11-20', '2026-11-20')).earnings).toBe(1996);
    expect((await usd('2026-11-20', '2026-11-22')).earnings).toBe(0);
    expect((await c.admin('GET', '/v1/reports/summary?from=2026-11-22&to=2026-11-22')).body.byCurrency.USD.earnings).toBe(-1996);
    // By day the reversal is its own day's negative earnings (no units shipped or returned); other breakdowns add up to the summary.
    const byDay = await jane.api('GET', '/v1/reports/breakdown?by=day&from=2026-11-20&to=2026-11-22');
    expect(byDay.body.rows.map((r: Json) => [r.key, r.itemsShipped, r.itemsReturned, r.byCurrency.USD?.earnings])).toEqual([
      ['2026-11-20', 1, 0, 1996],
      ['2026-11-22', 0, 0, -1996],
    ]);
    for (const by of ['tag', 'marketplace', 'category', 'product', 'page', 'sub']) {
      const rows = (await jane.api('GET', `/v1/reports/breakdown?by=${by}&from=2026-11-22&to=2026-11-22`)).body.rows as Json[];
      expect([by, rows.reduce((n, r) => n + (r.byCurrency.USD?.earnings ?? 0), 0)]).toEqual([by, -1996]);
    }
    const csv = await jane.api('GET', '/v1/reports/breakdown?by=day&from=2026-11-20&to=2026-11-22&format=csv');
    const [head, ...lines] = csv.text.trim().split(/\r?\n/);
    const column = (name: string) => head!.split(',').indexOf(name);
    expect(lines.map((l) => [l.split(',')[column('key')], l.split(',')[column('earnings_USD')]])).toEqual([['2026-11-20', '1996'], ['2026-11-22', '-1996']]);
  });

  it('contributes nothing pending: summary, breakdowns, balance, order list and order, also after later events', async () => {
    const { c, clock, jane, second, usd } = await rejectedAfterShipping();
    expect((await usd('2026-11-20', '2026-11-22')).pending).toBe(2113);
    const byDay = (await jane.api('GET', '/v1/reports/breakdown?by=day&from=2026-11-20&to=2026-11-22')).body.rows as Json[];
    expect(byDay.map((r) => [r.key, r.byCurrency.USD?.pending])).toEqual([['2026-11-20', 2113], ['2026-11-22', 0]]);
    const byProduct = (await jane.api('GET', '/v1/reports/breakdown?by=product&from=2026-11-20&to=2026-11-22')).body.rows as Json[];
    expect(byProduct.reduce((n, r) => n + (r.byCurrency.USD?.pending ?? 0), 0)).toBe(2113);
    expect((await jane.api('GET', '/v1/balance')).body.byCurrency.USD.pending).toBe(2113);
    const listed = (await jane.api('GET', '/v1/orders?from=2026-11-20&to=2026-11-20')).body.orders as Json[];
    expect(listed.find((o) => o.orderId === second.orderId)).toMatchObject({ status: 'rejected', pending: 0 });
    const view = (await c.admin('GET', `/v1/orders/${second.orderId}`)).body;
    expect([view.pending, view.lines.map((l: Json) => l.pending)]).toEqual([0, [0, 0]]);
    // Its units still move (a cancelled book, the other shipped), and neither pending nor earnings change.
    clock.set('2026-11-23T10:00:00Z');
    expect((await c.signed(`/v1/orders/${second.orderId}/events`, { type: 'cancelled', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expect((await c.signed(`/v1/orders/${second.orderId}/events`, { type: 'shipped' })).status).toBe(200);
    expect(await usd('2026-11-20', '2026-11-23')).toMatchObject({ earnings: 0, pending: 2113 });
    expect((await jane.api('GET', '/v1/balance')).body.byCurrency.USD.pending).toBe(2113);
    expect((await c.admin('GET', `/v1/orders/${second.orderId}`)).body.pending).toBe(0);
  });

  it('a released order keeps its pending and its earnings', async () => {
    const { c, clock, jane, second, review } = await held();
    expect((await c.signed(`/v1/orders/${second.orderId}/events`, { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] })).status).toBe(200);
    clock.set('2026-11-22T10:00:00Z');
    expect((await review(second.orderId, { decision: 'release' })).status).toBe(200);
    const summary = (await jane.api('GET', '/v1/reports/summary?from=2026-11-20&to=2026-11-22')).body.byCurrency.USD;
    expect(summary).toMatchObject({ earnings: 1996, pending: 2113 + 117 });
    expect((await jane.api('GET', '/v1/balance')).body.byCurrency.USD.pending).toBe(2113 + 117);
  });
});

describe('integrity and money out', () => {
  it('a held order\'s shipped entries count in onHold until released', async () => {
    const { c, jane, second, ship, review } = await held();
    await ship(second.orderId);
    const balance = async () => (await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.byCurrency.USD;
    expect((await balance()).onHold).toBe(2113);
    expect((await review(second.orderId, { decision: 'release' })).status).toBe(200);
    expect((await balance()).onHold).toBe(0);
  });

  it("a rejected order's reversals are ledger entries: they net onHold to 0, appear chained and signed in the statement, and pay nothing", async () => {
    const { c, clock, jane, first, second, ship, review } = await held();
    await ship(first.orderId);
    await ship(second.orderId);
    const balance = async () => (await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.byCurrency.USD;
    expect(await balance()).toMatchObject({ maturing: 2113, onHold: 2113 });
    clock.set('2026-11-22T10:00:00Z');
    const rejected = await review(second.orderId, { decision: 'reject', note: 'fake orders' });
    expect(rejected.status, rejected.text).toBe(200);
    // Numbered like every ledger entry (not a side table's ids), after the shipments.
    const reversals = (rejected.body.ledger as Json[]).filter((e) => e.kind === 'reversal');
    expect(reversals.map((e) => [typeof e.id, e.lineId, e.amount])).toEqual([['number', '1', -1996], ['number', '2', -117]]);
    expect(await balance()).toEqual({ pending: 0, maturing: 2113, payable: 0, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 });
    expect((await c.admin('GET', '/metrics')).text).toMatch(/^affil_ledger_entries_total\{kind="reversal"\} 2$/m);

    // November's statement lists both orders' shipments and the two reversals, chained, and ties out.
    const reply = await c.admin('GET', `/v1/statements?month=2026-11&account=${jane.id}&currency=USD`);
    expect(reply.status, reply.text).toBe(200);
    const s = reply.body as Json;
    expect((s.entries as Json[]).map((e) => [e.kind, e.orderId, e.amount])).toEqual([
      ['shipment', first.orderId, 1996], ['shipment', first.orderId, 117],
      ['shipment', second.orderId, 1996], ['shipment', second.orderId, 117],
      ['reversal', second.orderId, -1996], ['reversal', second.orderId, -117],
    ]);
    const entries = (s.entries as Json[]).reduce((n, e) => n + e.amount, 0);
    expect([s.openingBalance, entries, s.closingBalance]).toEqual([0, 2113, 2113]);
    const chained = s.entries as Json[];
    for (let i = 1; i < chained.length; i++) expect(chained[i]!.prevHash).toBe(chained[i - 1]!.hash);
    const keys = await c.request('GET', '/.well-known/affil-statement-key');
    expect(verifyStatement(s, keys.body)).toEqual([]);

    // Payable from 30 Jan 2027 (1 Dec + 60 days); a run pays the first order only, never the rejected one.
    clock.set('2027-02-01T00:00:00Z');
    const run = await c.admin('POST', '/v1/payouts', { through: '2027-01-31' });
    expect(run.status, run.text).toBeLessThan(300);
    expect((run.body.payouts as Json[]).map((p) => p.amount)).toEqual([2113]);
    expect(await balance()).toMatchObject({ payable: 0, inPayout: 2113, onHold: 0 });
  });
});
