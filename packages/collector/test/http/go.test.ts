import { describe, expect, it } from 'vitest';
import { createClock, useCollectors } from '../helpers/collector.js';
import { CAMERA, expectProblem, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

/** SPEC §4.1: `GET /go/{tag}?url=<destination>[&page=<source>]`, the click redirect. */
async function program() {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  return { c, jane };
}

const go = (tag: string, url: string, page?: string) =>
  `/go/${tag}?url=${encodeURIComponent(url)}${page ? `&page=${encodeURIComponent(page)}` : ''}`;

describe('GET /go/{tag}', () => {
  it('records a click with via "redirect" and answers 302 to the decorated destination', async () => {
    const { c } = await program();
    const destination = `https://www.amazon.com/dp/${CAMERA}?th=1#reviews`;
    const reply = await c.request('GET', go('janesblog-20', destination, 'https://youtube.example/watch'));
    expect(reply.status).toBe(302);
    // The tag and the click ID are added before the fragment; every other byte is kept.
    const location = reply.headers.get('location')!;
    const clickId = /&affil_cid=([0-9a-f-]{36})#/.exec(location)?.[1];
    expect(location).toBe(`https://www.amazon.com/dp/${CAMERA}?th=1&tag=janesblog-20&affil_cid=${clickId}#reviews`);
    const clicks = (await c.admin('GET', '/v1/clicks?from=2026-11-20&to=2026-11-20')).body.clicks;
    expect(clicks).toEqual([
      expect.objectContaining({ id: clickId, tag: 'janesblog-20', via: 'redirect', product: CAMERA, marketplace: 'us', page: 'https://youtube.example/watch', bot: false }),
    ]);
    expect((await c.admin('GET', '/v1/reports/summary?from=2026-11-20&to=2026-11-20')).body.clicks).toBe(1);
  });

  it('answers 404 for an unregistered tag', async () => {
    const { c } = await program();
    expectProblem(await c.request('GET', go('stranger-20', `https://www.amazon.com/dp/${CAMERA}`)), 404);
  });

  it('refuses a destination that is not on a marketplace host (no open redirect)', async () => {
    const { c } = await program();
    for (const url of ['https://evil.example/phish', 'https://amazon.com.evil.example/dp/B08XYZ1234', 'javascript:alert(1)']) {
      const reply = await c.request('GET', go('janesblog-20', url));
      expect(reply.status, url).toBeGreaterThanOrEqual(400);
      expect(reply.status, url).toBeLessThan(500);
      expect(reply.headers.get('location'), url).toBeNull();
    }
    expect((await c.admin('GET', '/v1/clicks?from=2026-11-20&to=2026-11-20')).body.clicks).toEqual([]);
  });

  it('answers a missing url with a 400 problem naming it', async () => {
    const { c } = await program();
    expectProblem(await c.request('GET', '/go/janesblog-20'), 400, 'url');
  });
});
