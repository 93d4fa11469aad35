import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINT, freshSdk, network, reset } from './helpers.js';

beforeEach(reset);

const CID = '0193a3c4-7d2e-4b1a-9c3d-1234567890ab';
const OTHER_CID = '11111111-2222-4333-8444-555555555555';
const happyDOM = (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM;
const options = { endpoint: ENDPOINT };

/** The referral cookie as the browser keeps it (value only). */
const cookie = (): string | undefined =>
  document.cookie
    .split(/; */)
    .find((c) => c.startsWith('affil_ref='))
    ?.slice('affil_ref='.length);

const setCookie = (value: string): void => {
  document.cookie = `affil_ref=${value}; Path=/`;
};

describe('merchant landing', () => {
  it('stores the referral and sends a landing event', async () => {
    const net = network();
    happyDOM.setURL(`https://shop.test/product/1?tag=janesblog-20&affil_cid=${CID}&utm=x`);
    const before = Date.now();
    const sdk = await freshSdk();
    const referral = sdk.merchant(options);
    expect(referral).toEqual({ clickId: CID, tag: 'janesblog-20', clickedAt: expect.any(String) });
    expect(Date.parse(referral!.clickedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(referral!.clickedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.parse(decodeURIComponent(cookie()!))).toEqual(referral);
    expect(net.events()).toEqual([
      {
        type: 'landing',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        click: CID,
        tag: 'janesblog-20',
        page: 'https://shop.test/product/1',
        at: expect.any(Number),
        age: expect.any(Number),
      },
    ]);
    expect(net.events()[0]!.id).not.toBe(CID);
  });

  it('writes a first-party, 24-hour, Lax cookie, Secure on https', async () => {
    network();
    const written: string[] = [];
    vi.spyOn(document, 'cookie', 'set').mockImplementation((value) => void written.push(value));
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    let sdk = await freshSdk();
    sdk.merchant(options);
    expect(written[0]).toMatch(/^affil_ref=[^;]+; Max-Age=86400; Path=\/; SameSite=Lax; Secure$/);

    reset();
    network();
    vi.spyOn(document, 'cookie', 'set').mockImplementation((value) => void written.push(value));
    happyDOM.setURL(`http://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    sdk = await freshSdk();
    sdk.merchant(options);
    expect(written[1]).toMatch(/; SameSite=Lax$/);
  });

  it('lets the newest click replace an older referral', async () => {
    network();
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    let sdk = await freshSdk();
    sdk.merchant(options);
    happyDOM.setURL(`https://shop.test/?tag=otherblog-20&affil_cid=${OTHER_CID}`);
    sdk = await freshSdk();
    expect(sdk.merchant(options)).toMatchObject({ clickId: OTHER_CID, tag: 'otherblog-20' });
  });

  it('keeps the first landing time and sends nothing more on a reload', async () => {
    const net = network();
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    let sdk = await freshSdk();
    const first = sdk.merchant(options);
    sdk = await freshSdk();
    expect(sdk.merchant(options)).toEqual(first);
    expect(net.events()).toHaveLength(1);
  });

  it('re-sends, on any page load, what an earlier page could not deliver (a 503 keeps it)', async () => {
    network({ status: 503 });
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    let sdk = await freshSdk();
    sdk.merchant(options);
    sdk.cartAdd('B08XYZ1234');
    await new Promise((resolve) => setTimeout(resolve));
    expect(JSON.parse(localStorage.getItem('affil_queue')!).map((e: { type: string }) => e.type)).toEqual(['landing', 'cart_add']);

    // Another page of the shop, the collector back: both go, and a 2xx empties the outbox.
    const net = network();
    happyDOM.setURL('https://shop.test/cart');
    sdk = await freshSdk();
    sdk.merchant(options);
    await new Promise((resolve) => setTimeout(resolve));
    expect(net.beacons).toHaveLength(1);
    expect(net.events().map((e) => e.type)).toEqual(['landing', 'cart_add']);
    expect(JSON.parse(localStorage.getItem('affil_queue')!)).toEqual([]);
    // Nothing left: the next page sends nothing.
    sdk = await freshSdk();
    sdk.merchant(options);
    expect(net.beacons).toHaveLength(1);
  });

  it('logs what it does with debug: true, and nothing without', async () => {
    network();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    let sdk = await freshSdk();
    sdk.merchant(options);
    expect(log).not.toHaveBeenCalled();
    reset();
    network();
    const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    sdk = await freshSdk();
    sdk.merchant({ ...options, debug: true });
    expect(logged).toHaveBeenCalledWith('[affil]', expect.objectContaining({ type: 'landing', click: CID }));
  });

  it.each([
    ['no click ID', '?tag=janesblog-20'],
    ['no tag', `?affil_cid=${CID}`],
    ['a click ID that is no UUID', '?tag=janesblog-20&affil_cid=12345'],
    ['a malformed tag', `?tag=Janes%20Blog&affil_cid=${CID}`],
  ])('ignores a landing URL with %s', async (_, query) => {
    const net = network();
    happyDOM.setURL(`https://shop.test/${query}`);
    const sdk = await freshSdk();
    expect(sdk.merchant(options)).toBeNull();
    expect(cookie()).toBeUndefined();
    expect(net.beacons).toEqual([]);
  });
});

describe('referral()', () => {
  const valid = { clickId: CID, tag: 'janesblog-20', clickedAt: '2026-11-20T09:00:00.000Z' };

  it('reads back what was stored', async () => {
    setCookie(encodeURIComponent(JSON.stringify(valid)));
    const sdk = await freshSdk();
    expect(sdk.referral()).toEqual(valid);
  });

  it.each([
    ['not JSON', '%7Bnot json'],
    ['bad percent-encoding', '%E0%A4%A'],
    ['JSON null', 'null'],
    ['an array', encodeURIComponent('[1,2]')],
    ['a click ID that is no UUID', encodeURIComponent(JSON.stringify({ ...valid, clickId: 'x' }))],
    ['a malformed tag', encodeURIComponent(JSON.stringify({ ...valid, tag: '<script>' }))],
    ['a tag that is no string', encodeURIComponent(JSON.stringify({ ...valid, tag: 20 }))],
    ['a date that is no date', encodeURIComponent(JSON.stringify({ ...valid, clickedAt: 'yesterday' }))],
    ['a date in another format', encodeURIComponent(JSON.stringify({ ...valid, clickedAt: '2026-11-20' }))],
    ['a missing field', encodeURIComponent(JSON.stringify({ clickId: CID, tag: 'janesblog-20' }))],
  ])('answers null, never throws, for a tampered cookie: %s', async (_, value) => {
    setCookie(value);
    const sdk = await freshSdk();
    expect(sdk.referral()).toBeNull();
  });

  it('drops fields it does not know', async () => {
    setCookie(encodeURIComponent(JSON.stringify({ ...valid, admin: true })));
    const sdk = await freshSdk();
    expect(sdk.referral()).toEqual(valid);
  });

  it('answers null without a cookie', async () => {
    const sdk = await freshSdk();
    expect(sdk.referral()).toBeNull();
  });
});

describe('cartAdd()', () => {
  it('sends cart_add tied to the referral', async () => {
    const net = network();
    happyDOM.setURL(`https://shop.test/?tag=janesblog-20&affil_cid=${CID}`);
    const sdk = await freshSdk();
    sdk.merchant(options);
    sdk.cartAdd('B08XYZ1234');
    expect(net.events()[1]).toEqual({ type: 'cart_add', id: expect.any(String), click: CID, sku: 'B08XYZ1234', at: expect.any(Number), age: expect.any(Number) });
  });

  it('keeps the referral for the 90-day cart window when the item is added within 24 h of the click', async () => {
    network();
    const written: string[] = [];
    setCookie(encodeURIComponent(JSON.stringify({ clickId: CID, tag: 'janesblog-20', clickedAt: new Date().toISOString() })));
    vi.spyOn(document, 'cookie', 'set').mockImplementation((value) => void written.push(value));
    const sdk = await freshSdk();
    sdk.cartAdd('SKU');
    expect(written[0]).toContain('; Max-Age=7776000;');
  });

  it('sends nothing without a referral', async () => {
    const net = network();
    const sdk = await freshSdk();
    sdk.cartAdd('SKU');
    expect(net.beacons).toEqual([]);
  });
});
