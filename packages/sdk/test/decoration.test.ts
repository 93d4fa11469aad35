import { beforeEach, describe, expect, it, vi } from 'vitest';
import { activate, afterDispatch, ENDPOINT, freshSdk, links, MARKETPLACES, network, reset, settle } from './helpers.js';

beforeEach(reset);

const options = { endpoint: ENDPOINT, marketplaces: MARKETPLACES };

describe('decoration', () => {
  it('tags every merchant link present at init, keeping every other byte', async () => {
    network();
    const [plain, query, fragment, encoded, other] = links(
      'https://www.amazon.com/dp/B08XYZ1234',
      'https://smile.amazon.com/dp/B08XYZ1234?psc=1&th=1',
      'https://www.amazon.com/dp/B08XYZ1234#reviews',
      'https://www.amazon.com/s?k=caf%C3%A9+au+lait&x=%7e',
      'https://example.com/dp/B08XYZ1234',
    );
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(plain!.getAttribute('href')).toBe('https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20');
    expect(query!.getAttribute('href')).toBe('https://smile.amazon.com/dp/B08XYZ1234?psc=1&th=1&tag=janesblog-20');
    expect(fragment!.getAttribute('href')).toBe('https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20#reviews');
    expect(encoded!.getAttribute('href')).toBe('https://www.amazon.com/s?k=caf%C3%A9+au+lait&x=%7e&tag=janesblog-20');
    expect(other!.getAttribute('href')).toBe('https://example.com/dp/B08XYZ1234');
  });

  it('adds rel="sponsored" to the existing rel values of the links it decorates only', async () => {
    network();
    const [withRel, own, foreign, other] = links(
      'https://www.amazon.com/dp/A',
      'https://www.amazon.com/dp/B?tag=janesblog-20',
      'https://www.amazon.com/dp/C?tag=someone-20',
      'https://example.com/',
    );
    withRel!.setAttribute('rel', 'noopener nofollow');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    sdk.init('janesblog-20', options); // idempotent
    expect(withRel!.getAttribute('rel')).toBe('noopener nofollow sponsored');
    // A link that came with our tag is left as it is (SPEC §6), rel included.
    expect(own!.hasAttribute('rel')).toBe(false);
    expect(foreign!.hasAttribute('rel')).toBe(false);
    expect(other!.hasAttribute('rel')).toBe(false);
  });

  it('uses the tag given per marketplace, else the main tag where its suffix fits', async () => {
    network();
    const [us, uk, local] = links('https://www.amazon.com/dp/A', 'https://www.amazon.co.uk/dp/A', 'http://localhost:8788/p/1');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, tags: { uk: 'janesblog-21' } });
    expect(us!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(uk!.getAttribute('href')).toBe('https://www.amazon.co.uk/dp/A?tag=janesblog-21');
    expect(local!.getAttribute('href')).toBe('http://localhost:8788/p/1?tag=janesblog-20');
  });

  it('leaves links to a marketplace without a tag alone and reports them', async () => {
    network();
    const [uk] = links('https://www.amazon.co.uk/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(uk!.getAttribute('href')).toBe('https://www.amazon.co.uk/dp/A');
    expect(sdk.audit()).toEqual([{ href: 'https://www.amazon.co.uk/dp/A', marketplace: 'uk', status: 'no_tag' }]);
  });

  it('reports every merchant link with its status', async () => {
    network();
    links(
      'https://www.amazon.com/dp/A',
      'https://www.amazon.com/dp/B?tag=janesblog-20',
      'https://www.amazon.com/dp/C?tag=someone-20',
      'https://www.amazon.co.uk/dp/D',
      'https://amzn.to/3xYz',
      'https://a.co/d/abc',
      'HTTPS://AMZN.EU/d/xyz',
      'https://www.amazon.com:99999/dp/E',
      'https://example.com/',
      '/relative/page',
    );
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(sdk.audit()).toEqual([
      { href: 'https://www.amazon.com/dp/A?tag=janesblog-20', marketplace: 'us', status: 'decorated' },
      { href: 'https://www.amazon.com/dp/B?tag=janesblog-20', marketplace: 'us', status: 'own_tag' },
      { href: 'https://www.amazon.com/dp/C?tag=someone-20', marketplace: 'us', status: 'foreign_tag' },
      { href: 'https://www.amazon.co.uk/dp/D', marketplace: 'uk', status: 'no_tag' },
      { href: 'https://amzn.to/3xYz', marketplace: null, status: 'short_link' },
      { href: 'https://a.co/d/abc', marketplace: null, status: 'short_link' },
      { href: 'HTTPS://AMZN.EU/d/xyz', marketplace: null, status: 'short_link' },
      { href: 'https://www.amazon.com:99999/dp/E', marketplace: null, status: 'invalid_url' },
    ]);
  });

  it('still reports a link it decorated as decorated after a click ID came and went', async () => {
    network();
    const [ours, theirs] = links('https://www.amazon.com/dp/A', 'https://www.amazon.com/dp/B?tag=janesblog-20');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    activate(ours!, 'click');
    activate(theirs!, 'middle');
    await afterDispatch();
    await settle();
    expect(sdk.audit().map((r) => r.status)).toEqual(['decorated', 'own_tag']);
  });

  it('works out only the links that were added, not the rest of the page again', async () => {
    network();
    links(...Array.from({ length: 20 }, (_, i) => `https://www.amazon.com/dp/B${i}`));
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    const box = document.createElement('div');
    box.innerHTML = '<a href="https://www.amazon.com/dp/A">a</a><a href="https://example.com/">b</a>';
    const reads = vi.spyOn(Element.prototype, 'getAttribute');
    document.body.append(box);
    await settle();
    await settle();
    const hrefReads = reads.mock.calls.filter(([name]) => name === 'href').length;
    expect(box.querySelector('a')!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    // The two new links (and the href we wrote, coming back once): never the 20 links already there.
    expect(hrefReads).toBeLessThan(10);
  });

  it('replaces foreign tags only with overrideForeignTags', async () => {
    network();
    const [foreign] = links('https://www.amazon.com/dp/C?x=1&tag=someone-20#f');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, overrideForeignTags: true });
    expect(foreign!.getAttribute('href')).toBe('https://www.amazon.com/dp/C?x=1&tag=janesblog-20#f');
    expect(sdk.audit()[0]?.status).toBe('decorated');
  });

  it('decorates links added later and hrefs changed later, without polling', async () => {
    network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    const [added] = links('https://www.amazon.com/dp/A');
    const box = document.createElement('div');
    box.innerHTML = '<p><a href="https://www.amazon.com/dp/B">b</a></p>';
    document.body.append(box);
    await settle();
    expect(added!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(box.querySelector('a')!.getAttribute('href')).toBe('https://www.amazon.com/dp/B?tag=janesblog-20');

    added!.setAttribute('href', 'https://www.amazon.com/dp/Z');
    await settle();
    expect(added!.getAttribute('href')).toBe('https://www.amazon.com/dp/Z?tag=janesblog-20');
  });

  it('decorates SVG links (href is an SVGAnimatedString there)', async () => {
    network();
    document.body.innerHTML =
      '<svg xmlns="http://www.w3.org/2000/svg"><a href="https://www.amazon.com/dp/A"><text>buy</text></a></svg>';
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(document.querySelector('svg a')!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
  });

  it.each([
    ['a malformed tag', 'Janes Blog-20', {}, ['https://www.amazon.com/dp/A', 'https://www.amazon.com/dp/B'], 'Janes Blog-20'],
    ['a well-formed tag no marketplace of the program takes', 'janesblog-99', {}, ['https://www.amazon.com/dp/A', 'https://www.amazon.co.uk/dp/B'], 'janesblog-99'],
    ['a per-marketplace tag of the wrong suffix', 'janesblog-20', { tags: { uk: 'janesblog-20' } }, ['https://www.amazon.co.uk/dp/A'], 'janesblog-20'],
  ])('decorates nothing and warns once, naming the tag, for %s', async (_, tag, extra, hrefs, named) => {
    network();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const elements = links(...hrefs);
    const sdk = await freshSdk();
    sdk.init(tag, { ...options, ...extra });
    expect(elements.map((a) => a!.getAttribute('href'))).toEqual(hrefs);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]!.join(' ')).toBe(`[affil] invalid tag "${named}"`);
  });

  it('does not warn about a main tag that simply serves other marketplaces', async () => {
    network();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    links('https://www.amazon.co.uk/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(warn).not.toHaveBeenCalled();
  });

  it('decorates nothing and warns when there is no program', async () => {
    network();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const [a] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20');
    expect(a!.getAttribute('href')).toBe('https://www.amazon.com/dp/A');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(sdk.audit()).toEqual([]);
  });

  it('never throws into the page, even with a broken program', async () => {
    network();
    links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    const { safe } = await import('../src/log.js');
    const init = safe(sdk.init);
    expect(() => init('janesblog-20', { ...options, tagPattern: '([' })).not.toThrow();
    expect(() => init('janesblog-20', { ...options, marketplaces: [{ id: 'x' }] as never })).not.toThrow();
  });
});

describe('decoration of sloppy hrefs', () => {
  beforeEach(reset);

  it('puts the tag before trailing whitespace (the URL parser drops it), keeping leading whitespace', async () => {
    network();
    const [a, b] = links('  https://www.amazon.com/dp/A\n', 'https://www.amazon.com/dp/B?x=1 \t');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    expect(a!.getAttribute('href')).toBe('  https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(b!.getAttribute('href')).toBe('https://www.amazon.com/dp/B?x=1&tag=janesblog-20');
  });
});
