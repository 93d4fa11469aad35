import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClock, DAY, GOOGLEBOT_UA, HOUR, useCollectors, type Json } from '../helpers/collector.js';
import { BOOK, CAMERA, cartAddEvent, clickEvent, expectProblem, iso, orderBody, TEST_MARKETPLACES, workedExampleItems } from '../helpers/fixtures.js';

const start = useCollectors();
const CLICK_AT = Date.parse('2026-11-20T09:00:00Z');

/**
 * A collector at 2026-11-20 09:00 UTC with Jane (janesblog-20 in `us`), and a helper that places
 * an order at a time relative to the click: the clock moves there, and `orderedAt` says so.
 */
async function program(options: { userAgent?: string; clickTag?: string; clickUrl?: string } = {}) {
  const clock = createClock(CLICK_AT);
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  const click = clickEvent(options.clickTag ?? 'janesblog-20', options.clickUrl ? { url: options.clickUrl } : {});
  const beacon = await c.beacon(click, options.userAgent ? { userAgent: options.userAgent } : {});
  expect(beacon.body.accepted).toBe(1);

  async function order(afterClick: number, o: { marketplace?: string; currency?: string; items?: Json[]; referral?: Json | null } = {}) {
    clock.set(CLICK_AT + Math.max(afterClick, 0));
    const body = orderBody({
      orderedAt: iso(CLICK_AT + afterClick),
      ...(o.referral === null ? {} : { referral: o.referral ?? { clickId: click.id, tag: click.tag, clickedAt: iso(CLICK_AT) } }),
      ...(o.marketplace ? { marketplace: o.marketplace } : {}),
      ...(o.currency ? { currency: o.currency } : {}),
      ...(o.items ? { items: o.items } : {}),
    });
    const reply = await c.signed('/v1/orders', body);
    expect(reply.status, reply.text).toBe(201);
    return reply.body;
  }
  return { c, clock, jane, click, order };
}

const reasons = (answer: Json): string[] => answer.lines.map((l: { reason: string }) => l.reason);

function expectNothingCredited(answer: Json, reason: string) {
  expect(answer).toMatchObject({ attributed: false, rule: 'none', commission: 0 });
  expect(answer.creditedTag ?? null).toBeNull();
  for (const line of answer.lines) expect(line).toMatchObject({ attributed: false, reason, commission: 0 });
}

