import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getRaw, useCollectors } from '../helpers/collector.js';
import { clickEvent, expectProblem, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

describe('starting and serving', () => {
  it('answers /healthz with 200 when the database answers', async () => {
    const c = await start();
    const reply = await c.request('GET', '/healthz');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const c = await start();
    expectProblem(await c.request('GET', '/no/such/thing'), 404);
  });

  it('serves /affil.js with the configured marketplaces embedded', async () => {
    const c = await start({
      marketplaces: [
        ...TEST_MARKETPLACES,
        { id: 'local', hosts: ['localhost:8788', 'shop.example'], tagSuffix: '-30', currency: 'EUR', rates: { default: 500 } },
      ],
    });
    const reply = await c.request('GET', '/affil.js');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/javascript/);
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(reply.text).not.toContain('__AFFIL_PROGRAM__');
    for (const host of ['amazon.com', 'amazon.co.uk', 'localhost:8788', 'shop.example']) expect(reply.text).toContain(host);
    expect(reply.text).toContain('-30');
    // The selector of the links the SDK reads, worked out here rather than in every browser.
    expect(reply.text).toContain(JSON.stringify({ links: 'a[href*="amazon" i],a[href*="localhost" i],a[href*="example" i]' }).slice(1, -1));
    // The embedded endpoint is the collector itself (no public URL configured).
    expect(reply.text).toContain(c.url.replace(/^https?:\/\//, ''));
  });

  it('leaves out marketplaces that are not configured', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const reply = await c.request('GET', '/affil.js');
    expect(reply.text).toContain('amazon.co.uk');
    expect(reply.text).not.toContain('amazon.co.jp');
  });

  // fetch() adds "Cache-Control: no-cache" to a request carrying If-None-Match (Fetch standard),
  // which asks the server not to answer 304; a browser revalidating its cache sends max-age=0.
  const revalidate = (etag: string) => ({ 'if-none-match': etag, 'cache-control': 'max-age=0' });

  it('serves /affil.js with an ETag and answers 304 to If-None-Match', async () => {
    const c = await start();
    const first = await c.request('GET', '/affil.js');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await c.request('GET', '/affil.js', { headers: revalidate(etag!) });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const stale = await c.request('GET', '/affil.js', { headers: revalidate('"something-else"') });
    expect(stale.status).toBe(200);
    expect(stale.text).toBe(first.text);
  });

  it('serves the scripts compressed (brotli, gzip) to browsers that take it, each with its own ETag', async () => {
    const c = await start();
    const fetchRaw = (path: string, headers: Record<string, string>) => getRaw(`${c.url}${path}`, headers);
    for (const name of ['/affil.js', '/affil-merchant.js']) {
      const plain = await fetchRaw(name, {});
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toMatch(/accept-encoding/i);
      const script = plain.body.toString('utf8');
      expect(script).toContain('amazon.com');

      const gz = await fetchRaw(name, { 'accept-encoding': 'gzip, deflate' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).toString('utf8')).toBe(script);
      expect(gz.body.length).toBeLessThan(plain.body.length / 1.5);

      const br = await fetchRaw(name, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).toString('utf8')).toBe(script);

      const etags = [plain, gz, br].map((r) => r.headers.etag as string);
      expect(new Set(etags).size).toBe(3);
      const again = await fetchRaw(name, { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag as string });
      expect(again.status).toBe(304);
    }
  });

  it('serves /affil-merchant.js, cacheable, with the program embedded', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const reply = await c.request('GET', '/affil-merchant.js');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/javascript/);
    expect(reply.text).not.toContain('__AFFIL_PROGRAM__');
    const etag = reply.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await c.request('GET', '/affil-merchant.js', { headers: revalidate(etag!) })).status).toBe(304);
  });
});

describe('GET /metrics', () => {
  it('answers Prometheus text format to the admin key only (program-wide volumes are the admin\'s)', async () => {
    const c = await start();
    expect((await c.request('GET', '/metrics')).status).toBe(401);
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    expect((await jane.api('GET', '/metrics')).status).toBe(403);
    const reply = await c.admin('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.text).toMatch(/^# (HELP|TYPE) /m);
  });

  it('answers without a key when metricsPublic is set', async () => {
    const c = await start({ server: { metricsPublic: true } });
    const reply = await c.request('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^affil_live_streams 0$/m);
  });

  it('counts requests by route and status, their latency, beacon outcomes and the process', async () => {
    const c = await start();
    const click = clickEvent('janesblog-20');
    for (const body of [click, click, { type: 'click' }]) expect((await c.request('POST', '/v1/events', { body })).status).toBe(202);
    await c.request('GET', '/nope');
    const text = (await c.admin('GET', '/metrics')).text;
    expect(text).toContain('affil_http_requests_total{method="POST",route="/v1/events",status="202"} 3');
    expect(text).toContain('affil_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('affil_http_request_duration_seconds_count{method="POST",route="/v1/events"} 3');
    expect(text).toContain('affil_http_request_duration_seconds_bucket{method="POST",route="/v1/events",le="+Inf"} 3');
    // Buckets are cumulative: never fewer requests under a larger bound.
    const buckets = [...text.matchAll(/affil_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/events",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(buckets).toHaveLength(13);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(text).toContain('affil_events_total{outcome="accepted"} 1');
    expect(text).toContain('affil_events_total{outcome="duplicate"} 1');
    expect(text).toContain('affil_events_total{outcome="rejected"} 1');
    expect(text).toMatch(/^affil_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^affil_process_cpu_seconds_total [\d.]+/m);
  });
});
