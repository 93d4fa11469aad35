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
    // The source page is kept as origin + path: the query (a video ID here, an e-mail address elsewhere) is not.
    const reply = await c.request('GET', go('janesblog-20', destination, 'https://youtube.example/watch?v=abc&email=jane@example.com#t=1'));
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

  it("puts the account's tag for the destination's storefront in the link, or none when it has none there", async () => {
    const { c, jane } = await program();
    const uk = `https://www.amazon.co.uk/dp/${CAMERA}`;
    const untagged = await c.request('GET', go('janesblog-20', uk));
    expect(untagged.status).toBe(302);
    expect(untagged.headers.get('location')).toMatch(new RegExp(`^https://www\\.amazon\\.co\\.uk/dp/${CAMERA}\\?affil_cid=[0-9a-f-]{36}$`));
    expect(untagged.headers.get('access-control-allow-origin')).toBe('*');
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    const tagged = await c.request('GET', go('janesblog-20', uk));
    expect(tagged.headers.get('location')).toMatch(new RegExp(`^https://www\\.amazon\\.co\\.uk/dp/${CAMERA}\\?tag=janesblog-21&affil_cid=[0-9a-f-]{36}$`));
    // The clicks are the path's tag's, on the storefront they went to.
    const clicks = (await c.admin('GET', '/v1/clicks?from=2026-11-20&to=2026-11-20')).body.clicks;
    expect(clicks.map((k: { tag: string; marketplace: string }) => [k.tag, k.marketplace])).toEqual([
      ['janesblog-20', 'uk'],
      ['janesblog-20', 'uk'],
    ]);
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

describe('GET /go/{tag}: speculation and abuse', () => {
  it('redirects a prefetch or prerender without recording a click', async () => {
    const { c } = await program();
    for (const [headers, reason] of [[{ 'sec-purpose': 'prefetch' }, 'prefetch'], [{ purpose: 'prefetch' }, 'prefetch'], [{ 'sec-purpose': 'prefetch;prerender' }, 'prerender']] as [Record<string, string>, string][]) {
      const reply = await c.request('GET', go('janesblog-20', `https://www.amazon.com/dp/${CAMERA}`), { headers });
      expect(reply.status).toBe(302);
      expect(reply.headers.get('location')).toBe(`https://www.amazon.com/dp/${CAMERA}?tag=janesblog-20`);
      expect(reply.headers.get('affil-click')).toBe(`not-counted; reason=${reason}`);
    }
    expect((await c.admin('GET', '/v1/clicks?from=2026-11-20&to=2026-11-20')).body.clicks).toEqual([]);
  });

  it('flags a crawler\'s click as a bot: stored, never counted', async () => {
    const { c } = await program();
    await c.request('GET', go('janesblog-20', `https://www.amazon.com/dp/${CAMERA}`), { headers: { 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' } });
    expect((await c.admin('GET', '/v1/clicks?from=2026-11-20&to=2026-11-20')).body.clicks).toEqual([expect.objectContaining({ via: 'redirect', bot: true })]);
    expect((await c.admin('GET', '/v1/reports/summary?from=2026-11-20&to=2026-11-20')).body).toMatchObject({ clicks: 0, botClicks: 1 });
  });

  it('tells a newcomer testing with curl that the click is a bot\'s and will not count, and a browser that its click counts', async () => {
    const { c } = await program();
    const curl = await c.request('GET', go('janesblog-20', `https://www.amazon.com/dp/${CAMERA}`), { headers: { 'user-agent': 'curl/8.5.0' } });
    expect(curl.status).toBe(302);
    expect(curl.headers.get('affil-click')).toBe('not-counted; reason=bot');
    const browser = await c.request('GET', go('janesblog-20', `https://www.amazon.com/dp/${CAMERA}`), { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' } });
    expect(browser.headers.get('affil-click')).toBe('counted');
    expect((await c.admin('GET', '/v1/reports/summary?from=2026-11-20&to=2026-11-20')).body).toMatchObject({ clicks: 1, botClicks: 1 });
  });

  it('rate-limits redirects per client address with 429 and Retry-After', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 2 });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const url = go('janesblog-20', `https://www.amazon.com/dp/${CAMERA}`);
    expect((await c.request('GET', url)).status).toBe(302);
    expect((await c.request('GET', url)).status).toBe(302);
    const limited = await c.request('GET', url);
    expectProblem(limited, 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each([
    '//evil.example/x',
    'https://www.amazon.com.evil.example/dp/B08XYZ1234',
    'https://www.amazon.com@evil.example/',
    'https://user:pw@www.amazon.com/dp/B08XYZ1234',
    'https:\\\\evil.example\\www.amazon.com',
    'https://www.amazon.com\\@evil.example/',
    'https://www.amazon.com/dp/X\r\nSet-Cookie: a=b',
    'https://www.amazon.com/%0d%0aLocation:%20https://evil.example',
    ' https://www.amazon.com/dp/B08XYZ1234',
    'javascript://www.amazon.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://evil.example/?u=https://www.amazon.com/',
    'https://www.amazon.com.',
    'ftp://www.amazon.com/dp/B08XYZ1234',
  ])('never redirects off the marketplaces: %j', async (destination) => {
    const { c } = await program();
    const reply = await c.request('GET', go('janesblog-20', destination));
    if (reply.status === 302) {
      // Only a redirect to a marketplace host is acceptable (the %0d%0a case stays inside the path, encoded).
      expect(new URL(reply.headers.get('location')!).hostname).toBe('www.amazon.com');
      expect(reply.headers.get('location')).not.toMatch(/[\r\n]/);
    } else {
      expectProblem(reply, 400, 'url');
    }
  });
});
