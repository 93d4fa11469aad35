import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 20_000 });
import { Webhook } from 'standardwebhooks';
import { createClock, DAY, MINUTE, useCollectors, type Json, type TestCollector } from '../helpers/collector.js';
import { clickEvent, expectProblem, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

/** A receiver on 127.0.0.1: records every request; `answer` decides each status (default 200). */
interface Received { method: string; url: string; headers: IncomingMessage['headers']; body: string }
async function receiver(answer: (n: number) => number = () => 200) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.statusCode = answer(got.length);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receivers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, got };
}
const receivers: Server[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Verifies a delivery as a receiver would, with the standardwebhooks package. */
function verified(secret: string, r: Received): Json {
  return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
}

const start = useCollectors();

async function program(o: { privateTargets?: boolean } = {}) {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, server: { allowPrivateWebhookTargets: o.privateTargets ?? true, webhookTimeoutMs: 2000 } });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  const bob = await c.setupAccount('Bob', 'bobsdeals-20', 'us');
  /** A click and an attributed order for `tag`; answers the order id and the click id. */
  const sale = async (tag: string, sub?: string) => {
    const click = { ...clickEvent(tag, { at: clock.now() }), ...(sub ? { sub } : {}) };
    await c.beacon(click);
    const order = orderBody({ orderedAt: new Date(clock.now()).toISOString(), referral: { clickId: click.id, tag } });
    const created = await c.signed('/v1/orders', order);
    expect(created.status, created.text).toBe(201);
    return { orderId: order.orderId as string, clickId: click.id };
  };
  return { c, clock, jane, bob, sale };
}

const deliveriesOf = async (c: TestCollector, id: string) => (await c.admin('GET', `/v1/webhooks/${id}/deliveries`)).body.deliveries as Json[];

describe('webhook endpoints', () => {
  it('admin and account keys add, list, read, change and delete; the secret is shown once; others see 404', async () => {
    const { c, jane, bob } = await program();
    const hook = await c.admin('POST', '/v1/webhooks', { url: 'https://hooks.example/affil', events: ['order.attributed'] });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.body).toMatchObject({ id: expect.stringMatching(/^whk_/), url: 'https://hooks.example/affil', events: ['order.attributed'], account: null, enabled: true });
    expect(hook.body.secret).toMatch(/^whsec_/);
    const own = await jane.api('POST', '/v1/webhooks', { url: 'https://jane.example/hook', events: ['commission.adjusted', 'click.created'] });
    expect(own.status, own.text).toBe(201);
    expect(own.body.account).toBe(jane.id);

    const list = await c.admin('GET', '/v1/webhooks');
    expect(list.body.webhooks.map((w: Json) => w.id).sort()).toEqual([hook.body.id, own.body.id].sort());
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect((await jane.api('GET', '/v1/webhooks')).body.webhooks.map((w: Json) => w.id)).toEqual([own.body.id]);
    expect((await bob.api('GET', `/v1/webhooks/${own.body.id}`)).status).toBe(404);
    expect((await jane.api('GET', `/v1/webhooks/${hook.body.id}`)).status).toBe(404);
    expect((await bob.api('DELETE', `/v1/webhooks/${own.body.id}`)).status).toBe(404);

    expectProblem(await jane.api('POST', '/v1/webhooks', { url: 'https://x.example', events: ['order.attributed'], account: bob.id }), 403, 'account');
    expectProblem(await c.admin('POST', '/v1/webhooks', { url: 'ftp://x.example', events: ['order.attributed'] }), 422, 'url');
    expectProblem(await c.admin('POST', '/v1/webhooks', { url: 'https://x.example', events: ['order.shipped'] }), 422, 'events');
    expectProblem(await c.admin('POST', '/v1/webhooks', { url: 'https://x.example', events: ['order.attributed'], account: 'acc_nobody' }), 422, 'account');
    expectProblem(await c.admin('PATCH', `/v1/webhooks/${hook.body.id}`, {}), 422);

    const patched = await c.admin('PATCH', `/v1/webhooks/${hook.body.id}`, { description: 'Slack', events: ['order.attributed', 'order.updated'] });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ description: 'Slack', events: ['order.attributed', 'order.updated'] });
    expect((await jane.api('DELETE', `/v1/webhooks/${own.body.id}`)).status).toBe(204);
    expect((await jane.api('GET', `/v1/webhooks/${own.body.id}`)).status).toBe(404);
    expect((await c.request('GET', '/v1/webhooks')).status).toBe(401);
  });

  it('serves /openapi.json with the events-out routes', async () => {
    const { c } = await program();
    const doc = await c.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1/);
    expect(doc.body.paths['/v1/webhooks'].post['x-affil-status']).toBeUndefined();
    // The dashboard's footer links it.
    const page = await c.request('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<footer[^>]*>[\s\S]*<a href="\/openapi\.json"[\s\S]*<\/footer>/);
  });
});

