// Reports must agree with each other and with the ledger: the summary reads per-day totals kept
// on write, breakdowns read raw rows, so any drift between the two shows up here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClock, HOUR, useCollectors, type Json } from '../helpers/collector.js';
import { clickEvent, iso, orderBody, pageviewEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
const COUNTS = ['clicks', 'botClicks', 'pageviews', 'linkImpressions', 'orders', 'itemsOrdered', 'directItems', 'indirectItems', 'itemsShipped', 'itemsReturned'] as const;

const step = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('click' as const), account: fc.integer({ min: 0, max: 1 }), product: fc.constantFrom('B08XYZ1234', 'B0TOY00001'), bot: fc.boolean(), unregistered: fc.boolean(), sub: fc.constantFrom(undefined, 'post-1', 'post-2', 'not a sub') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pageview' as const), account: fc.integer({ min: 0, max: 1 }), links: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), hoursAfterClick: fc.integer({ min: 0, max: 30 }), quantity: fc.integer({ min: 1, max: 3 }), marketplace: fc.constantFrom('us', 'uk') }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('event' as const), type: fc.constantFrom('shipped' as const, 'cancelled' as const, 'returned' as const), units: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 40 }) }) },
);

describe('reports agree', () => {
  it('every breakdown sums to the summary, and earnings equal the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40 }), async (steps) => {
        const clock = createClock('2026-11-01T08:00:00Z');
        const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
        const accounts = [await c.setupAccount('Jane', 'janesblog-20', 'us'), await c.setupAccount('Ann', 'annsblog-20', 'us')];
        await c.admin('POST', `/v1/accounts/${accounts[0]!.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' });
        const clicks: { id: string; at: number; tag: string }[] = [];
        const orders: { orderId: string; lines: Json[] }[] = [];
        for (const s of steps) {
          if (s.kind === 'wait') clock.advance(s.hours * HOUR);
          if (s.kind === 'click') {
            const tag = s.unregistered ? 'nobody-20' : accounts[s.account]!.tag;
            // Sub-IDs (an invalid one is dropped, the click kept): by=sub must add up like the rest.
            const event = { ...clickEvent(tag, { url: `https://www.amazon.com/dp/${s.product}?tag=${tag}` }), ...(s.sub ? { sub: s.sub } : {}) };
            await c.beacon(event, s.bot ? { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } : {});
            if (!s.bot && !s.unregistered) clicks.push({ id: event.id, at: clock.now(), tag });
          }
          if (s.kind === 'pageview') await c.beacon(pageviewEvent(accounts[s.account]!.tag, s.links));
          if (s.kind === 'order' && clicks.length > 0) {
            const click = clicks[clicks.length - 1]!;
            const body = orderBody({
              marketplace: s.marketplace,
              currency: s.marketplace === 'us' ? 'USD' : 'GBP',
              // Never ahead of the collector's clock: its events, sent at the clock's time, must not precede it.
              orderedAt: iso(Math.min(click.at + s.hoursAfterClick * HOUR, clock.now())),
              referral: { clickId: click.id, tag: click.tag },
              items: [
                { lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: s.quantity, unitAmount: 4999 },
                { lineId: '2', sku: 'B0BOOK0001', category: 'books', quantity: 1, unitAmount: 1299 },
              ],
            });
            const reply = await c.signed('/v1/orders', body);
            expect(reply.status).toBe(201);
            orders.push({ orderId: body.orderId, lines: body.items });
          }
          if (s.kind === 'event' && orders.length > 0) {
            const order = orders[orders.length - 1]!;
            const reply = await c.signed(`/v1/orders/${order.orderId}/events`, { type: s.type, at: iso(clock.now()), items: [{ lineId: '1', quantity: s.units }] });
            expect([200, 409]).toContain(reply.status);
          }
        }

        const period = 'from=2026-10-01&to=2026-12-31';
        const summary = (await c.admin('GET', `/v1/reports/summary?${period}`)).body;
        for (const by of ['day', 'tag', 'marketplace', 'category', 'product', 'page', 'sub']) {
          const { rows } = (await c.admin('GET', `/v1/reports/breakdown?by=${by}&${period}`)).body as { rows: Json[] };
          for (const field of COUNTS) {
            if ((by === 'category' || by === 'product') && field === 'orders') continue; // an order counts in each row it has items in
            expect(rows.reduce((n, r) => n + r[field], 0), `${by}: ${field}`).toBe(summary[field]);
          }
          for (const [currency, totals] of Object.entries(summary.byCurrency as Record<string, Json>)) {
            for (const field of ['revenue', 'earnings', 'pending']) {
              const sum = rows.reduce((n, r) => n + (r.byCurrency[currency]?.[field] ?? 0), 0);
              expect(sum, `${by}: ${currency} ${field}`).toBe(totals[field]);
            }
          }
        }

        // Earnings are the ledger; pending is what is still open on each order.
        let ledger = 0;
        let pending = 0;
        for (const o of orders) {
          const view = (await c.admin('GET', `/v1/orders/${o.orderId}`)).body;
          ledger += view.ledger.reduce((n: number, e: Json) => n + e.amount, 0);
          pending += view.pending;
          expect(view.earned).toBe(view.ledger.reduce((n: number, e: Json) => n + e.amount, 0));
        }
        const total = (field: string) => Object.values(summary.byCurrency as Record<string, Json>).reduce((n, t) => n + t[field], 0);
        expect(total('earnings')).toBe(ledger);
        expect(total('pending')).toBe(pending);
        await c.close();
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