describe('attribution over HTTP (SPEC §5)', () => {
  it('uses the real time of a click the browser re-sent later (age): its click window, not the arrival', async () => {
    const clock = createClock(CLICK_AT);
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    // Clicked at 09:00, the collector unreachable; the blog's next page load re-sends it 23 hours later.
    const click = { ...clickEvent('janesblog-20'), at: CLICK_AT };
    clock.set(CLICK_AT + 23 * HOUR);
    expect((await c.beacon({ ...click, age: 23 * HOUR })).body.accepted).toBe(1);
    // Ordered 25 hours after the click: outside the 24-hour click window (it would be inside, counted from the arrival).
    clock.set(CLICK_AT + 25 * HOUR);
    const reply = await c.signed('/v1/orders', orderBody({ orderedAt: iso(CLICK_AT + 25 * HOUR), referral: { clickId: click.id, tag: 'janesblog-20', clickedAt: iso(CLICK_AT + 23 * HOUR) } }));
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({ attributed: false, rule: 'none' });
    expect(reasons(reply.body)).toEqual(['outside_window', 'outside_window']);
  });

  it('stores an order without referral, unattributed (rule none, reason no_referral)', async () => {
    const { c, order } = await program();
    const answer = await order(6 * HOUR, { referral: null });
    expectNothingCredited(answer, 'no_referral');
    expect(answer.account ?? null).toBeNull();
    const stored = await c.admin('GET', `/v1/orders/${answer.orderId}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ attributed: false, rule: 'none' });
    expect(stored.body.lines.map((l: { reason: string }) => l.reason)).toEqual(['no_referral', 'no_referral']);
  });

  it('credits an unverified referral (click never recorded) by its tag and clickedAt, flagged', async () => {
    const { jane, order } = await program();
    const answer = await order(6 * HOUR, { referral: { clickId: randomUUID(), tag: 'janesblog-20', clickedAt: iso(CLICK_AT + HOUR) } });
    expect(answer).toMatchObject({ attributed: true, rule: 'click_window', unverifiedReferral: true, creditedTag: 'janesblog-20', account: jane.id, commission: 2113 });
    expect(reasons(answer)).toEqual(['ordered_within_click_window', 'ordered_within_click_window']);
  });

  it('credits an unverified referral that carries no clickId at all', async () => {
    const { order } = await program();
    const answer = await order(6 * HOUR, { referral: { tag: 'janesblog-20', clickedAt: iso(CLICK_AT) } });
    expect(answer).toMatchObject({ attributed: true, rule: 'click_window', unverifiedReferral: true, commission: 2113 });
  });

  it('applies the click window to an unverified referral by its clickedAt', async () => {
    const { order } = await program();
    const answer = await order(6 * HOUR, { referral: { clickId: randomUUID(), tag: 'janesblog-20', clickedAt: iso(CLICK_AT + 6 * HOUR - 25 * HOUR) } });
    expect(answer.unverifiedReferral).toBe(true);
    expectNothingCredited(answer, 'outside_window');
  });

  it("uses a stored click's own time and tag, not the callback's clickedAt and tag", async () => {
    const { c, click, order } = await program();
    await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    // The merchant's captured clickedAt says 10 days ago; the stored click is 6 h old.
    const answer = await order(6 * HOUR, { referral: { clickId: click.id, tag: 'bobsreviews-20', clickedAt: iso(CLICK_AT - 10 * DAY) } });
    expect(answer).toMatchObject({ attributed: true, rule: 'click_window', tag: 'janesblog-20', creditedTag: 'janesblog-20', commission: 2113 });
    expect(answer.unverifiedReferral ?? false).toBe(false);
  });

  it('does not credit a click after the order (click_after_order)', async () => {
    const { order } = await program();
    expectNothingCredited(await order(-HOUR), 'click_after_order');
  });

  it('does not credit an unverified referral clicked after the order (click_after_order)', async () => {
    const { order } = await program();
    const answer = await order(6 * HOUR, { referral: { clickId: randomUUID(), tag: 'janesblog-20', clickedAt: iso(CLICK_AT + 7 * HOUR) } });
    expectNothingCredited(answer, 'click_after_order');
  });

  it('credits every line ordered exactly 24 h after the click (the window is inclusive)', async () => {
    const { order } = await program();
    const answer = await order(24 * HOUR);
    expect(answer).toMatchObject({ attributed: true, rule: 'click_window', commission: 2113 });
  });

  it('credits nothing ordered 25 h after the click (outside_window)', async () => {
    const { order } = await program();
    expectNothingCredited(await order(25 * HOUR), 'outside_window');
  });

  it('credits, 25 h after the click, only the line added to the cart within 24 h of it (cart_window)', async () => {
    const { order } = await program();
    const [camera, book] = workedExampleItems();
    const answer = await order(25 * HOUR, { items: [{ ...camera, cartAddedAt: iso(CLICK_AT + 2 * HOUR) }, book] });
    expect(answer).toMatchObject({ attributed: true, rule: 'cart_window', creditedTag: 'janesblog-20', commission: 1996 });
    expect(answer.lines).toEqual([
      expect.objectContaining({ lineId: '1', attributed: true, direct: true, reason: 'added_to_cart_within_click_window', rateBp: 400, commission: 1996 }),
      expect.objectContaining({ lineId: '2', attributed: false, reason: 'outside_window', commission: 0 }),
    ]);
  });

  it('keeps a cart-window line for 90 days after the cart add, not longer', async () => {
    const { order } = await program();
    const [camera] = workedExampleItems();
    const addedAt = CLICK_AT + 2 * HOUR;
    const inTime = await order(2 * HOUR + 89 * DAY, { items: [{ ...camera, cartAddedAt: iso(addedAt) }] });
    expect(inTime).toMatchObject({ rule: 'cart_window', commission: 1996 });
    const late = await order(2 * HOUR + 91 * DAY, { items: [{ ...camera, cartAddedAt: iso(addedAt) }] });
    expectNothingCredited(late, 'outside_window');
  });

  it('does not credit a cart add more than 24 h after the click', async () => {
    const { order } = await program();
    const [camera] = workedExampleItems();
    expectNothingCredited(await order(3 * DAY, { items: [{ ...camera, cartAddedAt: iso(CLICK_AT + 25 * HOUR) }] }), 'outside_window');
  });

  it('credits a line from a cart_add beacon for the click and sku (cart_window)', async () => {
    const { c, clock, click, order } = await program();
    clock.set(CLICK_AT + HOUR);
    expect((await c.beacon(cartAddEvent(click.id, CAMERA))).body.accepted).toBe(1);
    const answer = await order(3 * DAY);
    expect(answer).toMatchObject({ attributed: true, rule: 'cart_window', commission: 1996 });
    expect(reasons(answer)).toEqual(['added_to_cart_within_click_window', 'outside_window']);
  });

  it('credits a line from a cart_add beacon for an unverified referral too (its click beacon never arrived)', async () => {
    const { c, clock, order } = await program();
    const lost = randomUUID();
    clock.set(CLICK_AT + HOUR);
    expect((await c.beacon(cartAddEvent(lost.toUpperCase(), CAMERA))).body.accepted).toBe(1);
    const answer = await order(3 * DAY, { referral: { clickId: lost, tag: 'janesblog-20', clickedAt: iso(CLICK_AT) } });
    expect(answer).toMatchObject({ attributed: true, rule: 'cart_window', unverifiedReferral: true, commission: 1996 });
    expect(reasons(answer)).toEqual(['added_to_cart_within_click_window', 'outside_window']);
  });

  it("credits a cross-marketplace order to the account's tag there, at that marketplace's rates", async () => {
    const { c, jane, order } = await program();
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    const answer = await order(6 * HOUR, { marketplace: 'uk', currency: 'GBP' });
    // uk: electronics 250 bp → 49900 × 2.5% = 1247.5 → 1248 (half to even); books 500 bp → 2598 × 5% = 129.9 → 130.
    expect(answer).toMatchObject({ attributed: true, rule: 'click_window', tag: 'janesblog-20', creditedTag: 'janesblog-21', account: jane.id, currency: 'GBP', commission: 1378 });
    expect(answer.lines).toEqual([
      expect.objectContaining({ lineId: '1', attributed: true, rateBp: 250, commission: 1248 }),
      expect.objectContaining({ lineId: '2', attributed: true, rateBp: 500, commission: 130 }),
    ]);
  });

  it('credits nothing in a marketplace where the account has no tag (marketplace_not_enabled)', async () => {
    const { c, order } = await program();
    // Another account's uk tag does not help Jane.
    await c.setupAccount('Bob', 'bobsreviews-21', 'uk');
    expectNothingCredited(await order(6 * HOUR, { marketplace: 'uk', currency: 'GBP' }), 'marketplace_not_enabled');
  });

  it('credits nothing for a bot click (bot_click)', async () => {
    const { order } = await program({ userAgent: GOOGLEBOT_UA });
    expectNothingCredited(await order(6 * HOUR), 'bot_click');
  });

  it('credits nothing for a click with an unregistered tag (unregistered_tag)', async () => {
    const { order } = await program({ clickTag: 'stranger-20' });
    expectNothingCredited(await order(6 * HOUR), 'unregistered_tag');
  });

  it('credits nothing for a click whose tag was unregistered when clicked, even if registered later', async () => {
    const { c, order } = await program({ clickTag: 'latecomer-20' });
    await c.setupAccount('Latecomer', 'latecomer-20', 'us');
    expectNothingCredited(await order(6 * HOUR), 'unregistered_tag');
  });

  it('credits one account only: the click the referral names (last click wins)', async () => {
    const { c, clock, order } = await program();
    const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    clock.set(CLICK_AT + HOUR);
    const later = clickEvent('bobsreviews-20');
    await c.beacon(later);
    const answer = await order(6 * HOUR, { referral: { clickId: later.id, tag: 'bobsreviews-20', clickedAt: iso(CLICK_AT + HOUR) } });
    expect(answer).toMatchObject({ attributed: true, creditedTag: 'bobsreviews-20', account: bob.id, commission: 2113 });
  });

  it('marks a line direct only when it is the clicked product', async () => {
    const { order } = await program({ clickUrl: `https://www.amazon.com/dp/${BOOK}` });
    const answer = await order(HOUR);
    expect(answer.lines.map((l: { direct: boolean }) => l.direct)).toEqual([false, true]);
  });

  it('answers 422 naming referral.clickedAt for an unknown clickId without clickedAt', async () => {
    const { c, clock } = await program();
    clock.set(CLICK_AT + HOUR);
    const body = orderBody({ orderedAt: iso(CLICK_AT + HOUR), referral: { clickId: randomUUID(), tag: 'janesblog-20' } });
    expectProblem(await c.signed('/v1/orders', body), 422, 'clickedAt');
  });
});