describe('deliveries', () => {
  it('order.attributed, order.updated and commission.adjusted arrive signed (standardwebhooks verifies), with a stable webhook-id', async () => {
    const { c, clock, sale } = await program();
    const r = await receiver();
    const hook = (await c.admin('POST', '/v1/webhooks', { url: `${r.url}/in`, events: ['order.attributed', 'order.updated', 'commission.adjusted'] })).body;
    clock.set('2026-11-20T15:00:00Z');
    const { orderId } = await sale('janesblog-20');
    const first = await until('order.attributed', () => r.got[0]);
    const payload = verified(hook.secret, first);
    expect(payload).toMatchObject({ type: 'order.attributed', timestamp: '2026-11-20T15:00:00.000Z', data: { orderId, account: expect.any(String), status: 'pending', commission: 2113 } });
    expect(first.headers['webhook-id']).toMatch(/^evt_/);
    expect(first.headers['content-type']).toBe('application/json');

    clock.set('2026-11-21T12:00:00Z');
    const shipped = await c.signed(`/v1/orders/${orderId}/events`, { type: 'shipped', at: '2026-11-21T12:00:00Z' });
    expect(shipped.status, shipped.text).toBe(200);
    await until('two more', () => r.got.length >= 3);
    const types = r.got.map((g) => verified(hook.secret, g).type).sort();
    expect(types).toEqual(['commission.adjusted', 'order.attributed', 'order.updated']);
    const adjusted = r.got.map((g) => verified(hook.secret, g)).find((p) => p.type === 'commission.adjusted');
    expect(adjusted.data).toMatchObject({ orderId, amount: 2113, currency: 'USD', status: 'shipped' });
    const log = await until('three delivered', async () => {
      const rows = await deliveriesOf(c, hook.id);
      return rows.length === 3 && rows.every((d) => d.status === 'delivered') && rows;
    });
    expect(log.every((d) => d.status === 'delivered' && d.attempts.length === 1 && d.attempts[0].statusCode === 200)).toBe(true);
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(3);
    // An unattributed order emits nothing.
    await c.signed('/v1/orders', orderBody({ orderedAt: '2026-11-21T12:00:00Z' }));
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.got).toHaveLength(3);
  });

  it('account isolation: an account endpoint gets its own events only, a program-wide one everyone’s', async () => {
    const { c, clock, jane, sale } = await program();
    const all = await receiver();
    const mine = await receiver();
    await c.admin('POST', '/v1/webhooks', { url: all.url, events: ['order.attributed'] });
    await jane.api('POST', '/v1/webhooks', { url: mine.url, events: ['order.attributed'] });
    clock.set('2026-11-20T15:00:00Z');
    const a = await sale('janesblog-20');
    const b = await sale('bobsdeals-20');
    await until('both orders program-wide', () => all.got.length >= 2);
    await until('jane’s order', () => mine.got.length >= 1);
    await new Promise((res) => setTimeout(res, 1200));
    expect(mine.got.map((g) => JSON.parse(g.body).data.orderId)).toEqual([a.orderId]);
    expect(all.got.map((g) => JSON.parse(g.body).data.orderId).sort()).toEqual([a.orderId, b.orderId].sort());
  });

  it('retries by the schedule when the receiver fails twice; the log shows each attempt; a manual retry sends it again', async () => {
    const { c, clock, sale } = await program();
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const hook = (await c.admin('POST', '/v1/webhooks', { url: r.url, events: ['order.attributed'] })).body;
    clock.set('2026-11-20T15:00:00Z');
    await sale('janesblog-20');
    await until('first attempt', () => r.got.length >= 1);
    await until('first failure recorded', async () => (await deliveriesOf(c, hook.id))[0]?.attempts.length === 1);
    const [pending] = await deliveriesOf(c, hook.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: [{ statusCode: 503, error: 'HTTP 503' }] });
    // The first retry comes 15–30 s later (equal jitter on 30 s): not before.
    const wait = Date.parse(pending.nextAttemptAt) - clock.now();
    expect(wait).toBeGreaterThanOrEqual(15_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    await new Promise((res) => setTimeout(res, 1200));
    expect(r.got).toHaveLength(1);
    clock.advance(MINUTE);
    await until('second attempt', () => r.got.length >= 2);
    clock.advance(2 * MINUTE);
    await until('third attempt', () => r.got.length >= 3);
    const delivered = await until('delivered', async () => (await deliveriesOf(c, hook.id)).find((d) => d.status === 'delivered'));
    expect(delivered.attempts.map((a: Json) => a.statusCode)).toEqual([503, 503, 200]);
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(1);
    for (const g of r.got) verified(hook.secret, g);

    const again = await c.admin('POST', `/v1/webhooks/${hook.id}/deliveries/${delivered.id}/retry`);
    expect(again.status, again.text).toBe(202);
    await until('manual re-send', () => r.got.length >= 4);
    expect(r.got[3]!.headers['webhook-id']).toBe(r.got[0]!.headers['webhook-id']);
    const log = await until('manual attempt logged', async () => (await deliveriesOf(c, hook.id)).find((d) => d.attempts.length === 4));
    expect(log.attempts[3]).toMatchObject({ statusCode: 200, manual: true });
    expectProblem(await c.admin('POST', `/v1/webhooks/${hook.id}/deliveries/999999/retry`), 404);
  }, 30_000);

  it('after 3 days of failures the delivery fails and the endpoint is disabled with the reason; PATCH enabled re-enables it', async () => {
    const { c, clock, sale } = await program();
    const r = await receiver(() => 500);
    const hook = (await c.admin('POST', '/v1/webhooks', { url: r.url, events: ['order.attributed'] })).body;
    clock.set('2026-11-20T15:00:00Z');
    await sale('janesblog-20');
    await until('first failure recorded', async () => (await deliveriesOf(c, hook.id))[0]?.attempts.length === 1);
    clock.advance(3 * DAY + MINUTE);
    const failed = await until('given up', async () => (await deliveriesOf(c, hook.id)).find((d) => d.status === 'failed'));
    expect(failed.attempts).toHaveLength(2);
    const endpoint = (await c.admin('GET', `/v1/webhooks/${hook.id}`)).body;
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toMatch(/^no successful delivery in 3 days .*\(2 attempts\); last: HTTP 500/);
    // No new deliveries while disabled.
    await sale('janesblog-20');
    await new Promise((res) => setTimeout(res, 1200));
    expect(await deliveriesOf(c, hook.id)).toHaveLength(1);
    const enabled = await c.admin('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('rotation: the new secret signs, and the previous one too for 24 h', async () => {
    const { c, clock, sale } = await program();
    const r = await receiver();
    const hook = (await c.admin('POST', '/v1/webhooks', { url: r.url, events: ['order.attributed'] })).body;
    const rotated = await c.admin('POST', `/v1/webhooks/${hook.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    clock.set('2026-11-20T15:00:00Z');
    await sale('janesblog-20');
    const got = await until('delivery', () => r.got[0]);
    verified(rotated.body.secret, got);
    verified(hook.secret, got);
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('refuses private targets unless allowPrivateWebhookTargets (the SSRF guard), and says so in the log', async () => {
    const { c, clock, sale } = await program({ privateTargets: false });
    const r = await receiver();
    const hook = (await c.admin('POST', '/v1/webhooks', { url: r.url, events: ['order.attributed'] })).body;
    clock.set('2026-11-20T15:00:00Z');
    await sale('janesblog-20');
    const [d] = await until('refused attempt', async () => {
      const log = await deliveriesOf(c, hook.id);
      return log[0]?.attempts.length ? log : undefined;
    });
    expect(d.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused.*127\.0\.0\.1.*loopback/i) });
    expect(r.got).toHaveLength(0);
  });
});

describe('click.created (opt-in)', () => {
  it('goes only to endpoints that listed it, for credited clicks (beacon and /go)', async () => {
    const { c, jane } = await program();
    const clicks = await receiver();
    const orders = await receiver();
    const hook = (await jane.api('POST', '/v1/webhooks', { url: clicks.url, events: ['click.created'] })).body;
    await c.admin('POST', '/v1/webhooks', { url: orders.url, events: ['order.attributed'] });
    const click = clickEvent('janesblog-20');
    expect((await c.beacon({ events: [click, clickEvent('nobody-20')] })).status).toBe(202);
    const got = await until('click.created', () => clicks.got[0]);
    expect(verified(hook.secret, got)).toMatchObject({ type: 'click.created', data: { id: click.id, tag: 'janesblog-20', account: jane.id, sub: null } });
    const go = await c.request('GET', `/go/janesblog-20?url=${encodeURIComponent('https://www.amazon.com/dp/B08XYZ1234')}`);
    expect(go.status).toBe(302);
    await until('the redirect click', () => clicks.got.length >= 2);
    expect(JSON.parse(clicks.got[1]!.body).data.via).toBe('redirect');
    await new Promise((res) => setTimeout(res, 1200));
    expect(clicks.got).toHaveLength(2); // the unregistered tag's click: none
    expect(orders.got).toHaveLength(0);
  });
});

describe('postbacks', () => {
  it('fire with their macros URL-encoded, per account; admin must name the account; the log shows them', async () => {
    const { c, clock, jane, bob, sale } = await program();
    const r = await receiver();
    const template = `${r.url}/pb?cid={click_id}&oid={order_id}&c={commission}&cd={commission_decimal}&cur={currency}&s={status}&e={event}&sub={sub}`;
    expectProblem(await c.admin('POST', '/v1/postbacks', { url: template, events: ['order.attributed'] }), 400, 'account');
    expectProblem(await jane.api('POST', '/v1/postbacks', { url: `${r.url}/{nope}`, events: ['order.attributed'] }), 422, 'url');
    const pb = await jane.api('POST', '/v1/postbacks', { url: template, events: ['order.attributed', 'commission.adjusted'] });
    expect(pb.status, pb.text).toBe(201);
    expect(pb.body).toMatchObject({ id: expect.stringMatching(/^pb_/), url: template, account: jane.id });
    const byAdmin = await c.admin('POST', '/v1/postbacks', { url: template, events: ['order.attributed'], account: bob.id });
    expect(byAdmin.status, byAdmin.text).toBe(201);
    expect((await jane.api('GET', '/v1/postbacks')).body.postbacks.map((p: Json) => p.id)).toEqual([pb.body.id]);
    expect((await c.admin('GET', '/v1/postbacks')).body.postbacks).toHaveLength(2);
    expect((await bob.api('DELETE', `/v1/postbacks/${pb.body.id}`)).status).toBe(404);

    clock.set('2026-11-20T15:00:00Z');
    const { orderId, clickId } = await sale('janesblog-20', 'post-42');
    const got = await until('postback', () => r.got[0]);
    expect(got.method).toBe('GET');
    const q = new URL(got.url, r.url).searchParams;
    expect(Object.fromEntries(q)).toEqual({ cid: clickId, oid: orderId, c: '2113', cd: '21.13', cur: 'USD', s: 'pending', e: 'order.attributed', sub: 'post-42' });
    await new Promise((res) => setTimeout(res, 1200));
    expect(r.got).toHaveLength(1); // bob's postback: not bob's order
    const log = (await jane.api('GET', `/v1/postbacks/${pb.body.id}/deliveries`)).body.deliveries;
    expect(log[0]).toMatchObject({ status: 'delivered', type: 'order.attributed' });
    expect((await jane.api('DELETE', `/v1/postbacks/${pb.body.id}`)).status).toBe(204);
    expect((await jane.api('GET', '/v1/postbacks')).body.postbacks).toEqual([]);
  });

  it('a held order’s postback waits for the review: it fires on release, with the normal status; never after a rejection', async () => {
    const clock = createClock('2026-11-20T09:00:00Z');
    const integrity = { selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 1 } as const;
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, integrity, server: { allowPrivateWebhookTargets: true, webhookTimeoutMs: 2000 } });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const r = await receiver();
    const pb = await jane.api('POST', '/v1/postbacks', { url: `${r.url}/pb?oid={order_id}&s={status}`, events: ['order.attributed'] });
    expect(pb.status, pb.text).toBe(201);
    const click = clickEvent('janesblog-20', { at: clock.now() });
    await c.beacon(click);
    /** An order through the one click (order velocity 1: the 2nd and later are held). */
    const orderNow = async () => {
      clock.advance(MINUTE);
      const body = orderBody({ orderedAt: new Date(clock.now()).toISOString(), referral: { clickId: click.id, tag: 'janesblog-20' } });
      const reply = await c.signed('/v1/orders', body);
      expect(reply.status, reply.text).toBe(201);
      return reply.body as Json;
    };
    const review = (orderId: string, decision: string) => c.admin('POST', `/v1/orders/${orderId}/review`, { decision });
    const params = (x: Received) => Object.fromEntries(new URL(x.url, r.url).searchParams);
    const quiet = () => new Promise((res) => setTimeout(res, 1500));

    const first = await orderNow();
    expect(first.status).toBe('pending');
    expect(params(await until('the first postback', () => r.got[0]))).toEqual({ oid: first.orderId, s: 'pending' });
    const kept = await orderNow();
    const dropped = await orderNow();
    expect([kept.status, dropped.status]).toEqual(['on_hold', 'on_hold']);
    await quiet();
    expect(r.got).toHaveLength(1); // held: nothing yet

    const released = await review(kept.orderId as string, 'release');
    expect(released.status, released.text).toBe(200);
    expect(params(await until('the released postback', () => r.got[1]))).toEqual({ oid: kept.orderId, s: 'pending' });

    const rejected = await review(dropped.orderId as string, 'reject');
    expect(rejected.status, rejected.text).toBe(200);
    await quiet();
    expect(r.got.map(params).map((q) => q.oid)).toEqual([first.orderId, kept.orderId]);
    const log = (await jane.api('GET', `/v1/postbacks/${pb.body.id}/deliveries`)).body.deliveries as Json[];
    expect(log.filter((d) => d.status === 'delivered')).toHaveLength(2);
  });

  it('a review is announced: order.updated (released / rejected, with the status after it) and, for a rejection, commission.adjusted reversing what was earned', async () => {
    const clock = createClock('2026-11-20T09:00:00Z');
    const integrity = { selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 1 } as const;
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, integrity, server: { allowPrivateWebhookTargets: true, webhookTimeoutMs: 2000 } });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const r = await receiver();
    const hook = (await c.admin('POST', '/v1/webhooks', { url: `${r.url}/hook`, events: ['order.updated', 'commission.adjusted'] })).body;
    const click = clickEvent('janesblog-20', { at: clock.now() });
    await c.beacon(click);
    const orderNow = async () => {
      clock.advance(MINUTE);
      const reply = await c.signed('/v1/orders', orderBody({ orderedAt: new Date(clock.now()).toISOString(), referral: { clickId: click.id, tag: 'janesblog-20' } }));
      expect(reply.status, reply.text).toBe(201);
      return reply.body as Json;
    };
    await orderNow(); // the first through the click is credited; velocity 1 holds the next ones
    const kept = await orderNow();
    const dropped = await orderNow();
    expect([kept.status, dropped.status]).toEqual(['on_hold', 'on_hold']);
    clock.advance(DAY);
    expect((await c.signed(`/v1/orders/${dropped.orderId}/events`, { type: 'shipped', at: new Date(clock.now()).toISOString() })).status).toBe(200);
    const payloads = () => r.got.map((g) => verified(hook.secret, g));
    await until('the shipment', () => r.got.length >= 2); // order.updated + commission.adjusted (held entries are still written)
    const earned = payloads().find((p) => p.type === 'commission.adjusted')!.data.amount as number;
    expect(earned).toBeGreaterThan(0);

    clock.advance(MINUTE);
    expect((await c.admin('POST', `/v1/orders/${kept.orderId}/review`, { decision: 'release' })).status).toBe(200);
    await until('the release', () => r.got.length >= 3);
    expect(payloads()[2]).toMatchObject({ type: 'order.updated', timestamp: new Date(clock.now()).toISOString(), data: { orderId: kept.orderId, status: 'pending', change: { type: 'released', items: [] } } });

    expect((await c.admin('POST', `/v1/orders/${dropped.orderId}/review`, { decision: 'reject' })).status).toBe(200);
    await until('the rejection', () => r.got.length >= 5);
    const rejection = payloads().slice(3);
    expect(rejection.find((p) => p.type === 'order.updated')).toMatchObject({ data: { orderId: dropped.orderId, status: 'rejected', change: { type: 'rejected' } } });
    const reversed = rejection.find((p) => p.type === 'commission.adjusted')!;
    expect(reversed.data).toMatchObject({ orderId: dropped.orderId, status: 'rejected', amount: -earned, currency: 'USD' });
    const entries = reversed.data.entries as Json[];
    expect(entries.every((e) => e.kind === 'reversal' && e.amount < 0)).toBe(true);
    expect(entries.reduce((n, e) => n + (e.amount as number), 0)).toBe(-earned);
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(5);
  });
});
