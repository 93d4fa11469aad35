/**
 * Test harness for the browser SDK in happy-dom: a fresh SDK instance per test, captured beacons,
 * and link activations without happy-dom navigating away.
 */
import { vi } from 'vitest';
import { DEFAULT_TAG_PATTERN, type Marketplace } from '../src/url.js';

export const PAGE = 'http://blog.test/posts/cameras?utm_source=x#top';
export const PAGE_ID = 'http://blog.test/posts/cameras';
export const ENDPOINT = 'http://collector.test';
export const MARKETPLACES: Marketplace[] = [
  { id: 'us', hosts: ['amazon.com'], tagSuffix: '-20' },
  { id: 'uk', hosts: ['amazon.co.uk'], tagSuffix: '-21' },
  { id: 'local', hosts: ['localhost:8788'], tagSuffix: '-20' },
];
export const PROGRAM = { endpoint: ENDPOINT, tagPattern: DEFAULT_TAG_PATTERN, marketplaces: MARKETPLACES };
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const happyDOM = (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM;

// Listeners and observers each SDK instance installs on the shared test window, removed between tests.
const listeners: [string, EventListenerOrEventListenerObject, boolean | AddEventListenerOptions | undefined][] = [];
const observers: MutationObserver[] = [];
const realAdd = globalThis.addEventListener.bind(globalThis);
globalThis.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: boolean) => {
  listeners.push([type, listener, options]);
  realAdd(type, listener, options);
}) as typeof globalThis.addEventListener;
// Timers (an SDK's pageview task, a click's cleanup), cancelled between tests: a page load's
// pending work ends with its page, and must not send events into the next test.
const timers: ReturnType<typeof setTimeout>[] = [];
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
  const timer = realSetTimeout(...args);
  timers.push(timer);
  return timer;
}) as typeof setTimeout;
const RealObserver = globalThis.MutationObserver;
globalThis.MutationObserver = class extends RealObserver {
  constructor(callback: MutationCallback) {
    super(callback);
    observers.push(this);
  }
};

/** A beacon as the collector would receive it. */
export interface Beacon {
  url: string;
  body: Record<string, unknown>;
  by: 'beacon' | 'fetch';
}

export interface Network {
  beacons: Beacon[];
  /** The events of every beacon, batches unpacked, each ID once (as the collector counts them). */
  events(): Record<string, unknown>[];
  sendBeacon: ReturnType<typeof vi.fn>;
  fetch: ReturnType<typeof vi.fn>;
}

/**
 * Replaces sendBeacon and fetch. `fetch`: 'ok' answers `status` (default 202), 'reject' fails as a
 * network error does, 'missing' removes it. `keepalive: false` is a browser whose fetch has no
 * keepalive (the SDK then uses sendBeacon, which 'full' makes answer false, as when its quota is
 * full, and 'missing' removes). happy-dom's Request has no keepalive: it is added for the test.
 */
export function network(
  options: { fetch?: 'ok' | 'reject' | 'missing'; status?: number; keepalive?: boolean; beacon?: 'ok' | 'full' | 'missing' } = {},
): Network {
  const beacons: Beacon[] = [];
  const sendBeacon = vi.fn((url: string, body: string) => {
    if (options.beacon === 'full') return false;
    beacons.push({ url, body: JSON.parse(body), by: 'beacon' });
    return true;
  });
  const fetch = vi.fn((url: string, init: RequestInit) => {
    if (options.fetch === 'reject') return Promise.reject(new TypeError('Failed to fetch'));
    beacons.push({ url, body: JSON.parse(init.body as string), by: 'fetch' });
    return Promise.resolve(new Response(null, { status: options.status ?? 202 }));
  });
  Object.defineProperty(navigator, 'sendBeacon', {
    value: options.beacon === 'missing' ? undefined : sendBeacon,
    configurable: true,
  });
  if (options.keepalive !== false && options.fetch !== 'missing') Object.defineProperty(Request.prototype, 'keepalive', { value: true, configurable: true });
  vi.stubGlobal('fetch', options.fetch === 'missing' ? undefined : fetch);
  return {
    beacons,
    // As the collector counts them: an event re-sent (the outbox is at least once) counts once.
    events: () => [...new Map(beacons.flatMap(({ body }) => (body.events as Record<string, unknown>[] | undefined) ?? [body]).map((e) => [e.id, e])).values()],
    sendBeacon,
    fetch,
  };
}

