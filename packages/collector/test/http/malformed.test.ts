import { describe, expect, it } from 'vitest';
import { useCollectors, type Reply, type TestCollector } from '../helpers/collector.js';
import { expectProblem, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

/** Malformed transport (bad percent-encoding, a corrupt compressed body) is the client's mistake: a 4xx problem, never a 5xx. */
const cases: [string, (c: TestCollector) => Promise<Reply>][] = [
  ['GET /v1/orders/{bad percent-encoding}', (c) => c.admin('GET', '/v1/orders/%E0%A4%A')],
  ['GET /v1/accounts/{bad percent-encoding}/tags', (c) => c.admin('GET', '/v1/accounts/%E0%A4%A/tags')],
  ['DELETE /v1/keys/{bad percent-encoding}', (c) => c.admin('DELETE', '/v1/keys/%ZZ')],
  ['POST /v1/orders/{bad percent-encoding}/events', (c) => c.signed('/v1/orders/%E0%A4%A/events', { type: 'shipped' })],
  ['POST /v1/events with a corrupt gzip body', (c) => c.request('POST', '/v1/events', { body: 'not gzip', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } })],
  ['POST /v1/events with a corrupt brotli body', (c) => c.request('POST', '/v1/events', { body: 'not br', headers: { 'content-type': 'text/plain', 'content-encoding': 'br' } })],
  ['POST /v1/orders with a corrupt gzip body', (c) => c.signed('/v1/orders', 'not gzip', { headers: { 'content-encoding': 'gzip' } })],
];

describe('malformed requests answer 4xx problems, never 5xx', () => {
  it.each(cases)('%s', async (_name, send) => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const reply = await send(c);
    expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
    expect(reply.status, reply.text).toBeLessThan(500);
    expectProblem(reply, reply.status);
  });
});
