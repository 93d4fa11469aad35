// The order client alone: input checks, signing, the retry policy. No network: `fetch` is a stub.
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/services/webhooks.js';
import { AffilClientError, createOrderClient, isRetryable, retryDelay, type Order, type OrderClientOptions } from '../../src/merchant/index.js';
import { newWebhookSecret } from '../helpers/collector.js';

const SECRET = newWebhookSecret();
const CLICK = '0193a5b0-7c1e-7d2a-9f3b-2c4d5e6f7a8b';

const order = (): Order => ({
  orderId: '112-1234567-1234567',
  marketplace: 'us',
  currency: 'USD',
  orderedAt: '2026-11-20T10:00:00Z',
  referral: { clickId: CLICK, tag: 'janesblog-20', clickedAt: '2026-11-20T09:00:00Z' },
  items: [
    { lineId: '1', sku: 'B08XYZ1234', name: 'Camera', category: 'electronics', quantity: 1, unitAmount: 49900, cartAddedAt: '2026-11-20T09:05:00Z' },
    { lineId: '2', sku: '0143127748', name: 'Book', category: 'books', quantity: 2, unitAmount: 1299 },
  ],
});

interface Sent { url: string; init: RequestInit; headers: Record<string, string>; body: string }

/** A fetch that records each call and answers from `answers` in turn (the last one repeats). */
function stubFetch(...answers: (() => Response | Promise<Response>)[]) {
  const sent: Sent[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    sent.push({ url: String(input), init, headers: { ...(init.headers as Record<string, string>) }, body: String(init.body) });
    const answer = answers[Math.min(sent.length, answers.length) - 1]!;
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

const json = (status: number, body: unknown, type = 'application/json') => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, detail: string) => json(status, { type: 'about:blank', title: 'x', status, detail }, 'application/problem+json');
const refused = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }));

const client = (o: Partial<OrderClientOptions> = {}) => createOrderClient({ collectorUrl: 'http://collector.test', secret: SECRET, backoffMs: 1, ...o });

async function failure(promise: Promise<unknown>): Promise<AffilClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AffilClientError);
  return error as AffilClientError;
}

