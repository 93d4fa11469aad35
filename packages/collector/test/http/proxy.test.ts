import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BROWSER_UA, useCollectors, type TestCollector } from '../helpers/collector.js';
import { clickEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

/** A beacon sent from `localAddress` (another loopback address stands for another machine), with X-Forwarded-For. */
function beaconFrom(c: TestCollector, localAddress: string, forwardedFor?: string): Promise<number> {
  const body = JSON.stringify(clickEvent('janesblog-20'));
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}/v1/events`, {
      method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `/go` the same way. */
function goFrom(c: TestCollector, localAddress: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${c.url}/go/janesblog-20?url=${encodeURIComponent('https://www.amazon.com/dp/B08XYZ1234')}`, { localAddress, agent: false, headers: { 'x-forwarded-for': forwardedFor } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });
}

const LIMIT = 5;
const statuses = async (send: (i: number) => Promise<number>, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await send(i));
  return out;
};

describe('behind a proxy (trustProxy)', () => {
  it('ignores X-Forwarded-For by default: a spoofed header never gives a fresh bucket', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: LIMIT });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const answers = await statuses((i) => beaconFrom(c, '127.0.0.1', `203.0.113.${i}`), LIMIT + 2);
    expect(answers.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(202));
    expect(answers.slice(LIMIT)).toEqual([429, 429]);
  });

  it('gives each forwarded client its own bucket when the peer is a trusted proxy, and only then', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: LIMIT, server: { trustProxy: ['127.0.0.2'] } });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    // 20 visitors behind the proxy (127.0.0.2): none is limited, though together they pass the limit.
    const proxied = await statuses((i) => beaconFrom(c, '127.0.0.2', `198.51.100.${i}`), 4 * LIMIT);
    expect(proxied).toEqual(Array(4 * LIMIT).fill(202));
    // One visitor behind the proxy is limited like any client.
    const one = await statuses(() => beaconFrom(c, '127.0.0.2', '198.51.100.200'), LIMIT + 1);
    expect(one.at(-1)).toBe(429);
    // A client that reaches the collector directly (127.0.0.1, not a trusted proxy) cannot pick its
    // bucket: however it varies the header, it is one client.
    const direct = await statuses((i) => beaconFrom(c, '127.0.0.1', `192.0.2.${i}`), LIMIT + 1);
    expect(direct.at(-1)).toBe(429);
    // The proxy's own address appended to a spoofed list: the hop before the proxy counts, nothing further left.
    const spoofedChain = await statuses((i) => beaconFrom(c, '127.0.0.2', `10.9.9.${i}, 198.51.100.201`), LIMIT + 1);
    expect(spoofedChain.at(-1)).toBe(429);
    // /go uses the same address.
    const redirects = await statuses((i) => goFrom(c, '127.0.0.2', `198.51.100.${100 + i}`), 2 * LIMIT);
    expect(redirects).toEqual(Array(2 * LIMIT).fill(302));
  });

  it('takes a hop count', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: LIMIT, server: { trustProxy: 1 } });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const proxied = await statuses((i) => beaconFrom(c, '127.0.0.1', `198.51.100.${i}`), 2 * LIMIT);
    expect(proxied).toEqual(Array(2 * LIMIT).fill(202));
    // One hop: only the address the proxy appended counts, whatever the client wrote before it.
    const spoofed = await statuses((i) => beaconFrom(c, '127.0.0.1', `10.0.0.${i}, 198.51.100.250`), LIMIT + 1);
    expect(spoofed.at(-1)).toBe(429);
  });
});

describe('/affil.js behind a TLS proxy', () => {
  /** The endpoint embedded in /affil.js when fetched from `localAddress` with X-Forwarded-Proto: https. */
  const embeddedEndpoint = (c: TestCollector, localAddress: string) =>
    new Promise<string>((resolve, reject) => {
      request(`${c.url}/affil.js`, { localAddress, agent: false, headers: { host: 'track.example.com', 'x-forwarded-proto': 'https' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(/"endpoint":"([^"]+)"/.exec(body)?.[1] ?? ''));
      }).on('error', reject).end();
    });

  it('embeds https:// when the trusted proxy says the visitor used it, and only then', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, server: { trustProxy: ['127.0.0.2'] } });
    expect(await embeddedEndpoint(c, '127.0.0.2')).toBe('https://track.example.com');
    expect(await embeddedEndpoint(c, '127.0.0.1')).toBe('http://track.example.com');
  });
});
