// The publisher SDK on the pages publishers really have, in real Chromium: links of every shape
// decorated exactly (the Amazon URL corpus and our own cases), links added or changed later, a
// single-page app (history navigation, even with history.pushState replaced), a strict CSP, blocked
// storage, consent and Global Privacy Control, a rejected tag, Affil.audit() and debug logging.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogPage, clickIds, startSdkEnv, TAG, type SdkEnv } from './helpers/sdk-env.js';

let env: SdkEnv;

beforeAll(async () => {
  env = await startSdkEnv();
});

afterAll(async () => {
  await env?.close();
});

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const T = `tag=${TAG}`;

interface AuditReport {
  href: string;
  marketplace: string | null;
  status: string;
}
type AffilGlobal = { Affil: { audit(): AuditReport[]; consent(granted: boolean): void; init(tag: string, o?: object): void } };

describe('exact decoration in Chromium', () => {
  // [href as written, href after the SDK, audit status or null for links that are not merchant links]
  const own = (shop: string): [string, string, string | null][] => [
    ['https://www.amazon.com/s?k=caf%C3%A9+au+lait&x=%7e&empty=&flag', `https://www.amazon.com/s?k=caf%C3%A9+au+lait&x=%7e&empty=&flag&${T}`, 'decorated'],
    ['https://www.amazon.com/dp/B0FRAGMENT?z=1&a=2#reviews', `https://www.amazon.com/dp/B0FRAGMENT?z=1&a=2&${T}#reviews`, 'decorated'],
    ['https://www.amazon.com/dp/B0FRAGQMRK#a?tag=no', `https://www.amazon.com/dp/B0FRAGQMRK?${T}#a?tag=no`, 'decorated'],
    ['https://www.amazon.com/Kühlschrank-Größe/dp/B00ET2LTE6/', `https://www.amazon.com/Kühlschrank-Größe/dp/B00ET2LTE6/?${T}`, 'decorated'],
    ['https://www.amazon.com/a+b/dp/B0PLUSSIGN?q=a+b%2Bc', `https://www.amazon.com/a+b/dp/B0PLUSSIGN?q=a+b%2Bc&${T}`, 'decorated'],
    ['https://WWW.AMAZON.COM/DP/B0UPPERCAS', `https://WWW.AMAZON.COM/DP/B0UPPERCAS?${T}`, 'decorated'],
    ['//www.amazon.com/dp/B0SCHEMREL', `//www.amazon.com/dp/B0SCHEMREL?${T}`, 'decorated'],
    ['https://www.amazon.com/dp/B0QUESTION?', `https://www.amazon.com/dp/B0QUESTION?${T}`, 'decorated'],
    ['https://www.amazon.com/dp/B0AMPERSND?a=1&', `https://www.amazon.com/dp/B0AMPERSND?a=1&${T}`, 'decorated'],
    ['https://www.amazon.com/dp/B0EMPTYTAG?tag=&b=2', `https://www.amazon.com/dp/B0EMPTYTAG?${T}&b=2`, 'decorated'],
    ['https://www.amazon.com/dp/B0UPPERTAG?TAG=x', `https://www.amazon.com/dp/B0UPPERTAG?TAG=x&${T}`, 'decorated'],
    ['https://www.amazon.com:8443/dp/B0WITHPORT', `https://www.amazon.com:8443/dp/B0WITHPORT?${T}`, 'decorated'],
    ['https://reader@www.amazon.com/dp/B0USERINFO', `https://reader@www.amazon.com/dp/B0USERINFO?${T}`, 'decorated'],
    ['https://www.amazon%2Ecom/dp/B0PCTHOST1', `https://www.amazon%2Ecom/dp/B0PCTHOST1?${T}`, 'decorated'],
    ['https://www.amazon.com/dp/B0TRAILING\n', `https://www.amazon.com/dp/B0TRAILING?${T}`, 'decorated'],
    ['  https://www.amazon.com/dp/B0LEADING1', `  https://www.amazon.com/dp/B0LEADING1?${T}`, 'decorated'],
    [`${shop}/dp/B0SHOPLINK?color=red#top`, `${shop}/dp/B0SHOPLINK?color=red&${T}#top`, 'decorated'],
    [`https://smile.amazon.com/dp/B0OWNTAGGD?${T}`, `https://smile.amazon.com/dp/B0OWNTAGGD?${T}`, 'own_tag'],
    ['https://www.amazon.com/dp/B0FOREIGN1?tag=someone-20', 'https://www.amazon.com/dp/B0FOREIGN1?tag=someone-20', 'foreign_tag'],
    ['https://amzn.to/3xYz', 'https://amzn.to/3xYz', 'short_link'],
    ['https://a.co/d/abc', 'https://a.co/d/abc', 'short_link'],
    ['https://www.amazon.com:99999/dp/B0BADPORT1', 'https://www.amazon.com:99999/dp/B0BADPORT1', 'invalid_url'],
    ['https://amazon.com.evil.example/dp/B0LOOKALIK', 'https://amazon.com.evil.example/dp/B0LOOKALIK', null],
    ['https://evilamazon.com/dp/B0LOOKALIK', 'https://evilamazon.com/dp/B0LOOKALIK', null],
    ['https://www.amazon.co.uk/dp/B0OTHERSTO', 'https://www.amazon.co.uk/dp/B0OTHERSTO', null],
    ['mailto:jane@example.com', 'mailto:jane@example.com', null],
    ['tel:+15551234567', 'tel:+15551234567', null],
    ['javascript:void(0)', 'javascript:void(0)', null],
    ['/about?x=1', '/about?x=1', null],
    ['', '', null],
  ];

  // The corpus's URLs (s9e/TextFormatter, python-amazon-paapi, mega-scraper test suites): only
  // amazon.com is a marketplace of this program; none carries a fragment.
  const corpus = (): [string, string, string | null][] =>
    readFileSync(new URL('../packages/sdk/test/fixtures/amazon-urls.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { input: string }).input)
      .map((href) => {
        const url = URL.parse(href.trim());
        const ours = url && /(^|\.)amazon\.com$/.test(url.hostname) && !/\s/.test(href.trim());
        if (!ours) return [href, href, null];
        if (url.searchParams.has('tag')) return [href, href, 'foreign_tag'];
        return [href, `${href}${href.includes('?') ? '&' : '?'}${T}`, 'decorated'];
      });

  it('adds the tag and keeps every other byte, for the URL corpus and our own cases', async () => {
    const cases = [...own(env.shop.origin), ...corpus()];
    const body = cases.map(([href], i) => `<p><a id="l${i}" href="${escape(href)}">link ${i}</a></p>`).join('\n');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><a id="svg" href="https://www.amazon.com/dp/B0SVGLINK1"><text y="15">buy</text></a></svg>';
    env.blog.serve('/corpus', blogPage(body + svg, env.snippet));
    const { page, errors } = await env.newPage();
    await page.goto(`${env.blog.origin}/corpus`);
    await expect.poll(() => page.locator('#svg').getAttribute('href')).toBe(`https://www.amazon.com/dp/B0SVGLINK1?${T}`);
    // SVG links have no relList in Chromium: one without rel gets the attribute written.
    expect(await page.locator('#svg').getAttribute('rel')).toBe('sponsored');
    const hrefs = await page.locator('a[id^=l]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(cases.map(([, after]) => after));
    const rels = await page.locator('a[id^=l]').evaluateAll((as) => as.map((a) => a.getAttribute('rel')));
    expect(rels).toEqual(cases.map(([, , status]) => (status == 'decorated' ? 'sponsored' : null)));

    const audit = await page.evaluate(() => (window as unknown as AffilGlobal).Affil.audit());
    const reported = cases.filter(([, , status]) => status);
    expect(audit).toEqual([
      ...reported.map(([href, after, status]) => ({
        href: status == 'decorated' ? after : href,
        marketplace: status == 'short_link' || status == 'invalid_url' ? null : 'us',
        status,
      })),
      { href: `https://www.amazon.com/dp/B0SVGLINK1?${T}`, marketplace: 'us', status: 'decorated' },
    ]);
    expect(errors).toEqual([]);
  });

  it('decorates links added or changed later, without polling; a tag the program rejects decorates nothing and says so once', async () => {
    env.blog.serve(
      '/later.js',
      `document.getElementById('add').onclick = () => {
        const a = document.createElement('a'); a.id = 'appended'; a.href = 'https://www.amazon.com/dp/B0APPENDED'; a.textContent = 'a';
        document.body.append(a);
        document.getElementById('box').innerHTML = '<p><a id="inner" href="https://www.amazon.com/dp/B0INNERHTM">b</a></p>';
        document.getElementById('changed').setAttribute('href', 'https://www.amazon.com/dp/B0CHANGED2');
        document.getElementById('svgbox').innerHTML = '<svg xmlns="http://www.w3.org/2000/svg"><a id="svglater" href="https://www.amazon.com/dp/B0SVGLATER"><text>c</text></a></svg>';
      };`,
    );
    env.blog.serve(
      '/later',
      blogPage(
        '<button id="add">more</button><div id="box"></div><div id="svgbox"></div><a id="changed" href="https://www.amazon.com/dp/B0CHANGED1">d</a><script src="/later.js"></script>',
        env.snippet,
      ),
    );
    const { page, errors } = await env.newPage();
    await page.goto(`${env.blog.origin}/later`);
    await expect.poll(() => page.locator('#changed').getAttribute('href')).toBe(`https://www.amazon.com/dp/B0CHANGED1?${T}`);
    await page.locator('#add').click();
    const expected = {
      appended: `https://www.amazon.com/dp/B0APPENDED?${T}`,
      inner: `https://www.amazon.com/dp/B0INNERHTM?${T}`,
      changed: `https://www.amazon.com/dp/B0CHANGED2?${T}`,
      svglater: `https://www.amazon.com/dp/B0SVGLATER?${T}`,
    };
    for (const [id, href] of Object.entries(expected)) await expect.poll(() => page.locator(`#${id}`).getAttribute('href')).toBe(href);
    // The observer reports in a microtask: decorated before any task, such as a click, can run.
    const sameTask = await page.evaluate(async () => {
      const a = document.createElement('a');
      a.href = 'https://www.amazon.com/dp/B0SAMETASK';
      document.body.append(a);
      await Promise.resolve();
      return a.getAttribute('href');
    });
    expect(sameTask).toBe(`https://www.amazon.com/dp/B0SAMETASK?${T}`);
    expect(errors).toEqual([]);

    // A tag the program's pattern rejects: nothing decorated, one clear warning naming it.
    env.blog.serve('/bad-tag', blogPage('<a id="buy" href="https://www.amazon.com/dp/B0BADTAG01">x</a><a href="https://www.amazon.com/dp/B0BADTAG02">y</a>', env.snippet.replace(TAG, 'Janes Blog-20')));
    const bad = await env.newPage();
    const warnings: string[] = [];
    bad.page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
    await bad.page.goto(`${env.blog.origin}/bad-tag`);
    await expect.poll(() => warnings).toEqual(['[affil] invalid tag "Janes Blog-20"']);
    expect(await bad.page.locator('#buy').getAttribute('href')).toBe('https://www.amazon.com/dp/B0BADTAG01');
    expect(bad.errors).toEqual([]);
  });
});

describe('single-page apps in Chromium', () => {
  const app = (replacePushState: string) => `
    ${replacePushState}
    const views = {
      '/spa': '<a id="to-review" href="/spa/review">review</a><a id="buy" href="https://www.amazon.com/dp/B0SPAHOME1">buy</a>',
      '/spa/review': '<h1>Review</h1><p><a id="buy" href="SHOP/dp/ASIN">buy the reviewed camera</a></p>',
    };
    const render = () => { document.getElementById('view').innerHTML = views[location.pathname]; };
    document.addEventListener('click', (e) => {
      const a = e.target.closest('a[href^="/spa"]');
      if (!a) return;
      e.preventDefault();
      history.pushState({}, '', a.getAttribute('href'));
      render();
    });
    addEventListener('popstate', render);
    render();`;

  it.each([
    ['a router on history.pushState', ''],
    ['history.pushState replaced by the page', `const original = history.pushState; history.pushState = function (...args) { window.pushes = (window.pushes || 0) + 1; return original.apply(this, args); };`],
  ])('decorates the links of each view and reports clicks with the view they came from (%s)', async (_, replace) => {
    const name = replace ? 'spa-replaced' : 'spa';
    const asin = replace ? 'B0SPAREPLC' : 'B0SPAREVIE';
    env.blog.serve(`/${name}.js`, app(replace).replace('SHOP', env.shop.origin).replace('ASIN', asin).replaceAll('/spa', `/${name}`));
    const html = blogPage(`<main id="view"></main><script src="/${name}.js"></script>`, env.snippet);
    env.blog.serve(`/${name}`, html);
    env.blog.serve(`/${name}/review`, html);
    const { page, errors } = await env.newPage();
    const delta = await (async () => {
      const before = (await env.summary()).pageviews;
      return async () => (await env.summary()).pageviews - before;
    })();
    await page.goto(`${env.blog.origin}/${name}`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`https://www.amazon.com/dp/B0SPAHOME1?${T}`);
    await page.locator('#to-review').click();
    expect(page.url()).toBe(`${env.blog.origin}/${name}/review`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`${env.shop.origin}/dp/${asin}?${T}`);
    await page.goBack();
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`https://www.amazon.com/dp/B0SPAHOME1?${T}`);
    await page.goForward();
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`${env.shop.origin}/dp/${asin}?${T}`);
    if (replace) expect(await page.evaluate(() => (window as unknown as { pushes: number }).pushes)).toBe(1);
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    const [cid] = clickIds(page.url());
    await expect.poll(async () => (await env.clicksOn(asin)).length).toBe(1);
    const [click] = await env.clicksOn(asin);
    expect(click).toMatchObject({ id: cid, via: 'click', page: `${env.blog.origin}/${name}/review` });
    // One pageview per page load: history navigation is not a load.
    expect(await delta()).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe('links the SDK reads', () => {
  it('on a page whose <base> is on a marketplace, relative links are merchant links: decorated too', async () => {
    const links = `<a id="rel" href="/dp/B0BASEREL1">relative</a><a id="abs" href="https://example.com/x">elsewhere</a><a id="up" href="HTTPS://WWW.AMAZON.COM/dp/B0BASEUPPR">upper</a>`;
    env.blog.serve('/based', blogPage(links, env.snippet, '<base href="https://www.amazon.com/">'));
    const { page, errors } = await env.newPage();
    await page.goto(`${env.blog.origin}/based`);
    await expect.poll(() => page.locator('#rel').getAttribute('href')).toBe(`/dp/B0BASEREL1?${T}`);
    expect(await page.locator('#up').getAttribute('href')).toBe(`HTTPS://WWW.AMAZON.COM/dp/B0BASEUPPR?${T}`);
    expect(await page.locator('#abs').getAttribute('href')).toBe('https://example.com/x');
    expect(await page.evaluate(() => (window as unknown as AffilGlobal).Affil.audit().map((r) => r.status))).toEqual(['decorated', 'decorated']);
    expect(errors).toEqual([]);
  });
});

describe('hostile and careful pages in Chromium', () => {
  it('under a strict CSP (no inline script, no eval, no blob:), with no violation', async () => {
    env.blog.serve('/csp.js', `document.getElementById('box').innerHTML = '<a id="buy" href="https://www.amazon.com/dp/B0CSPLATER">x</a>';`);
    env.blog.serve('/csp', blogPage('<div id="box"></div><script src="/csp.js"></script>', env.snippet), {
      'content-security-policy': `default-src 'self'; script-src 'self' ${env.collector.url}; connect-src ${env.collector.url}; style-src 'self'; img-src 'self'`,
    });
    const { context, page, errors } = await env.newPage();
    await context.addInitScript(() => {
      const seen: string[] = ((window as unknown as { violations: string[] }).violations = []);
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() == 'error' && consoleErrors.push(m.text()));
    const delta = await env.summary();
    await page.goto(`${env.blog.origin}/csp`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`https://www.amazon.com/dp/B0CSPLATER?${T}`);
    await expect.poll(async () => (await env.summary()).pageviews).toBe(delta.pageviews + 1);
    await page.locator('#buy').click({ modifiers: ['Control'] });
    await expect.poll(async () => (await env.clicksOn('B0CSPLATER')).length).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('with storage blocked, sendBeacon missing and odd links, never throws and still tracks clicks', async () => {
    env.blog.serve(
      '/hostile',
      blogPage(
        [
          '<a id="js" href="javascript:void(document.title=\'ran\')">js</a>',
          '<a href="mailto:jane@example.com">mail</a>',
          '<a href="http://[::1">broken</a>',
          '<a href="https://www.amazon.com:99999/">bad port</a>',
          '<a>no href</a>',
          `<a id="buy" href="${env.shop.origin}/dp/B0HOSTILE1">buy</a>`,
        ].join('\n'),
        env.snippet,
      ),
    );
    const { context, page, errors } = await env.newPage();
    await context.addInitScript(() => {
      for (const area of ['localStorage', 'sessionStorage'])
        Object.defineProperty(window, area, { get: () => { throw new DOMException('blocked', 'SecurityError'); } });
      delete (Navigator.prototype as { sendBeacon?: unknown }).sendBeacon;
      history.pushState = () => { throw new Error('this page broke pushState'); };
    });
    await page.goto(`${env.blog.origin}/hostile`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`${env.shop.origin}/dp/B0HOSTILE1?${T}`);
    await page.locator('#js').click();
    await expect.poll(() => page.title()).toBe('ran');
    await Promise.all([page.waitForURL(`${env.shop.origin}/**`), page.locator('#buy').click()]);
    await expect.poll(async () => (await env.clicksOn('B0HOSTILE1')).map((c) => c.id)).toEqual(clickIds(page.url()));
    expect(errors).toEqual([]);
  });

  it("consent: 'pending' decorates but stores and sends nothing until Affil.consent(true)", async () => {
    const stub = `<script>window.Affil=window.Affil||{q:[],init:function(){Affil.q.push(['init',arguments])}};Affil.init('${TAG}', { consent: 'pending' });</script><script async src="${env.collector.url}/affil.js"></script>`;
    env.blog.serve('/consent', blogPage(`<a id="buy" href="${env.shop.origin}/dp/B0CONSENT1">buy</a><a id="later" href="${env.shop.origin}/dp/B0CONSENT2">buy</a>`, stub));
    const { page, errors } = await env.newPage();
    const before = await env.summary();
    await page.goto(`${env.blog.origin}/consent`);
    await expect.poll(() => page.locator('#buy').getAttribute('href')).toBe(`${env.shop.origin}/dp/B0CONSENT1?${T}`);
    await page.locator('#buy').click({ modifiers: ['Control'] });
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    await page.evaluate(() => (window as unknown as AffilGlobal).Affil.consent(true));
    await expect.poll(async () => (await env.summary()).pageviews).toBe(before.pageviews + 1);
    await page.locator('#later').click({ modifiers: ['Control'] });
    await expect.poll(async () => (await env.clicksOn('B0CONSENT2')).length).toBe(1);
    expect(await env.clicksOn('B0CONSENT1')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('Global Privacy Control: links decorated, nothing stored or sent', async () => {
    env.blog.serve('/gpc', blogPage(`<a id="buy" href="${env.shop.origin}/dp/B0GPCCLICK">buy</a>`, env.snippet));
    env.blog.serve('/no-gpc', blogPage(`<a id="buy" href="${env.shop.origin}/dp/B0NOGPCCLK">buy</a>`, env.snippet));
    const gpc = await env.newPage();
    await gpc.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const sent: string[] = [];
    gpc.page.on('request', (r) => r.url().endsWith('/v1/events') && sent.push(r.url()));
    await gpc.page.goto(`${env.blog.origin}/gpc`);
    await expect.poll(() => gpc.page.locator('#buy').getAttribute('href')).toBe(`${env.shop.origin}/dp/B0GPCCLICK?${T}`);
    await Promise.all([gpc.page.waitForURL(`${env.shop.origin}/**`), gpc.page.locator('#buy').click()]);
    expect(clickIds(gpc.page.url())).toHaveLength(1);
    // A reader without GPC, afterwards: once their click is stored, the GPC reader's would be too.
    const other = await env.newPage();
    await other.page.goto(`${env.blog.origin}/no-gpc`);
    await Promise.all([other.page.waitForURL(`${env.shop.origin}/**`), other.page.locator('#buy').click()]);
    await expect.poll(async () => (await env.clicksOn('B0NOGPCCLK')).length).toBe(1);
    expect(await env.clicksOn('B0GPCCLICK')).toEqual([]);
    expect(sent).toEqual([]);
    expect(gpc.errors).toEqual([]);
  });

  it('?affil_debug=1 logs the events it sends', async () => {
    env.blog.serve('/debug', blogPage(`<a id="buy" href="${env.shop.origin}/dp/B0DEBUGLOG">buy</a>`, env.snippet));
    const { page } = await env.newPage();
    const logs: unknown[] = [];
    page.on('console', async (m) => m.text().startsWith('[affil]') && logs.push(await m.args()[1]?.jsonValue()));
    await page.goto(`${env.blog.origin}/debug?affil_debug=1`);
    await expect.poll(() => logs).toContainEqual(expect.objectContaining({ type: 'pageview', tag: TAG, links: 1 }));
  });
});
