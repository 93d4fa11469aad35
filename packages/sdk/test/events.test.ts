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
import { OUTBOX_CAP, OUTBOX_KEY, OUTBOX_MAX_AGE_MS } from '../src/transport.js';
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
        age: expect.any(Number),
      },
    ]);
    expect(net.beacons[0]).toMatchObject({ url: `${ENDPOINT}/v1/events`, by: 'fetch' });
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
  /** The outbox as stored: the events no 2xx has confirmed yet. */
  const outboxed = (): { type: string; id: string; at: number }[] => JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? '[]');

  it('sends with fetch keepalive and a text/plain string body; each event carries its age; a 2xx empties the outbox', async () => {
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    expect(net.fetch).toHaveBeenCalledWith(`${ENDPOINT}/v1/events`, { method: 'POST', keepalive: true, body: expect.any(String) });
    // A string body: the browser sends it as text/plain, which needs no CORS preflight.
    expect(typeof net.fetch.mock.calls[0]![1].body).toBe('string');
    const [pageview] = net.events();
    expect(pageview).toMatchObject({ type: 'pageview', age: expect.any(Number) });
    expect(Number.isInteger(pageview!.age) && (pageview!.age as number) >= 0).toBe(true);
    expect(outboxed()).toEqual([]);
  });

  it.each([
    ['fails (collector unreachable)', { fetch: 'reject' }],
    ['is answered 503', { status: 503 }],
    ['is answered 429', { status: 429 }],
  ] as const)('keeps events whose request %s, and sends them on the next page load with their real age', async (_, failure) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    network(failure);
    const [link] = links('https://www.amazon.com/dp/A');
    let sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    const kept = outboxed();
    expect(kept.map((e) => e.type)).toEqual(['pageview', 'click']);

    // The reader comes back an hour later: everything unconfirmed goes with the new pageview.
    const later = Date.now() + 3_600_000;
    reset();
    vi.useFakeTimers({ toFake: ['Date'], now: later });
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(kept));
    const net = network();
    sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.beacons).toHaveLength(1);
    const sent = net.events();
    expect(sent.map((e) => e.id)).toEqual([...kept.map((e) => e.id), expect.any(String)]);
    // Created an hour ago: the collector dates them receive time − age.
    expect(sent[0]).toMatchObject({ at: kept[0]!.at, age: 3_600_000 });
    expect(sent[2]!.age).toBe(0);
    expect(outboxed()).toEqual([]);
  });

  it('never sends a negative age, even after the clock was set back', async () => {
    const net = network();
    localStorage.setItem(OUTBOX_KEY, JSON.stringify([{ type: 'pageview', id: 'e1d4f6a0-8a0e-4c3e-9d6b-1f2a3b4c5d6e', tag: 'janesblog-20', links: 0, at: Date.now() + 60_000 }]));
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    const [future, pageview] = net.events();
    expect(future).toMatchObject({ type: 'pageview', links: 0, age: 0 });
    expect(pageview!.age).toBeGreaterThanOrEqual(0);
  });

  it('sends with fetch also where keepalive is missing (never sendBeacon); a 2xx confirms the events', async () => {
    const net = network({ keepalive: false });
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.sendBeacon).not.toHaveBeenCalled();
    expect(net.beacons).toMatchObject([{ by: 'fetch', body: { events: [{ type: 'pageview', age: expect.any(Number) }] } }]);
    await afterDispatch();
    expect(outboxed()).toEqual([]);
  });

  it('keeps every event when requests fail at the same time, and removes only what a 2xx confirmed', async () => {
    const net = network();
    // Requests the test settles: each answers (a status) or fails (network error).
    const requests: { events: { type: string }[]; answer(status?: number): void; fail(): void }[] = [];
    net.fetch.mockImplementation(
      (_url: string, init: RequestInit) =>
        new Promise((resolve, reject) =>
          requests.push({
            events: JSON.parse(init.body as string).events,
            answer: (status = 202) => resolve(new Response(null, { status })),
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
    // Each request carries what the outbox held when it went: pageview; pageview, click; and all three.
    expect(requests.map((r) => r.events.map((e) => e.type))).toEqual([['pageview'], ['pageview', 'click'], ['pageview', 'click', 'click']]);
    const types = () => outboxed().map((e) => e.type);

    // All three fail, one way or another: nothing is lost.
    requests[0]!.fail();
    requests[1]!.answer(503);
    requests[2]!.answer(500);
    await afterDispatch();
    expect(types()).toEqual(['pageview', 'click', 'click']);

    // The next event's request carries them all; an older request answering removes only its own.
    requests.length = 0;
    activate(a!, 'click');
    await afterDispatch();
    expect(requests.map((r) => r.events.length)).toEqual([4]);
    activate(b!, 'click');
    await afterDispatch();
    requests[0]!.answer();
    await afterDispatch();
    expect(types()).toEqual(['click']);
    // The request that carried the last one answers: the outbox is empty.
    requests[1]!.answer();
    await afterDispatch();
    expect(outboxed()).toEqual([]);
  });

  it('caps the outbox at 50 events and 9,000 characters, the oldest going first', async () => {
    network({ fetch: 'reject' });
    const old = (i: number) => ({ type: 'pageview', id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, tag: 'janesblog-20', links: 0, at: Date.now() - 1000 + i });
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(Array.from({ length: 50 }, (_, i) => old(i))));
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    const kept = outboxed();
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(localStorage.getItem(OUTBOX_KEY)!.length).toBeLessThanOrEqual(OUTBOX_CAP);
    // The newest (this load's pageview) is kept, and what was dropped was the oldest.
    expect(kept.at(-1)).toMatchObject({ type: 'pageview', links: 0, page: PAGE_ID });
    expect(kept[0]!.id).toBe(old(50 - kept.length + 1).id);
  });

  it('drops events older than 7 days unsent, and a damaged outbox without throwing', async () => {
    const net = network();
    const stale = { type: 'pageview', id: '00000000-0000-4000-8000-000000000001', tag: 'janesblog-20', links: 0, at: Date.now() - OUTBOX_MAX_AGE_MS - 1 };
    localStorage.setItem(OUTBOX_KEY, JSON.stringify([stale]));
    let sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.events().map((e) => e.id)).not.toContain(stale.id);
    expect(net.events()).toHaveLength(1);

    reset();
    const again = network();
    localStorage.setItem(OUTBOX_KEY, '{"type":"pageview"},{broken');
    sdk = await freshSdk();
    expect(() => sdk.init('janesblog-20', options)).not.toThrow();
    await afterDispatch();
    expect(again.events().map((e) => e.type)).toEqual(['pageview']);
    expect(outboxed()).toEqual([]);
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
    activate(link!, 'click');
    await afterDispatch();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
  });

  it('sends what it can when storage is blocked (nothing to keep it in)', async () => {
    const net = network();
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.events().map((e) => e.type)).toEqual(['pageview']);
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

  it('consent(false) empties the outbox and forgets the session: nothing of the reader stays behind', async () => {
    network({ fetch: 'reject' });
    const [link] = links('https://www.amazon.com/dp/A');
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    activate(link!, 'click');
    await afterDispatch();
    expect(localStorage.getItem(OUTBOX_KEY)).toContain('"type":"click"');
    sdk.consent(false);
    await afterDispatch();
    expect(localStorage.length + sessionStorage.length).toBe(0);
    activate(link!, 'click');
    await afterDispatch();
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it.each([
    ['globalPrivacyControl', true],
    ['doNotTrack', '1'],
  ] as const)('%s empties an outbox an earlier visit left, unsent', async (signal, value) => {
    localStorage.setItem(OUTBOX_KEY, JSON.stringify([{ type: 'pageview', id: '00000000-0000-4000-8000-000000000001', tag: 'janesblog-20', links: 0, at: Date.now() }]));
    sessionStorage.setItem(SESSION_KEY, `00000000-0000-4000-8000-000000000002 ${Date.now()}`);
    privacySignal(signal, value);
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', options);
    await afterDispatch();
    expect(net.beacons).toEqual([]);
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it("consent: 'pending' keeps an earlier visit's outbox, unsent, until consent(true) sends it", async () => {
    const earlier = { type: 'pageview', id: '00000000-0000-4000-8000-000000000001', tag: 'janesblog-20', links: 0, at: Date.now() };
    localStorage.setItem(OUTBOX_KEY, JSON.stringify([earlier]));
    const net = network();
    const sdk = await freshSdk();
    sdk.init('janesblog-20', { ...options, consent: 'pending' });
    await afterDispatch();
    expect(net.beacons).toEqual([]);
    expect(localStorage.getItem(OUTBOX_KEY)).toContain(earlier.id);
    sdk.consent(true);
    await afterDispatch();
    expect(net.events().map((e) => e.id)).toEqual([earlier.id, expect.any(String)]);
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
    expect(Object.keys(net.events()[0]!).sort()).toEqual(['age', 'at', 'id', 'links', 'page', 'session', 'tag', 'type']);
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