/** Sets a navigator privacy signal (GPC or DNT) for this test. */
export function privacySignal(name: 'globalPrivacyControl' | 'doNotTrack', value: unknown): void {
  Object.defineProperty(navigator, name, { value, configurable: true });
}

/** A new SDK module instance: its state lives for one page load. */
export async function freshSdk(): Promise<typeof import('../src/index.js')> {
  vi.resetModules();
  return import('../src/index.js');
}

/** A clean page: listeners, observers and timers of earlier SDK instances, storage, cookies, stubs. */
export function reset(): void {
  for (const [type, listener, options] of listeners.splice(0)) window.removeEventListener(type, listener, options);
  for (const observer of observers.splice(0)) observer.disconnect();
  for (const timer of timers.splice(0)) clearTimeout(timer);
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  for (const name of ['globalPrivacyControl', 'doNotTrack', 'sendBeacon', 'onLine']) delete (navigator as never as Record<string, unknown>)[name];
  delete (Request.prototype as { keepalive?: boolean }).keepalive;
  delete (window as { Affil?: unknown }).Affil;
  // Cookies are kept per site: expire those of every origin the tests visit.
  for (const origin of ['https://shop.test/', 'http://shop.test/', PAGE]) {
    happyDOM.setURL(origin);
    for (const cookie of document.cookie.split(/; */).filter(Boolean)) {
      document.cookie = `${cookie.split('=')[0]}=; Max-Age=0; Path=/`;
    }
  }
  document.head.innerHTML = '';
  document.body.innerHTML = '';
  localStorage.clear();
  sessionStorage.clear();
}

/** Appends links (`<a>` by default) to the body and returns them. */
export function links(...hrefs: string[]): HTMLAnchorElement[] {
  return hrefs.map((href) => {
    const a = document.createElement('a');
    a.setAttribute('href', href);
    a.textContent = href;
    document.body.append(a);
    return a;
  });
}

/** MutationObserver callbacks and other microtasks. */
export const settle = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

/** Timers of the current task (the SDK's after-dispatch checks) and the microtasks before them. */
export const afterDispatch = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

type Activation = 'click' | 'ctrl' | 'middle' | 'keyboard' | 'touch' | 'contextmenu';

/**
 * Activates `target` like a user would, and returns the href the browser would navigate to (read
 * when dispatch is over, as browsers do). happy-dom follows links synchronously; the test page is put
 * back at once, so `page` stays the blog page, as it does in a browser until the response arrives.
 */
export function activate(target: Element, how: Activation = 'click', listener?: (e: Event) => void): string | null {
  const link = target.closest('a');
  const init = { bubbles: true, cancelable: true, composed: true };
  const event =
    how === 'middle'
      ? new MouseEvent('auxclick', { ...init, button: 1, detail: 1 })
      : how === 'contextmenu'
        ? new MouseEvent('contextmenu', { ...init, button: 2, detail: 1 })
        : how === 'touch'
          ? new PointerEvent('click', { ...init, pointerType: 'touch', detail: 1 })
          : new MouseEvent('click', { ...init, detail: how === 'keyboard' ? 0 : 1, ctrlKey: how === 'ctrl' });
  if (listener) target.addEventListener(event.type, listener);
  target.dispatchEvent(event);
  const navigated = link?.getAttribute('href') ?? null;
  if (listener) target.removeEventListener(event.type, listener);
  happyDOM.setURL(PAGE);
  return navigated;
}

export { DEFAULT_TAG_PATTERN };