describe('createOrderClient options', () => {
  it.each<[string, Partial<OrderClientOptions>, RegExp]>([
    ['no collector URL', { collectorUrl: undefined as never }, /collectorUrl/],
    ['a relative collector URL', { collectorUrl: '/collector' }, /collectorUrl/],
    ['a non-http URL', { collectorUrl: 'ftp://collector.test' }, /collectorUrl/],
    ['no secret (unset environment variable)', { secret: undefined as never }, /secret.*AFFIL_WEBHOOK_SECRET/],
    ['an empty secret', { secret: '  ' }, /secret/],
    ['a secret without whsec_', { secret: 'hunter2' }, /secret: must be a Standard Webhooks secret/],
    ['a secret that is not base64', { secret: 'whsec_!!!notbase64!!!' }, /secret: must be a Standard Webhooks secret/],
    ['zero attempts', { attempts: 0 }, /attempts/],
    ['fractional attempts', { attempts: 2.5 }, /attempts/],
    ['negative backoff', { backoffMs: -1 }, /backoffMs/],
    ['zero timeout', { timeoutMs: 0 }, /timeoutMs/],
  ])('refuses %s at once', (_name, options, message) => {
    let thrown: unknown;
    try {
      client(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AffilClientError);
    expect((thrown as AffilClientError).code).toBe('invalid_options');
    expect((thrown as AffilClientError).message).toMatch(message);
  });

  it('posts to the collector URL however it was written', async () => {
    for (const collectorUrl of ['http://collector.test', 'http://collector.test/', 'http://collector.test//']) {
      const { fetch, sent } = stubFetch(json(201, { orderId: 'x' }));
      await client({ collectorUrl, fetch }).sendOrder(order());
      expect(sent[0]!.url).toBe('http://collector.test/v1/orders');
    }
    const { fetch, sent } = stubFetch(json(200, {}));
    await client({ collectorUrl: 'https://example.test/affil/', fetch }).sendOrderEvent('A/B 1', { type: 'shipped' });
    expect(sent[0]!.url).toBe('https://example.test/affil/v1/orders/A%2FB%201/events');
  });
});

describe('input checks before sending', () => {
  const withItem = (patch: Record<string, unknown>) => {
    const o = order();
    return { ...o, items: [{ ...o.items[0]!, ...patch }, o.items[1]!] };
  };

  it.each<[string, unknown, string]>([
    ['no orderId', { ...order(), orderId: undefined }, 'orderId'],
    ['an empty orderId', { ...order(), orderId: '' }, 'orderId'],
    ['an orderId too long', { ...order(), orderId: 'x'.repeat(129) }, 'orderId'],
    ['no marketplace', { ...order(), marketplace: undefined }, 'marketplace'],
    ['a lower-case currency', { ...order(), currency: 'usd' }, 'currency'],
    ['orderedAt without a zone', { ...order(), orderedAt: '2026-11-20 10:00' }, 'orderedAt'],
    ['orderedAt as epoch ms', { ...order(), orderedAt: 1_700_000_000_000 }, 'orderedAt'],
    ['a referral with neither clickId nor clickedAt', { ...order(), referral: { tag: 'janesblog-20' } }, 'referral'],
    ['a referral without a tag', { ...order(), referral: { clickId: CLICK, clickedAt: '2026-11-20T09:00:00Z' } }, 'referral.tag'],
    ['a referral clickedAt that is not a time', { ...order(), referral: { clickId: CLICK, tag: 'janesblog-20', clickedAt: 'yesterday' } }, 'referral.clickedAt'],
    ['no items', { ...order(), items: [] }, 'items'],
    ['items not an array', { ...order(), items: { lineId: '1' } }, 'items'],
    ['quantity 0', withItem({ quantity: 0 }), 'items[0].quantity'],
    ['a fractional quantity', withItem({ quantity: 1.5 }), 'items[0].quantity'],
    ['a negative amount', withItem({ unitAmount: -1 }), 'items[0].unitAmount'],
    ['a fractional amount (a float price)', withItem({ unitAmount: 499.0001 }), 'items[0].unitAmount'],
    ['an amount as a string', withItem({ unitAmount: '49900' }), 'items[0].unitAmount'],
    ['no category', withItem({ category: undefined }), 'items[0].category'],
    ['a bad cartAddedAt', withItem({ cartAddedAt: 'soon' }), 'items[0].cartAddedAt'],
    ['a duplicate lineId', withItem({ lineId: '2' }), 'items[1].lineId'],
  ])('refuses an order with %s, naming %s', async (_name, bad, field) => {
    const { fetch, sent } = stubFetch(json(201, {}));
    const error = await failure(client({ fetch }).sendOrder(bad as Order));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(`refused before sending: ${field}`);
    expect(error.problem).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    expect(error.attempts).toBe(0);
    expect(sent).toHaveLength(0);
  });

  it.each<[string, string, unknown, string]>([
    ['an empty orderId', '', { type: 'shipped' }, 'orderId'],
    ['an unknown type', '1', { type: 'lost' }, 'type'],
    ['a bad time', '1', { type: 'shipped', at: 'now' }, 'at'],
    ['quantity 0', '1', { type: 'returned', items: [{ lineId: '1', quantity: 0 }] }, 'items[0].quantity'],
    ['an empty items list', '1', { type: 'returned', items: [] }, 'items'],
    ['a duplicate lineId', '1', { type: 'shipped', items: [{ lineId: '1', quantity: 1 }, { lineId: '1', quantity: 1 }] }, 'items[1].lineId'],
  ])('refuses an order event with %s, naming %s', async (_name, orderId, event, field) => {
    const { fetch, sent } = stubFetch(json(200, {}));
    const error = await failure(client({ fetch }).sendOrderEvent(orderId, event as never));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(`refused before sending: ${field}`);
    expect(sent).toHaveLength(0);
  });

  it('rejects the promise rather than throwing synchronously', () => {
    const { fetch } = stubFetch(json(201, {}));
    const c = client({ fetch });
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = c.sendOrder({} as Order);
    }).not.toThrow();
    return expect(promise).rejects.toThrow(/refused before sending/);
  });

  it('sends only the fields of the spec', async () => {
    const { fetch, sent } = stubFetch(json(201, {}));
    await client({ fetch }).sendOrder({ ...order(), customerEmail: 'jane@example.com' } as Order);
    expect(JSON.parse(sent[0]!.body)).toEqual(order());
  });
});

describe('signing', () => {
  it('signs with Standard Webhooks so the collector verifies it', async () => {
    const { fetch, sent } = stubFetch(json(201, { orderId: '1' }));
    await client({ fetch }).sendOrder(order());
    const { headers, body } = sent[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifySignature([SECRET], { body, headers })).toBe(headers['webhook-id']);
    expect(() => verifySignature([newWebhookSecret()], { body, headers })).toThrow(/Signature verification failed/);
  });

  it('signs with every secret during a rotation (array or space-separated)', async () => {
    const next = newWebhookSecret();
    for (const secret of [[SECRET, next], `${SECRET} ${next}`]) {
      const { fetch, sent } = stubFetch(json(201, {}));
      await client({ fetch, secret }).sendOrder(order());
      const { body, headers } = sent[0]!;
      expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(verifySignature([SECRET], { body, headers })).toBeTruthy();
      expect(verifySignature([next], { body, headers })).toBeTruthy();
    }
  });

  it('never follows a redirect with the signed body', async () => {
    const { fetch, sent } = stubFetch(() => new Response(null, { status: 307, headers: { location: 'http://elsewhere.test/' } }));
    const error = await failure(client({ fetch }).sendOrder(order()));
    expect(sent[0]!.init.redirect).toBe('manual');
    expect(error).toMatchObject({ code: 'rejected', status: 307, attempts: 1 });
  });
});

