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
  privacySignal,
  reset,
  UUID,
} from './helpers.js';
import { QUEUE_CAP, QUEUE_KEY } from '../src/transport.js';
import { SESSION_IDLE_MS, SESSION_KEY } from '../src/session.js';

beforeEach(reset);

const options = { endpoint: ENDPOINT, marketplaces: MARKETPLACES };

describe('pageview', () => {
  it('is sent once per page load, counting the affiliate links', async () => {
    const net = network();
    links(
      'https://www.amazon.com/dp/A',
      'https://www.amazon.com/dp/B?tag=janesblog-20',
      'https://www.amazon.com/dp/C?tag=someone-20',
      'https://www.amazon.co.uk/dp/D',
      'https://example.com/',
    );
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    sdk.init('janesblog-20', { ...options, tags: { uk: 'janesblog-21' } });
    await afterDispatch();
    expect(net.events()).toEqual([
      {
        type: 'pageview',
        id: expect.stringMatching(UUID),
        tag: 'janesblog-20',
        page: PAGE_ID,
        session: expect.stringMatching(UUID),
        links: 2,
        at: expect.any(Number),
      },
    ]);
    expect(net.beacons[0]).toMatchObject({ url: `${ENDPOINT}/v1/events`, by: 'beacon' });
  });

  it('waits for the document to be parsed before counting', async () => {
    const net = network();
    const readyState = vi.spyOn(document, 'readyState', 'get').mockReturnValue('loading');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    links('https://www.amazon.com/dp/A', 'https://www.amazon.com/dp/B');
    expect(net.events()).toEqual([]);
    readyState.mockReturnValue('interactive');
    document.dispatchEvent(new Event('DOMContentLoaded', { bubbles: true }));
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview', links: 2 }]);
  });

  it('has page = origin + path only: no query, no fragment', async () => {
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.events()[0]!.page).toBe(PAGE_ID);
  });
});

describe('transport', () => {
  it('falls back to fetch with keepalive when sendBeacon refuses', async () => {
    const net = network({ beacon: 'full' });
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.sendBeacon).toHaveBeenCalledTimes(1);
    expect(net.fetch).toHaveBeenCalledWith(`${ENDPOINT}/v1/events`, {
      method: 'POST',
      keepalive: true,
      body: expect.stringContaining('"type":"pageview"'),
    });
    expect(net.beacons).toMatchObject([{ by: 'fetch', body: { events: [{ type: 'pageview' }] } }]);
  });

  it('falls back to fetch when sendBeacon is missing', async () => {
    const net = network({ beacon: 'missing' });
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.beacons).toMatchObject([{ by: 'fetch', body: { events: [{ type: 'pageview' }] } }]);
  });

  it('queues events while the browser is offline (sendBeacon would take them and lose them)', async () => {
    const net = network();
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true });
    const [link] = links('https://www.amazon.com/dp/A');
    let sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'middle');
    await afterDispatch();
    expect(net.beacons).toEqual([]);
    const queued = JSON.parse(`[${localStorage.getItem(QUEUE_KEY)}]`) as { type: string; id: string }[];
    expect(queued.map((e) => e.type)).toEqual(['pageview', 'click']);

    // Next page load, online again.
    delete (navigator as { onLine?: boolean }).onLine;
    sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.events().map((e) => e.id)).toEqual([...queued.map((e) => e.id), expect.any(String)]);
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
  });

  it('queues what nothing could hand off and sends it with the next page load, as a batch', async () => {
    network({ beacon: 'missing', fetch: 'missing' });
    const [link] = links('https://www.amazon.com/dp/A');
    let sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    const queued = JSON.parse(`[${localStorage.getItem(QUEUE_KEY)}]`);
    expect(queued.map((e: { type: string }) => e.type)).toEqual(['pageview', 'click']);

    // Next page load.
    reset();
    localStorage.setItem(QUEUE_KEY, queued.map((e: unknown) => JSON.stringify(e)).join(','));
    const net = network();
    sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.beacons).toHaveLength(1);
    expect(net.beacons[0]!.body).toEqual({ events: [...queued, expect.objectContaining({ type: 'pageview' })] });
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
  });

  it('queues events whose fetch failed', async () => {
    network({ beacon: 'full', fetch: 'reject' });
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(localStorage.getItem(QUEUE_KEY)).toContain('"type":"pageview"');
  });

  it('keeps every event when requests fail at the same time, and empties the queue only of what went out', async () => {
    const net = network({ beacon: 'missing' });
    // Requests the test settles: each answers (a collector's 202) or fails (network error).
    const requests: { events: { type: string }[]; answer(): void; fail(): void }[] = [];
    net.fetch.mockImplementation(
      (_url: string, init: RequestInit) =>
        new Promise((resolve, reject) =>
          requests.push({
            events: JSON.parse(init.body as string).events,
            answer: () => resolve(new Response(null, { status: 202 })),
            fail: () => reject(new TypeError('Failed to fetch')),
          }),
        ),
    );
    const [a, b] = links('https://www.amazon.com/dp/A', 'https://www.amazon.com/dp/B');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(a!, 'middle');
    activate(b!, 'middle');
    await afterDispatch();
    // Each request carries what the queue held when it went: pageview; pageview, click; and all three.
    expect(requests.map((r) => r.events.map((e) => e.type))).toEqual([['pageview'], ['pageview', 'click'], ['pageview', 'click', 'click']]);
    const queued = () => JSON.parse(`[${localStorage.getItem(QUEUE_KEY) ?? ''}]`).map((e: { type: string }) => e.type);

    // All three fail: nothing is lost (each failure used to put back only its own snapshot).
    for (const r of requests) r.fail();
    await afterDispatch();
    expect(queued()).toEqual(['pageview', 'click', 'click']);

    // The next event's request carries them all; an older one answering does not empty the queue.
    requests.length = 0;
    activate(a!, 'click');
    await afterDispatch();
    expect(requests.map((r) => r.events.length)).toEqual([4]);
    activate(b!, 'click');
    await afterDispatch();
    requests[0]!.answer();
    await afterDispatch();
    expect(queued()).toEqual(['pageview', 'click', 'click', 'click', 'click']);
    // The request that carried everything answers: the queue is empty.
    requests[1]!.answer();
    await afterDispatch();
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
  });

  it('caps the queue', async () => {
    network({ beacon: 'missing', fetch: 'missing' });
    localStorage.setItem(QUEUE_KEY, 'x'.repeat(QUEUE_CAP - 10));
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    // The new event is dropped, what was queued stays.
    expect(localStorage.getItem(QUEUE_KEY)!.length).toBe(QUEUE_CAP - 10);
  });

  it('sends nothing, and never throws, when storage and network are both unavailable', async () => {
    network({ beacon: 'missing', fetch: 'missing' });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    const [link] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    expect(() => sdk.init('janesblog-20', options)).not.toThrow();
    await afterDispatch();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
  });
});

