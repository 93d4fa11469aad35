import { describe, expect, it } from 'vitest';
import { useCollectors } from '../helpers/collector.js';
import { expectProblem, TEST_MARKETPLACES } from '../helpers/fixtures.js';

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
  it('answers Prometheus text format', async () => {
    const c = await start();
    // The spec does not say whether /metrics needs a key; the admin key works either way.
    const reply = await c.admin('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.text).toMatch(/^# (HELP|TYPE) /m);
  });
});