describe('retries', () => {
  it('retries 5xx and network errors under one webhook-id, each attempt re-signed', async () => {
    const { fetch, sent } = stubFetch(problem(503, 'busy'), refused, problem(500, 'oops'), json(201, { orderId: 'ok' }));
    const answer = await client({ fetch, attempts: 5 }).sendOrder(order());
    expect(answer).toEqual({ orderId: 'ok' });
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((s) => s.headers['webhook-id'])).size).toBe(1);
    expect(new Set(sent.map((s) => s.body)).size).toBe(1);
    for (const { body, headers } of sent) expect(verifySignature([SECRET], { body, headers })).toBe(sent[0]!.headers['webhook-id']);
  });

  it('uses a new webhook-id for each call', async () => {
    const { fetch, sent } = stubFetch(json(201, {}));
    const c = client({ fetch });
    await c.sendOrder(order());
    await c.sendOrder(order());
    expect(sent[0]!.headers['webhook-id']).not.toBe(sent[1]!.headers['webhook-id']);
  });

  it.each([400, 401, 404, 409, 422])('stops at once on %i with the collector detail', async (status) => {
    const { fetch, sent } = stubFetch(problem(status, `currency: marketplace "us" trades in USD (${status})`));
    const error = await failure(client({ fetch }).sendOrder(order()));
    expect(sent).toHaveLength(1);
    expect(error).toMatchObject({ code: 'rejected', status, attempts: 1, problem: { status, detail: expect.stringContaining('currency') } });
    expect(error.message).toContain(`${status}: currency: marketplace "us" trades in USD`);
  });

  it.each([408, 429])('retries %i (the collector asks to come back)', async (status) => {
    const { fetch, sent } = stubFetch(problem(status, 'later'), json(201, { orderId: 'ok' }));
    await expect(client({ fetch }).sendOrder(order())).resolves.toEqual({ orderId: 'ok' });
    expect(sent).toHaveLength(2);
  });

  it('gives up after the configured attempts, saying why', async () => {
    const { fetch, sent } = stubFetch(refused);
    const error = await failure(client({ fetch, attempts: 3 }).sendOrder(order()));
    expect(sent).toHaveLength(3);
    expect(error).toMatchObject({ code: 'unavailable', attempts: 3, status: undefined });
    expect(error.message).toBe('POST http://collector.test/v1/orders failed after 3 attempt(s): fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)');
  });

  it('reports the last 5xx and its body when every attempt failed', async () => {
    const { fetch } = stubFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await failure(client({ fetch, attempts: 2 }).sendOrder(order()));
    expect(error).toMatchObject({ code: 'unavailable', status: 502 });
    expect(error.message).toContain('502: <html>Bad gateway</html>');
  });

  it('refuses a 2xx that is not JSON (something other than the collector answered)', async () => {
    const { fetch } = stubFetch(() => new Response('<html>Welcome to the hotel Wi-Fi</html>', { status: 200 }));
    const error = await failure(client({ fetch }).sendOrder(order()));
    expect(error).toMatchObject({ code: 'rejected', status: 200 });
  });

  it('waits longer before each retry', async () => {
    const times: number[] = [];
    const { fetch } = stubFetch(() => {
      times.push(performance.now());
      return new Response('', { status: 503 });
    });
    await failure(client({ fetch, attempts: 4, backoffMs: 40 }).sendOrder(order()));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Jitter scales each delay into [0.5, 1) of 40, 80, 160 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
  });

  it('times out each attempt', async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason));
      })) as typeof globalThis.fetch;
    const started = performance.now();
    const error = await failure(client({ fetch, attempts: 2, timeoutMs: 50 }).sendOrder(order()));
    expect(error.message).toMatch(/failed after 2 attempt\(s\): no answer within 50 ms$/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe('retry policy', () => {
  it.each<[number, number, number, number]>([
    // retry, backoffMs, random, delay
    [1, 250, 0, 125],
    [1, 250, 0.999_999, 250],
    [2, 250, 0, 250],
    [3, 250, 0.5, 750],
    [10, 250, 0, 15_000],
    [20, 250, 0.999_999, 30_000],
    [1, 0, 0.5, 0],
  ])('retry %i with %i ms and jitter %d waits %d ms', (retry, backoffMs, random, delay) => {
    expect(retryDelay(retry, backoffMs, () => random)).toBeCloseTo(delay, 0);
  });

  it.each<[number, boolean]>([
    [500, true], [502, true], [503, true], [504, true], [408, true], [429, true],
    [400, false], [401, false], [403, false], [404, false], [409, false], [413, false], [422, false], [302, false],
  ])('status %i is retryable: %s', (status, retry) => {
    expect(isRetryable(status)).toBe(retry);
  });
});