describe('session', () => {
  it('is kept in sessionStorage and shared by the events of a tab', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    const [pageview, click] = net.events();
    expect(click!.session).toBe(pageview!.session);
    expect(sessionStorage.getItem(SESSION_KEY)).toMatch(new RegExp(`^${pageview!.session} \\d+$`));
    expect(document.cookie).toBe('');
  });

  it('continues across page loads and ends after 30 idle minutes', async () => {
    const { session } = await import('../src/session.js');
    const first = session(1_000);
    expect(session(1_000 + SESSION_IDLE_MS - 1)).toBe(first);
    const renewed = session(1_000 + 2 * SESSION_IDLE_MS);
    expect(renewed).not.toBe(first);
    expect(renewed).toMatch(UUID);
  });
});

describe('privacy', () => {
  it("consent: 'pending' stores and sends nothing until consent(true), and decorates anyway", async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, consent: 'pending' });
    await afterDispatch();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    activate(link!, 'click');
    await afterDispatch();
    expect(net.beacons).toEqual([]);
    expect(sessionStorage.length + localStorage.length).toBe(0);

    sdk.consent(true);
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview', links: 1 }]);
    activate(link!, 'click');
    await afterDispatch();
    expect(net.events().map((e) => e.type)).toEqual(['pageview', 'click']);

    sdk.consent(false);
    activate(link!, 'click');
    await afterDispatch();
    expect(net.events()).toHaveLength(2);
  });

  it.each([
    ['globalPrivacyControl', true],
    ['doNotTrack', '1'],
  ] as const)('%s suppresses events and storage, not decoration', async (signal, value) => {
    privacySignal(signal, value);
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(net.beacons).toEqual([]);
    expect(sessionStorage.length + localStorage.length).toBe(0);
  });

  it('respectGpc: false sends despite GPC', async () => {
    privacySignal('globalPrivacyControl', true);
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, respectGpc: false });
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview' }]);
  });

  it('keeps personal data out: no cookie, no query string, no user agent', async () => {
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(Object.keys(net.events()[0]!).sort()).toEqual(['at', 'id', 'links', 'page', 'session', 'tag', 'type']);
  });
});

describe('debug', () => {
  it('logs events with debug: true, and nothing without', async () => {
    network();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(log).not.toHaveBeenCalled();
    reset();
    network();
    const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, debug: true });
    await afterDispatch();
    expect(logged).toHaveBeenCalledWith('[affil]', expect.objectContaining({ type: 'pageview' }));
  });

  it('logs with ?affil_debug=1 in the page URL', async () => {
    network();
    (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL('http://blog.test/p?affil_debug=1');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(log).toHaveBeenCalled();
  });
});
