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
