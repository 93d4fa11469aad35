import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  activate,
  afterDispatch,
  ENDPOINT,
  freshSdk,
  links,
  MARKETPLACES,
  network,
  PAGE_ID,
  reset,
  settle,
  UUID,
} from './helpers.js';
import { validSub } from '../src/url.js';

beforeEach(reset);

const options = { endpoint: ENDPOINT, marketplaces: MARKETPLACES };
const DECORATED = 'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20';

async function setup() {
  const net = network();
  const [link] = links('https://www.amazon.com/dp/B08XYZ1234');
  const sdk = await freshSdk();
  sdk.init('janesblog-20', options);
  await afterDispatch();
  const clicks = () => net.events().filter((e) => e.type === 'click');
  return { net, link: link!, sdk, clicks };
}

describe('activation', () => {
  it.each([
    ['click', 'click'],
    ['ctrl', 'click'],
    ['middle', 'middle'],
    ['keyboard', 'keyboard'],
    ['touch', 'touch'],
    ['contextmenu', 'contextmenu'],
  ] as const)('%s: the link carries a fresh click ID while it is followed, and one %s event is sent', async (how, via) => {
    const { link, clicks, net } = await setup();
    const navigated = activate(link, how);
    const cid = new URL(navigated!).searchParams.get('affil_cid')!;
    expect(navigated).toBe(`${DECORATED}&affil_cid=${cid}`);
    expect(cid).toMatch(UUID);
    await afterDispatch();
    expect(clicks()).toEqual([
      {
        type: 'click',
        id: cid, // the click event's ID is the click ID: the collector matches the merchant's referral to it
        tag: 'janesblog-20',
        url: navigated,
        via,
        // (happy-dom gives events no isTrusted: no trusted field, which never flags.)
        visible: true,
        framed: false,
        dwell: expect.any(Number),
        page: PAGE_ID,
        session: expect.stringMatching(UUID),
        at: expect.any(Number),
        age: expect.any(Number),
      },
    ]);
    expect(net.beacons.at(-1)!.url).toBe(`${ENDPOINT}/v1/events`);
  });

  it('removes the click ID from the visible href once the navigation has read it', async () => {
    const { link } = await setup();
    activate(link, 'click');
    await afterDispatch();
    expect(link.getAttribute('href')).toBe(DECORATED);
  });

  it('keeps the click ID 10 s after a context menu, then removes it', async () => {
    const { link } = await setup();
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    activate(link, 'contextmenu');
    vi.advanceTimersByTime(9_000);
    expect(link.getAttribute('href')).toContain('affil_cid=');
    vi.advanceTimersByTime(1_000);
    expect(link.getAttribute('href')).toBe(DECORATED);
  });

  it('gives every activation its own click ID', async () => {
    const { link, clicks } = await setup();
    activate(link, 'click');
    activate(link, 'middle');
    await afterDispatch();
    const [first, second] = clicks();
    expect(first!.id).not.toBe(second!.id);
    expect(first!.session).toBe(second!.session);
  });

  it('replaces, never repeats, a click ID left by a context menu', async () => {
    const { link, clicks } = await setup();
    activate(link, 'contextmenu');
    await afterDispatch();
    const navigated = activate(link, 'click')!;
    expect(navigated.match(/affil_cid=/g)).toHaveLength(1);
    await afterDispatch();
    expect(clicks()[1]!.url).toBe(navigated);
  });

  it('finds the link from a click on its child', async () => {
    const { link, clicks } = await setup();
    const span = document.createElement('span');
    link.append(span);
    activate(span, 'click');
    await afterDispatch();
    expect(clicks()).toHaveLength(1);
  });

  it('sends nothing, and restores the href, when the page prevented the navigation', async () => {
    const { link, clicks } = await setup();
    activate(link, 'click', (e) => e.preventDefault());
    await afterDispatch();
    expect(clicks()).toEqual([]);
    expect(link.getAttribute('href')).toBe(DECORATED);
  });

  it('ignores right-button auxclick and non-primary click events', async () => {
    const { link, clicks } = await setup();
    link.dispatchEvent(new MouseEvent('auxclick', { bubbles: true, button: 2 }));
    link.dispatchEvent(new MouseEvent('click', { bubbles: true, button: 1 }));
    await afterDispatch();
    expect(clicks()).toEqual([]);
    expect(link.getAttribute('href')).toBe(DECORATED);
  });

  it.each([
    ['https://www.amazon.com/dp/A?tag=someone-20', 'foreign tag'],
    ['https://www.amazon.co.uk/dp/A', 'no tag for the marketplace'],
    ['https://amzn.to/abc', 'short link'],
    ['https://example.com/', 'not a merchant link'],
  ])('does not track %s (%s)', async (href) => {
    const { clicks } = await setup();
    const [other] = links(href);
    await settle();
    activate(other!, 'click');
    await afterDispatch();
    expect(clicks()).toEqual([]);
    expect(other!.getAttribute('href')).toBe(href);
  });

  it('tracks links that already carried our tag, and SVG links', async () => {
    const { clicks } = await setup();
    const [own] = links('https://www.amazon.com/dp/A?tag=janesblog-20');
    document.body.insertAdjacentHTML(
      'beforeend',
      '<svg xmlns="http://www.w3.org/2000/svg"><a href="https://www.amazon.com/dp/S"><text>s</text></a></svg>',
    );
    await settle();
    activate(own!, 'click');
    activate(document.querySelector('svg text')!, 'click');
    await afterDispatch();
    expect(clicks().map((c) => c.url)).toEqual([
      expect.stringMatching(/^https:\/\/www\.amazon\.com\/dp\/A\?tag=janesblog-20&affil_cid=/),
      expect.stringMatching(/^https:\/\/www\.amazon\.com\/dp\/S\?tag=janesblog-20&affil_cid=/),
    ]);
  });

  it('sends the URL as the browser navigates it (absolute)', async () => {
    const { clicks } = await setup();
    const [relative] = links('//www.amazon.com/dp/R');
    await settle();
    activate(relative!, 'click');
    await afterDispatch();
    expect(clicks()[0]!.url).toMatch(/^http:\/\/www\.amazon\.com\/dp\/R\?tag=janesblog-20&affil_cid=/);
  });
});

