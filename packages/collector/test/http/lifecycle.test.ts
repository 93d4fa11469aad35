import { describe, expect, it } from 'vitest';
import { createClock, useCollectors, type Json } from '../helpers/collector.js';
import { clickEvent, expectProblem, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const ORDER_ID = '112-1234567-1234567';
const EVENTS = `/v1/orders/${ORDER_ID}/events`;

/** SPEC §5 worked example: click 09:00, order 15:00 (camera 1996, book 117 pending). */
async function ordered(o: { referral?: boolean } = {}) {
  const clock = createClock('2026-11-20T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  const click = clickEvent('janesblog-20');
  await c.beacon(click);
  clock.set('2026-11-20T15:00:00Z');
  const order = orderBody({
    orderId: ORDER_ID,
    orderedAt: '2026-11-20T15:00:00Z',
    ...(o.referral === false ? {} : { referral: { clickId: click.id, tag: 'janesblog-20', clickedAt: '2026-11-20T09:00:00Z' } }),
  });
  const created = await c.signed('/v1/orders', order);
  expect(created.status, created.text).toBe(201);
  // The merchant reports an event when it happens: the collector's clock reaches its time (SPEC §4.2
  // refuses an `at` more than 5 minutes ahead).
  const event = (body: Json) => {
    if (body.at && Date.parse(body.at) > clock.now()) clock.set(body.at);
    return c.signed(EVENTS, body);
  };
  const view = async () => (await c.admin('GET', `/v1/orders/${ORDER_ID}`)).body;
  const summary = async (from: string, to: string) => (await c.admin('GET', `/v1/reports/summary?from=${from}&to=${to}`)).body;
  return { c, clock, jane, event, view, summary };
}

const amounts = (order: Json): number[] => order.ledger.map((e: { amount: number }) => e.amount);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('POST /v1/orders/{orderId}/events', () => {
  it('ships every unit: 200 with the order, one positive ledger entry per line, earnings 2113', async () => {
    const { event, view, summary } = await ordered();
    const reply = await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ orderId: ORDER_ID, status: 'shipped', pending: 0, earned: 2113 });
    expect(reply.body.ledger).toEqual([
      expect.objectContaining({ lineId: '1', quantity: 1, amount: 1996, currency: 'USD', tag: 'janesblog-20', at: '2026-11-21T12:00:00.000Z' }),
      expect.objectContaining({ lineId: '2', quantity: 2, amount: 117, currency: 'USD', tag: 'janesblog-20', at: '2026-11-21T12:00:00.000Z' }),
    ]);
    // The answer is the order as GET shows it.
    expect(await view()).toEqual(reply.body);
    const day = await summary('2026-11-21', '2026-11-21');
    expect(day.byCurrency.USD.earnings).toBe(2113);
    expect(day.itemsShipped).toBe(3);
  });

  it('returns one book of the worked example: entry −59, the book now earns 58', async () => {
    const { event, summary } = await ordered();
    expect((await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' })).status).toBe(200);
    const reply = await event({ type: 'returned', at: '2026-11-27T12:00:00Z', items: [{ lineId: '2', quantity: 1 }] });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.ledger.at(-1)).toMatchObject({ lineId: '2', quantity: 1, amount: -59, at: '2026-11-27T12:00:00.000Z' });
    expect(reply.body.lines[1]).toMatchObject({ lineId: '2', shipped: 2, returned: 1, earned: 58 });
    expect(reply.body.earned).toBe(2054);
    expect(sum(amounts(reply.body))).toBe(2054);
    const week = await summary('2026-11-27', '2026-11-27');
    expect(week.byCurrency.USD.earnings).toBe(-59);
    expect(week.itemsReturned).toBe(1);
  });

  it('nets a full return to exactly zero', async () => {
    const { event, summary } = await ordered();
    await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' });
    expect((await event({ type: 'returned', at: '2026-11-27T12:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    const reply = await event({ type: 'returned', at: '2026-11-28T12:00:00Z' });
    expect(reply.status, reply.text).toBe(200);
    expect(amounts(reply.body)).toEqual([1996, 117, -59, -1996, -58]);
    expect(sum(amounts(reply.body))).toBe(0);
    expect(reply.body).toMatchObject({ status: 'returned', earned: 0, pending: 0 });
    const month = await summary('2026-11-01', '2026-11-30');
    expect(month.byCurrency.USD.earnings).toBe(0);
    expect(month.itemsShipped).toBe(3);
    expect(month.itemsReturned).toBe(3);
  });

  // SPEC §4.2: an entry dated outside the order's life would land in no report of the real period.
  it.each([
    ['in year 2999', '2999-01-01T00:00:00Z'],
    ['in year 2000', '2000-01-01T00:00:00Z'],
    ['a second before the order', '2026-11-20T14:59:59Z'],
    ['6 minutes in the future', '2026-11-20T15:06:00Z'],
  ])('refuses a shipment dated %s with 422 naming at, writing nothing', async (_what, at) => {
    const { c, view, summary } = await ordered();
    const reply = await c.signed(EVENTS, { type: 'shipped', at });
    expectProblem(reply, 422, 'at');
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'at' })]);
    expect(await view()).toMatchObject({ status: 'pending', ledger: [], events: [] });
    expect((await summary('2026-11-01', '2026-11-30')).itemsShipped).toBe(0);
  });

  it('takes an event at the order\'s instant and up to 5 minutes ahead of the collector\'s clock', async () => {
    const { c } = await ordered();
    expect((await c.signed(EVENTS, { type: 'shipped', at: '2026-11-20T15:00:00Z', items: [{ lineId: '1', quantity: 1 }] })).status).toBe(200);
    expect((await c.signed(EVENTS, { type: 'shipped', at: '2026-11-20T15:05:00Z' })).status).toBe(200);
  });

  it('refuses a return dated before the shipment of what it returns', async () => {
    const { c, clock, view } = await ordered();
    clock.set('2026-11-23T12:00:00Z');
    expect((await c.signed(EVENTS, { type: 'shipped', at: '2026-11-21T12:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expect((await c.signed(EVENTS, { type: 'shipped', at: '2026-11-22T12:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    const early = await c.signed(EVENTS, { type: 'returned', at: '2026-11-21T06:00:00Z', items: [{ lineId: '2', quantity: 1 }] });
    expectProblem(early, 422, 'at');
    // Two units back on the 21st: only one had shipped by then.
    expectProblem(await c.signed(EVENTS, { type: 'returned', at: '2026-11-21T18:00:00Z', items: [{ lineId: '2', quantity: 2 }] }), 422, 'at');
    expect((await c.signed(EVENTS, { type: 'returned', at: '2026-11-21T18:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expect((await c.signed(EVENTS, { type: 'returned', at: '2026-11-22T18:00:00Z', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expect((await view()).lines[1]).toMatchObject({ shipped: 2, returned: 2 });
  });

  it('answers 409 to shipping more than is open', async () => {
    const { event, view } = await ordered();
    expectProblem(await event({ type: 'shipped', items: [{ lineId: '2', quantity: 3 }] }), 409, 'items[0].quantity');
    expect((await event({ type: 'shipped', items: [{ lineId: '2', quantity: 2 }] })).status).toBe(200);
    expectProblem(await event({ type: 'shipped', items: [{ lineId: '2', quantity: 1 }] }), 409);
    expect((await event({ type: 'shipped' })).status).toBe(200);
    expectProblem(await event({ type: 'shipped' }), 409);
    expect(amounts(await view())).toEqual([117, 1996]);
  });

  it('answers 409 to returning a unit that was not shipped', async () => {
    const { event, view } = await ordered();
    expectProblem(await event({ type: 'returned', items: [{ lineId: '1', quantity: 1 }] }), 409, 'items[0].quantity');
    expectProblem(await event({ type: 'returned' }), 409);
    expect((await event({ type: 'shipped', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expectProblem(await event({ type: 'returned', items: [{ lineId: '2', quantity: 2 }] }), 409);
    expect((await event({ type: 'returned', items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
    expectProblem(await event({ type: 'returned', items: [{ lineId: '2', quantity: 1 }] }), 409);
    const order = await view();
    expect(sum(amounts(order))).toBe(0);
    expect(order.lines[1]).toMatchObject({ shipped: 1, returned: 1 });
  });

  it('answers 404 to an unknown order', async () => {
    const { c } = await ordered();
    expectProblem(await c.signed('/v1/orders/no-such-order/events', { type: 'shipped' }), 404);
  });

  it('answers 401 to an unsigned or badly signed event', async () => {
    const { c, view } = await ordered();
    expectProblem(await c.request('POST', EVENTS, { body: { type: 'shipped' }, headers: { 'content-type': 'application/json' } }), 401);
    expectProblem(await c.signed(EVENTS, { type: 'shipped' }, { headers: { 'webhook-signature': 'v1,AAAA' } }), 401);
    expect((await view()).ledger).toEqual([]);
  });

  it('answers a malformed event with a 4xx problem naming the field', async () => {
    const { event } = await ordered();
    for (const [body, field] of [
      [{ type: 'lost' }, 'type'],
      [{ type: 'shipped', at: 'tomorrow' }, 'at'],
      [{ type: 'shipped', items: [{ lineId: '1', quantity: 0 }] }, 'items[0].quantity'],
      [{ type: 'shipped', items: [{ lineId: '1', quantity: 0.5 }] }, 'items[0].quantity'],
      [{ type: 'shipped', items: [{ lineId: '7', quantity: 1 }] }, 'items[0].lineId'],
    ] as const) {
      const reply = await event(body);
      expect(reply.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(reply.status, JSON.stringify(body)).toBeLessThan(500);
      expectProblem(reply, reply.status, field);
    }
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const { c } = await ordered();
    expectProblem(await c.signed(EVENTS, '{"type": '), 400);
  });

  it('counts a repeated webhook-id once: 200 with the same body, no second ledger entry', async () => {
    const { c, clock, view } = await ordered();
    clock.set('2026-11-21T12:00:00Z');
    const first = await c.signed(EVENTS, { type: 'shipped', at: '2026-11-21T12:00:00Z' }, { id: 'msg_ship_1' });
    expect(first.status).toBe(200);
    const again = await c.signed(EVENTS, { type: 'shipped', at: '2026-11-21T12:00:00Z' }, { id: 'msg_ship_1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(amounts(await view())).toEqual([1996, 117]);
  });

  it('cancels: pending shrinks, nothing is written to the ledger, earnings unchanged', async () => {
    const { event, summary } = await ordered();
    const reply = await event({ type: 'cancelled', at: '2026-11-20T16:00:00Z', items: [{ lineId: '1', quantity: 1 }] });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ pending: 117, earned: 0, ledger: [] });
    expect(reply.body.lines[0]).toMatchObject({ lineId: '1', cancelled: 1, pending: 0 });
    const day = await summary('2026-11-20', '2026-11-20');
    expect(day.byCurrency.USD).toEqual({ revenue: 52498, earnings: 0, pending: 117 });
    expectProblem(await event({ type: 'cancelled', items: [{ lineId: '1', quantity: 1 }] }), 409);
    expectProblem(await event({ type: 'shipped', items: [{ lineId: '1', quantity: 1 }] }), 409);
    const shipped = await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' });
    expect(shipped.body).toMatchObject({ pending: 0, earned: 117 });
    expect(amounts(shipped.body)).toEqual([117]);
  });

  it('cancels the whole order when items are omitted', async () => {
    const { event } = await ordered();
    const reply = await event({ type: 'cancelled' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'cancelled', pending: 0, earned: 0, ledger: [] });
  });

  it('ships an unattributed order without ledger entries', async () => {
    const { event } = await ordered({ referral: false });
    const reply = await event({ type: 'shipped', at: '2026-11-21T12:00:00Z' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ status: 'shipped', earned: 0, ledger: [] });
  });

  it('dates an event without `at` at the time it was received', async () => {
    const { clock, event } = await ordered();
    clock.set('2026-11-22T08:30:00Z');
    const reply = await event({ type: 'shipped' });
    expect(reply.body.ledger.map((e: { at: string }) => e.at)).toEqual(['2026-11-22T08:30:00.000Z', '2026-11-22T08:30:00.000Z']);
  });
});
