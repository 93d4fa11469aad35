import { afterEach, describe, expect, it } from 'vitest';
import { useCollectors, type Json, type TestCollector } from '../helpers/collector.js';
import { clickEvent, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const streams: AbortController[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) s.abort();
});

/** Opens `/v1/stream` with `key`; `next(type)` resolves with the data of the next frame of that event type. */
async function subscribe(c: TestCollector, key: string) {
  const abort = new AbortController();
  streams.push(abort);
  const response = await fetch(`${c.url}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(type: string): Promise<Json> {
      for (;;) {
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n');
          if (lines.includes(`event: ${type}`)) {
            return JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
          }
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before a "${type}" event`);
        buffer += value;
      }
    },
  };
}

describe('GET /v1/stream', () => {
  it('streams new clicks and orders; an account sees only its own', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    const adminStream = await subscribe(c, c.adminKey);
    const bobStream = await subscribe(c, bob.key);

    const janesClick = clickEvent('janesblog-20');
    await c.beacon(janesClick);
    const bobsClick = clickEvent('bobsreviews-20');
    await c.beacon(bobsClick);

    expect((await adminStream.next('click')).id).toBe(janesClick.id);
    expect((await adminStream.next('click')).id).toBe(bobsClick.id);
    // Jane's click came first, but Bob's stream never carries it.
    expect((await bobStream.next('click')).id).toBe(bobsClick.id);

    const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: janesClick.id, tag: 'janesblog-20' } });
    expect((await c.signed('/v1/orders', order)).status).toBe(201);
    expect(await adminStream.next('order')).toMatchObject({ orderId: order.orderId, account: jane.id });
  });

  it('answers 401 without a key', async () => {
    const c = await start();
    const reply = await c.request('GET', '/v1/stream');
    expect(reply.status).toBe(401);
  });
});