describe('click integrity signals (SPEC §10)', () => {
  /** The one click sent for an activation of `link`, with `prepare` run on the event first. */
  async function clickOf(link: Element, prepare?: (e: Event) => void) {
    const before = performance.now();
    activate(link, 'click', prepare);
    const after = performance.now();
    await afterDispatch();
    return { click: (await setupClicks)!().at(-1)!, before, after };
  }
  let setupClicks: Promise<() => Record<string, unknown>[]>;

  beforeEach(() => {
    Object.defineProperty(window, 'innerWidth', { value: 1024, configurable: true });
    Object.defineProperty(window, 'innerHeight', { value: 768, configurable: true });
  });

  it('a user activation: trusted, visible, not framed, and the whole ms since the time origin', async () => {
    const { link, clicks } = await setup();
    setupClicks = Promise.resolve(clicks);
    const { click, before, after } = await clickOf(link, (e) => Object.defineProperty(e, 'isTrusted', { value: true }));
    expect(click).toMatchObject({ trusted: true, visible: true, framed: false });
    expect(Number.isInteger(click.dwell)).toBe(true);
    expect(click.dwell).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(click.dwell).toBeLessThanOrEqual(after);
  });

  it('a script activation (dispatchEvent, el.click()) is untrusted', async () => {
    const { link, clicks } = await setup();
    setupClicks = Promise.resolve(clicks);
    const { click } = await clickOf(link, (e) => Object.defineProperty(e, 'isTrusted', { value: false }));
    expect(click.trusted).toBe(false);
  });

  it('a browser that reports no isTrusted sends no trusted field (a missing field never flags)', async () => {
    const { link, clicks } = await setup();
    setupClicks = Promise.resolve(clicks);
    const { click } = await clickOf(link);
    expect(click).not.toHaveProperty('trusted');
  });

  it.each([
    ['a hidden document', { hidden: true }, false],
    ['a viewport 9 px wide', { innerWidth: 9 }, false],
    ['a viewport 9 px high', { innerHeight: 9 }, false],
    ['a viewport of exactly 10×10 px', { innerWidth: 10, innerHeight: 10 }, true],
    ['a 1×1 px viewport (a hidden iframe)', { innerWidth: 1, innerHeight: 1 }, false],
  ])('visible with %s: %s', async (_, page, visible) => {
    const { link, clicks } = await setup();
    setupClicks = Promise.resolve(clicks);
    if ('hidden' in page) vi.spyOn(document, 'hidden', 'get').mockReturnValue(page.hidden!);
    for (const size of ['innerWidth', 'innerHeight'] as const)
      if (size in page) Object.defineProperty(window, size, { value: page[size as keyof typeof page], configurable: true });
    const { click } = await clickOf(link);
    expect(click.visible).toBe(visible);
  });

  it('framed when the page is not the top window', async () => {
    const { link, clicks } = await setup();
    setupClicks = Promise.resolve(clicks);
    const realTop = Object.getOwnPropertyDescriptor(window, 'top');
    Object.defineProperty(window, 'top', { value: {}, configurable: true });
    try {
      const { click } = await clickOf(link);
      expect(click.framed).toBe(true);
    } finally {
      if (realTop) Object.defineProperty(window, 'top', realTop);
      else delete (window as { top?: unknown }).top;
    }
  });
});

