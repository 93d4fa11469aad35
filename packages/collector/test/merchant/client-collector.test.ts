// The order client against a real collector (ephemeral port, temporary SQLite file), with a
// misbehaving proxy in between where the case needs one: retries, lost answers, outages, timeouts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AffilClientError, createOrderClient, type Order, type OrderClientOptions } from '../../src/merchant/index.js';
import { createClock, HOUR, useCollectors, type TestAccount, type TestCollector } from '../helpers/collector.js';
import { clickEvent, iso, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { startProxy, type Behaviour, type Proxy } from './proxy.js';

const CLICK_AT = '2026-11-20T09:00:00.000Z';
const ORDERED_AT = iso(Date.parse(CLICK_AT) + 6 * HOUR);
const NOV20 = 'from=2026-11-20&to=2026-11-20';

const startCollector = useCollectors();
const proxies: Proxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

let collector: TestCollector;
let jane: TestAccount;
let clickId: string;
let clock: ReturnType<typeof createClock>;

beforeEach(async () => {
  clock = createClock(CLICK_AT);
  collector = await startCollector({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  jane = await collector.setupAccount("Jane's Blog", 'janesblog-20', 'us');
  const click = clickEvent('janesblog-20');
  expect((await collector.beacon(click)).status).toBe(202);
  clickId = click.id;
  clock.set(ORDERED_AT);
});

/** The worked example of SPEC §5, referred by Jane's click. */
const order = (o: { orderId?: string; currency?: string } = {}): Order =>
  orderBody({ orderedAt: ORDERED_AT, referral: { clickId, tag: 'janesblog-20', clickedAt: CLICK_AT }, ...o });

const clientFor = (url: string, o: Partial<OrderClientOptions> = {}) =>
  createOrderClient({ collectorUrl: url, secret: collector.webhookSecrets[0]!, backoffMs: 10, timeoutMs: 5_000, ...o });

async function proxy(plan: Behaviour[]): Promise<Proxy> {
  const p = await startProxy(collector.url, plan);
  proxies.push(p);
  return p;
}

async function storedOrders(): Promise<string[]> {
  const reply = await collector.admin('GET', `/v1/orders?${NOV20}`);
  expect(reply.status).toBe(200);
  return reply.body.orders.map((o: { orderId: string }) => o.orderId);
}

async function failure(promise: Promise<unknown>): Promise<AffilClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AffilClientError);
  return error as AffilClientError;
}

const EXPECTED_ATTRIBUTION = {
  attributed: true, rule: 'click_window', tag: 'janesblog-20', creditedTag: 'janesblog-20', currency: 'USD', status: 'pending', commission: 1996 + 117,
  lines: [
    expect.objectContaining({ lineId: '1', attributed: true, direct: true, reason: 'ordered_within_click_window', rateBp: 400, commission: 1996 }),
    expect.objectContaining({ lineId: '2', attributed: true, direct: false, reason: 'ordered_within_click_window', rateBp: 450, commission: 117 }),
  ],
};

describe('sendOrder against a collector', () => {
  it('answers the attribution (201), and the identical order again without counting it twice', async () => {
    const affil = clientFor(collector.url);
    const body = order();
    const first = await affil.sendOrder(body);
    expect(first).toMatchObject({ ...EXPECTED_ATTRIBUTION, orderId: body.orderId, clickId, account: jane.id });
    expect(await affil.sendOrder(body)).toEqual(first);
    expect(await storedOrders()).toEqual([body.orderId]);
    const summary = await jane.api('GET', `/v1/reports/summary?${NOV20}`);
    expect(summary.body).toMatchObject({ orders: 1, itemsOrdered: 3, byCurrency: { USD: { pending: 2113 } } });
  });

  it('stores an order without a referral, unattributed', async () => {
    const { referral: _none, ...unreferred } = order();
    const answer = await clientFor(collector.url).sendOrder({ ...unreferred, referral: null });
    expect(answer).toMatchObject({ attributed: false, rule: 'none' });
  });

  it('retries past 503s under one webhook-id; the collector stores the order once', async () => {
    const flaky = await proxy([{ answer: 503 }, { answer: 503 }, 'forward']);
    const body = order();
    const answer = await clientFor(flaky.url, { attempts: 4 }).sendOrder(body);
    expect(answer).toMatchObject({ ...EXPECTED_ATTRIBUTION, orderId: body.orderId });
    expect(flaky.attempts.map((a) => a.upstreamStatus)).toEqual([undefined, undefined, 201]);
    expect(new Set(flaky.attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(new Set(flaky.attempts.map((a) => a.body)).size).toBe(1);
    expect(await storedOrders()).toEqual([body.orderId]);
  });

  it('retries a dropped connection', async () => {
    const flaky = await proxy(['drop', 'forward']);
    const answer = await clientFor(flaky.url).sendOrder(order());
    expect(answer.attributed).toBe(true);
    expect(flaky.attempts).toHaveLength(2);
    expect(flaky.attempts[0]!.headers['webhook-id']).toBe(flaky.attempts[1]!.headers['webhook-id']);
  });

  it('counts an order once when the collector stored it but the answer was lost', async () => {
    const flaky = await proxy(['forward-then-drop', 'forward-then-drop', 'forward']);
    const body = order();
    const answer = await clientFor(flaky.url).sendOrder(body);
    // The first attempt was stored (201, lost); the retries replay the same webhook-id (200, same body).
    expect(flaky.attempts.map((a) => a.upstreamStatus)).toEqual([201, 200, 200]);
    expect(new Set(flaky.attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(answer).toMatchObject({ ...EXPECTED_ATTRIBUTION, orderId: body.orderId });
    expect(await storedOrders()).toEqual([body.orderId]);
    const summary = await jane.api('GET', `/v1/reports/summary?${NOV20}`);
    expect(summary.body).toMatchObject({ orders: 1, itemsOrdered: 3 });
  });

  it('stops at once on a 422 with the collector problem (currency not the marketplace one)', async () => {
    const counting = await proxy(['forward']);
    const error = await failure(clientFor(counting.url).sendOrder(order({ currency: 'EUR' })));
    expect(counting.attempts).toHaveLength(1);
    expect(error).toMatchObject({ code: 'rejected', status: 422, attempts: 1 });
    expect(error.problem).toMatchObject({ status: 422, detail: 'currency: marketplace "us" trades in USD, not EUR' });
    expect(error.message).toBe('POST /v1/orders: the collector refused it (422: currency: marketplace "us" trades in USD, not EUR)');
    expect(await storedOrders()).toEqual([]);
  });

  it('stops at once on a 422 for an unknown marketplace', async () => {
    const error = await failure(clientFor(collector.url).sendOrder({ ...order(), marketplace: 'mars' }));
    expect(error).toMatchObject({ code: 'rejected', status: 422 });
    expect(error.message).toContain('marketplace: unknown marketplace "mars"');
  });

  it('stops at once on a 409: the same orderId with different content', async () => {
    const body = order();
    await clientFor(collector.url).sendOrder(body);
    const counting = await proxy(['forward']);
    const changed = { ...body, items: [{ ...body.items[0]!, quantity: 2 }] };
    const error = await failure(clientFor(counting.url).sendOrder(changed));
    expect(counting.attempts).toHaveLength(1);
    expect(error).toMatchObject({ code: 'rejected', status: 409 });
    expect(error.message).toContain(`orderId: order "${body.orderId}" was already received with different content`);
  });

  it('stops at once on a 401 when the secret is wrong', async () => {
    const error = await failure(clientFor(collector.url, { secret: 'whsec_' + Buffer.from('not the collector secret').toString('base64') }).sendOrder(order()));
    expect(error).toMatchObject({ code: 'rejected', status: 401, attempts: 1 });
    expect(error.message).toContain('Signature verification failed');
  });

  it('is accepted during a secret rotation signed with the old and the new secret', async () => {
    const { newWebhookSecret } = await import('../helpers/collector.js');
    const rotated = await startCollector({ marketplaces: TEST_MARKETPLACES, webhookSecrets: [newWebhookSecret()] });
    const both = [collector.webhookSecrets[0]!, rotated.webhookSecrets[0]!];
    await expect(clientFor(collector.url, { secret: both }).sendOrder(order())).resolves.toMatchObject({ attributed: true });
    await expect(clientFor(rotated.url, { secret: both.join(' ') }).sendOrder(order())).resolves.toMatchObject({ attributed: false });
  });

  it('gives up after 5xx on every attempt, with the last answer', async () => {
    const broken = await proxy([{ answer: 502 }]);
    const error = await failure(clientFor(broken.url, { attempts: 3 }).sendOrder(order()));
    expect(broken.attempts).toHaveLength(3);
    expect(error).toMatchObject({ code: 'unavailable', status: 502, attempts: 3 });
    expect(error.message).toBe(`POST ${broken.url}/v1/orders failed after 3 attempt(s): 502: proxy answered 502`);
    expect(await storedOrders()).toEqual([]);
  });
});

describe('a collector that is down or hangs', () => {
  it('rejects after the configured attempts when nothing listens', async () => {
    const down = await startCollector({ marketplaces: TEST_MARKETPLACES });
    const url = down.url;
    await down.close();
    const started = performance.now();
    const error = await failure(clientFor(url, { attempts: 3, backoffMs: 20 }).sendOrder(order()));
    expect(error).toMatchObject({ code: 'unavailable', attempts: 3, status: undefined });
    expect(error.message).toMatch(new RegExp(`^POST ${url}/v1/orders failed after 3 attempt\\(s\\): fetch failed \\(ECONNREFUSED`));
    // Two backoffs: at least 10 + 20 ms with jitter.
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('times out each attempt against a server that never answers, then gives up', async () => {
    const sockets = new Set<Socket>();
    let requests = 0;
    const hanging: Server = createServer(() => {
      requests++; // and never answer
    });
    hanging.on('connection', (s) => {
      sockets.add(s);
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const started = performance.now();
      const error = await failure(clientFor(url, { attempts: 2, timeoutMs: 150, backoffMs: 10 }).sendOrder(order()));
      const elapsed = performance.now() - started;
      expect(requests).toBe(2);
      expect(error).toMatchObject({ code: 'unavailable', attempts: 2 });
      expect(error.message).toBe(`POST ${url}/v1/orders failed after 2 attempt(s): no answer within 150 ms`);
      expect(elapsed).toBeGreaterThanOrEqual(295);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('times out an attempt that hangs, then succeeds on the next', async () => {
    const slow = await proxy(['hang', 'forward']);
    const body = order();
    const answer = await clientFor(slow.url, { timeoutMs: 200 }).sendOrder(body);
    expect(answer.orderId).toBe(body.orderId);
    expect(slow.attempts).toHaveLength(2);
    expect(await storedOrders()).toEqual([body.orderId]);
  });
});

describe('sendOrderEvent against a collector', () => {
  it('ships, returns and refuses a return of more than was shipped', async () => {
    const affil = clientFor(collector.url);
    const body = order();
    await affil.sendOrder(body);
    // Events are reported once they happened (the collector refuses an `at` in its future).
    clock.set(Date.parse(ORDERED_AT) + 2 * HOUR);

    const shipped = await affil.sendOrderEvent(body.orderId, { type: 'shipped', at: iso(Date.parse(ORDERED_AT) + HOUR) });
    expect(shipped).toMatchObject({ orderId: body.orderId, status: 'shipped', pending: 0, earned: 2113 });

    const returned = await affil.sendOrderEvent(body.orderId, { type: 'returned', at: iso(Date.parse(ORDERED_AT) + 2 * HOUR), items: [{ lineId: '2', quantity: 1 }] });
    // SPEC §5 worked example: one book back, the book now earns 58 (entry −59).
    expect(returned).toMatchObject({ status: 'shipped', earned: 1996 + 58 });
    expect(returned.lines[1]).toMatchObject({ lineId: '2', shipped: 2, returned: 1, earned: 58 });

    const error = await failure(affil.sendOrderEvent(body.orderId, { type: 'returned', items: [{ lineId: '2', quantity: 5 }] }));
    expect(error).toMatchObject({ code: 'rejected', status: 409, attempts: 1 });
    expect(error.message).toMatch(/409: .*items\[0\]|409: .*return/i);
  });

  it('retries a lost answer without shipping twice', async () => {
    const affil = clientFor(collector.url);
    const body = order();
    await affil.sendOrder(body);
    const flaky = await proxy(['forward-then-drop', 'forward']);
    const shipped = await clientFor(flaky.url).sendOrderEvent(body.orderId, { type: 'shipped' });
    expect(flaky.attempts.map((a) => a.upstreamStatus)).toEqual([200, 200]);
    expect(shipped).toMatchObject({ status: 'shipped', earned: 2113 });
    const view = await collector.admin('GET', `/v1/orders/${body.orderId}`);
    expect(view.body.lines.map((l: { shipped: number }) => l.shipped)).toEqual([1, 2]);
    expect(view.body.earned).toBe(2113);
  });

  it('is a 404 for an unknown order, at once', async () => {
    const error = await failure(clientFor(collector.url).sendOrderEvent('no-such-order', { type: 'shipped' }));
    expect(error).toMatchObject({ code: 'rejected', status: 404, attempts: 1 });
    expect(error.message).toContain('No order "no-such-order"');
  });
});
