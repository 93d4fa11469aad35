import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { useCollectors, type Json, type TestCollector } from '../helpers/collector.js';
import { clickEvent, expectProblem, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const streams: AbortController[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) s.abort();
  for (const s of sockets.splice(0)) s.destroy();
});

interface Frame { id: string | undefined; event: string; data: Json }

/** Opens `/v1/stream` with `key`; `next(type)` resolves with the next frame of that event type (data parsed). */
async function subscribe(c: TestCollector, key: string) {
  const abort = new AbortController();
  streams.push(abort);
  const response = await fetch(`${c.url}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  const frame = async (): Promise<Frame | undefined> => {
    for (;;) {
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
        const data = field('data');
        if (data.length > 0) return { id: field('id')[0], event: field('event')[0] ?? 'message', data: JSON.parse(data.join('\n')) };
      }
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) {
        ended = true;
        return undefined;
      }
      buffer += value;
    }
  };
  return {
    async next(type: string): Promise<Frame> {
      for (;;) {
        const f = await frame();
        if (!f) throw new Error(`stream ended before a "${type}" event`);
        if (f.event === type) return f;
      }
    },
    /** Clicks from `clicks` messages until `n` were counted (listed or as a count). */
    async clicks(n: number): Promise<{ ids: string[]; counted: number; messages: Frame[] }> {
      const ids: string[] = [];
      const messages: Frame[] = [];
      let counted = 0;
      while (counted < n) {
        const f = await this.next('clicks');
        messages.push(f);
        if (Array.isArray(f.data.clicks)) ids.push(...f.data.clicks.map((c: { id: string }) => c.id));
        counted += Array.isArray(f.data.clicks) ? f.data.clicks.length : f.data.count;
      }
      return { ids, counted, messages };
    },
    /** Resolves true when the server ends the stream (reading past anything still sent). */
    async ended(): Promise<boolean> {
      while (!ended) await frame();
      return true;
    },
  };
}

const metric = (text: string, name: string): number => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('GET /v1/stream', () => {
  it('streams new clicks (gathered into clicks messages) and orders; an account sees only its own', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    const adminStream = await subscribe(c, c.adminKey);
    const bobStream = await subscribe(c, bob.key);

    const janesClick = clickEvent('janesblog-20');
    await c.beacon(janesClick);
    const bobsClick = clickEvent('bobsreviews-20');
    await c.beacon(bobsClick);

    expect((await adminStream.clicks(2)).ids).toEqual([janesClick.id, bobsClick.id]);
    // Jane's click came first, but Bob's stream never carries it.
    const own = await bobStream.clicks(1);
    expect(own.ids).toEqual([bobsClick.id]);
    expect(own.messages[0]!.data.clicks[0]).toMatchObject({ id: bobsClick.id, tag: 'bobsreviews-20', via: 'click' });

    const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: janesClick.id, tag: 'janesblog-20' } });
    expect((await c.signed('/v1/orders', order)).status).toBe(201);
    expect((await adminStream.next('order')).data).toMatchObject({ orderId: order.orderId, account: jane.id });
  });

  it('sends a burst of clicks as a few messages, past a bound only their count, and then less often', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0, live: { flushMs: 300, busyFlushMs: 3000 } });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const stream = await subscribe(c, c.adminKey);
    // 150 clicks sent at once land within one or two flushes: never 150 messages.
    await Promise.all([0, 1, 2].map(() => c.beacon({ events: Array.from({ length: 50 }, () => clickEvent('janesblog-20')) })));
    const { counted, messages } = await stream.clicks(150);
    expect(counted).toBe(150);
    expect(messages.length).toBeLessThanOrEqual(3);
    expect(messages.some((m) => m.data.count !== undefined && m.data.clicks === undefined)).toBe(true);
    // After a count (a busy channel) the next message waits busyFlushMs, not flushMs.
    await Promise.all([0, 1, 2].map(() => c.beacon({ events: Array.from({ length: 50 }, () => clickEvent('janesblog-20')) })));
    const started = Date.now();
    await c.beacon(clickEvent('janesblog-20'));
    expect((await stream.clicks(151)).counted).toBe(151);
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it('numbers events per stream, so gaps say nothing about other accounts', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0 });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    const janeStream = await subscribe(c, jane.key);
    const bobStream = await subscribe(c, bob.key);
    for (let i = 0; i < 3; i++) {
      const click = clickEvent('bobsreviews-20');
      await c.beacon(click);
      expect((await bobStream.clicks(1)).ids).toEqual([click.id]);
      const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: click.id, tag: 'bobsreviews-20' } });
      expect((await c.signed('/v1/orders', order)).status).toBe(201);
      await bobStream.next('order');
    }
    await c.beacon(clickEvent('janesblog-20'));
    expect((await janeStream.next('clicks')).id).toBe('1');
  });

  it('caps open streams per key and in all with a 429 problem', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, server: { streamsPerKey: 2, streamsTotal: 3 } });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    await subscribe(c, jane.key);
    await subscribe(c, jane.key);
    const third = await jane.api('GET', '/v1/stream');
    expectProblem(third, 429, 'streamsPerKey');
    await subscribe(c, c.adminKey);
    const fourth = await c.admin('GET', '/v1/stream');
    expectProblem(fourth, 429, 'streamsTotal');
    // Closing one frees its place.
    streams.shift()!.abort();
    await expect.poll(async () => metric((await c.admin('GET', '/metrics')).text, 'affil_live_streams'), { timeout: 10_000 }).toBe(2);
    await subscribe(c, jane.key);
  });

  it('closes a consumer that stops reading instead of buffering for it without limit', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0 });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    // A raw client that asks for the stream and never reads a byte of it.
    const socket = connect(Number(new URL(c.url).port), '127.0.0.1');
    sockets.push(socket);
    socket.pause();
    socket.write(`GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.adminKey}\r\n\r\n`);
    await expect.poll(async () => metric((await c.admin('GET', '/metrics')).text, 'affil_live_streams'), { timeout: 10_000 }).toBe(1);
    // Orders go out one by one; each of these is a message of about 250 KB.
    const items = Array.from({ length: 1000 }, (_, i) => ({ lineId: `${i}`.padStart(64, 'L'), sku: `${i}`.padStart(128, 'S'), category: 'books', quantity: 1, unitAmount: 1299 }));
    let closed = 0;
    for (let i = 0; i < 200 && closed === 0; i++) {
      expect((await c.signed('/v1/orders', orderBody({ orderedAt: new Date().toISOString(), referral: { tag: 'janesblog-20', clickedAt: new Date().toISOString() }, items }))).status).toBe(201);
      closed = metric((await c.admin('GET', '/metrics')).text, 'affil_live_streams_closed_total{reason="slow_consumer"}');
    }
    expect(closed).toBe(1);
    expect(metric((await c.admin('GET', '/metrics')).text, 'affil_live_streams')).toBe(0);
  }, 30_000);

  it('ends the streams of a key the moment it is revoked', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const stream = await subscribe(c, jane.key);
    const other = await subscribe(c, c.adminKey);
    expect((await c.admin('DELETE', `/v1/keys/${jane.keyId}`)).status).toBe(204);
    expect(await stream.ended()).toBe(true);
    // Another key's stream goes on.
    const click = clickEvent('janesblog-20');
    await c.beacon(click);
    expect((await other.clicks(1)).ids).toEqual([click.id]);
    expect((await jane.api('GET', '/v1/stream')).status).toBe(401);
  });

  it('ends the streams of a key revoked by the affil command, within a second or so', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const stream = await subscribe(c, jane.key);
    const out: string[] = [];
    const code = await run({ argv: ['node', 'affil', 'keys', 'revoke', jane.keyId, '--db', c.db], env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, once: () => undefined });
    expect(code, out.join('')).toBe(0);
    const ended = await Promise.race([stream.ended(), new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
    expect(ended).toBe(true);
  });

  it('sends a comment now and then, so idle proxies keep the stream open', async () => {
    const c = await start({ live: { heartbeatMs: 100 } });
    const abort = new AbortController();
    streams.push(abort);
    const response = await fetch(`${c.url}/v1/stream`, { headers: { authorization: `Bearer ${c.adminKey}` }, signal: abort.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': ping\n\n')) text += (await reader.read()).value ?? '';
    expect(text.startsWith(': connected\n\n')).toBe(true);
  });

  it('answers 401 without a key', async () => {
    const c = await start();
    const reply = await c.request('GET', '/v1/stream');
    expect(reply.status).toBe(401);
  });
});