describe('sub-IDs (SPEC §10)', () => {
  // The SDK sends the label the page gave (the link's data-affil-sub, else init's sub) as it is; the
  // collector checks it (`validSub`) and drops an invalid one, keeping the click. The end result is
  // SPEC §10's, which the rows below check through `validSub` as the collector applies it.
  async function subOf(options: { sub?: unknown }, attribute?: string): Promise<unknown> {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/B08XYZ1234');
    if (attribute !== undefined) link!.setAttribute('data-affil-sub', attribute);
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { endpoint: ENDPOINT, marketplaces: MARKETPLACES, ...(options as { sub?: string }) });
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    const clicks = net.events().filter((e) => e.type === 'click');
    expect(clicks).toHaveLength(1); // an invalid sub never costs the click
    return clicks[0]!.sub;
  }

  it.each([
    ['the link’s data-affil-sub', {}, 'post-42', 'post-42'],
    ['the page’s init sub', { sub: 'newsletter_2026.12' }, undefined, 'newsletter_2026.12'],
    ['the link’s, over the page’s', { sub: 'page' }, 'link', 'link'],
    ['64 characters', {}, 'a'.repeat(64), 'a'.repeat(64)],
    ['every allowed character', { sub: 'AZaz09._-' }, undefined, 'AZaz09._-'],
  ])('sends %s, which the collector keeps', async (_, options, attribute, sub) => {
    const sent = await subOf(options, attribute);
    expect(sent).toBe(sub);
    expect(validSub(sent)).toBe(sub);
  });

  it('sends no sub when there is none anywhere', async () => {
    expect(await subOf({})).toBeUndefined();
  });

  it.each([
    ['65 characters', {}, 'a'.repeat(65), 'a'.repeat(65)],
    ['a space', {}, 'post 42', 'post 42'],
    ['a slash', { sub: 'a/b' }, undefined, 'a/b'],
    ['non-ASCII letters', {}, 'café', 'café'],
    ['an empty attribute (the link’s own label, so the page’s is not used)', { sub: 'page' }, '', ''],
    ['an invalid link label (not replaced by the page’s)', { sub: 'page' }, 'a b', 'a b'],
    // (As JSON writes it: an object without own fields is `{}`.)
    ['a page sub that is not a string', { sub: { toString: (): string => 'x y' } }, undefined, {}],
    ['a line break at the end', { sub: 'post\n' }, undefined, 'post\n'],
  ])('sends %s as given, with the click, and the collector drops it', async (_, options, attribute, sent) => {
    const sub = await subOf(options, attribute);
    expect(sub).toEqual(sent);
    expect(validSub(sub)).toBeUndefined();
  });
});
