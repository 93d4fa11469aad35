import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ON_POSTGRES } from '../helpers/backend.js';
import { createClock, useCollectors } from '../helpers/collector.js';
import { cartAddEvent, CAMERA, clickEvent, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

/**
 * Round trips to PostgreSQL per merchant callback: every `query` a pg client sends (a
 * multi-statement simple query is one), leaving out what runs beside it (`BESIDE`). The number the order path's latency follows on a
 * loaded machine, where each round trip costs 0.2–1 ms; the bounds catch a regression.
 */
const start = useCollectors();
const original = pg.Client.prototype.query;
let count = 0;
/**
 * What runs beside a callback, not in it: the after-commit publish, maintenance (purges,
 * partitions, the integrity salts and sign-in visitors) and its lock, the delivery worker's claims.
 */
const BESIDE = /pg_notify|pg_try_advisory_lock|pg_advisory_unlock|_default WHERE ctid|pg_inherits|DELETE FROM (?:event_ids|visitor_salts|key_visitors|deliveries|outbox_events|signal_payloads)|^WITH due AS/;
afterEach(() => void (pg.Client.prototype.query = original));

async function counted<T>(fn: () => Promise<T>): Promise<{ out: T; trips: number }> {
  count = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = String((args[0] as { text?: string }).text ?? args[0]);
    if (BESIDE.test(text)) return (original as (...a: unknown[]) => unknown).apply(this, args);
    count++;
    if (process.env.AFFIL_TRIPS_LOG) console.log(text.slice(0, 160).replace(/\s+/g, " "));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const out = await fn();
    return { out, trips: count };
  } finally {
    pg.Client.prototype.query = original;
  }
}

describe.skipIf(!ON_POSTGRES)('PostgreSQL round trips per callback', () => {
  it('an attributed order with cart adds, its replay, and a shipment', async () => {
    const clock = createClock('2026-11-20T09:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    await c.setupAccount('Jane', 'janesblog-20', 'us');
    const click = clickEvent('janesblog-20');
    expect((await c.beacon(click)).body.accepted).toBe(1);
    expect((await c.beacon(cartAddEvent(click.id, CAMERA))).body.accepted).toBe(1);
    clock.set('2026-11-20T15:00:00Z');
    const order = orderBody({ orderId: '112-1234567-1234567', orderedAt: '2026-11-20T15:00:00Z', referral: { clickId: click.id, tag: 'janesblog-20', clickedAt: '2026-11-20T09:00:00Z' } });

    const created = await counted(() => c.signed('/v1/orders', order, { id: 'msg_order' }));
    expect(created.out.status).toBe(201);
    expect(created.out.body.attributed).toBe(true);
    const replay = await counted(() => c.signed('/v1/orders', order, { id: 'msg_order' }));
    expect(replay.out.status).toBe(200);
    clock.set('2026-11-21T13:00:00Z');
    const shipped = await counted(() => c.signed(`/v1/orders/${order.orderId}/events`, { type: 'shipped', at: '2026-11-21T12:00:00Z' }, { id: 'msg_ship' }));
    expect(shipped.out.status).toBe(200);
    console.log(`round trips: order ${created.trips}, replay ${replay.trips}, shipment ${shipped.trips}`);
    expect(created.trips).toBeGreaterThan(0);
    // Measured with the integrity rules (issue 19: the click's visitor, burst window, order count
    // per click, the hold) and events out (issue 20: the outbox rows) in the same transaction:
    // 11 / 2 / 19 when each read was its own round trip (before and after the shipment's ledger
    // entries were chained in its transaction, issue 18); 4 / 2 / 16–17 since reads asked for
    // together share one (BEGIN, both locks, the delivery, the order, the click with its cart
    // adds, tag and earlier orders, and the subscribers; the visitor's burst window and sign-ins;
    // the order, its delivery and its outbox row; COMMIT).
    expect(created.trips).toBeLessThanOrEqual(4);
    expect(replay.trips).toBeLessThanOrEqual(2);
    expect(shipped.trips).toBeLessThanOrEqual(18);
  });
});
