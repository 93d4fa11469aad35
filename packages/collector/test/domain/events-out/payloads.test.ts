import { describe, expect, it } from 'vitest';
import {
  clickCreated, commissionAdjusted, eventId, EVENT_TYPES, isEventType, orderAttributed, orderUpdated, payloadBody,
  payoutCreated, payoutPaid, subscribes, type OrderFacts,
} from '../../../src/domain/events-out/payloads.js';

const T = Date.parse('2026-11-20T10:00:00Z');

const order = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  orderId: '112-1', marketplace: 'us', currency: 'USD', orderedAt: T, account: 'acc_1', tag: 'janesblog-20',
  creditedTag: 'janesblog-20', clickId: 'c-1', sub: 'post-42', attributed: true, rule: 'click_window', status: 'pending',
  lines: [
    { lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900, attributed: true, rateBp: 400, commission: 1996 },
    { lineId: '2', sku: '0143127748', category: 'books', quantity: 2, unitAmount: 1299, attributed: true, rateBp: 450, commission: 117 },
  ],
  ...over,
});

describe('event ids', () => {
  it('are stable: the same fact gives the same id, another fact another id', () => {
    expect(orderAttributed(order()).id).toBe(orderAttributed(order({ status: 'shipped' })).id);
    expect(orderAttributed(order()).id).not.toBe(orderAttributed(order({ orderId: '112-2' })).id);
    expect(eventId('order.updated', '112-1', 1)).not.toBe(eventId('order.updated', '112-1', 2));
    expect(eventId('payout.created', 'po_1')).not.toBe(eventId('payout.paid', 'po_1'));
  });

  it('do not collide when identity parts shift between fields', () => {
    expect(eventId('order.updated', 'a', 'bc')).not.toBe(eventId('order.updated', 'ab', 'c'));
  });

  it('look like evt_ and 26 url-safe characters', () => {
    expect(eventId('click.created', 'x')).toMatch(/^evt_[A-Za-z0-9_-]{26}$/);
  });
});

describe('payloads are {type, timestamp, data}', () => {
  it('order.attributed: the order, its lines and total commission, at the order time', () => {
    const e = orderAttributed(order());
    expect(e.account).toBe('acc_1');
    expect(Object.keys(e.payload)).toEqual(['type', 'timestamp', 'data']);
    expect(e.payload).toMatchObject({
      type: 'order.attributed',
      timestamp: '2026-11-20T10:00:00.000Z',
      data: { orderId: '112-1', status: 'pending', commission: 2113, sub: 'post-42', clickId: 'c-1', currency: 'USD' },
    });
    expect(e.payload.data.lines).toHaveLength(2);
    expect(e.payload.data).not.toHaveProperty('holds');
  });

  it('order.attributed for a held order carries its status and holds', () => {
    const e = orderAttributed(order({ status: 'on_hold', holds: [{ rule: 'click_burst', detail: '12 clicks in 10 minutes' }] }));
    expect(e.payload.data).toMatchObject({ status: 'on_hold', holds: [{ rule: 'click_burst', detail: '12 clicks in 10 minutes' }] });
  });

  it('order.updated: the order after the change, and the change', () => {
    const at = T + 86_400_000;
    const e = orderUpdated(order({ status: 'shipped' }), { change: 'shipped', sequence: 7, at, items: [{ lineId: '1', quantity: 1 }] });
    expect(e.payload).toMatchObject({ type: 'order.updated', timestamp: '2026-11-21T10:00:00.000Z', data: { status: 'shipped', change: { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] } } });
    expect(e.id).toBe(eventId('order.updated', '112-1', 7));
  });

  it('commission.adjusted: entries and their net, at the latest entry', () => {
    const e = commissionAdjusted({
      orderId: '112-1', account: 'acc_1', tag: 'janesblog-20', currency: 'USD', sequence: 9, clickId: 'c-1', sub: null, status: 'returned',
      entries: [
        { id: 11, lineId: '1', kind: 'return', quantity: 1, amount: -1996, at: T + 2000 },
        { id: 12, lineId: '2', kind: 'return', quantity: 1, amount: -58, at: T + 1000 },
      ],
    });
    expect(e.payload.data.amount).toBe(-2054);
    expect(e.payload.timestamp).toBe(new Date(T + 2000).toISOString());
    expect(() => commissionAdjusted({ orderId: 'x', account: 'a', tag: 't', currency: 'USD', sequence: 1, clickId: null, sub: null, status: 'shipped', entries: [] })).toThrow(/at least one/);
  });

  it('payouts: created and paid are two events of one payout', () => {
    const p = { id: 'po_1', account: 'acc_1', currency: 'USD', amount: 12345, through: '2026-10-31', status: 'created' as const, entries: 4, at: T };
    const created = payoutCreated(p);
    const paid = payoutPaid({ ...p, status: 'paid', reference: 'PP-1' });
    expect(created.payload.data).not.toHaveProperty('reference');
    expect(paid.payload.data).toMatchObject({ status: 'paid', reference: 'PP-1', amount: 12345 });
    expect(created.id).not.toBe(paid.id);
  });

  it('click.created carries the sub-ID', () => {
    const e = clickCreated({ id: 'c-1', tag: 'janesblog-20', account: 'acc_1', marketplace: 'us', url: 'https://www.amazon.com/dp/X', product: 'X', page: null, via: 'click', sub: 'post-42', at: T });
    expect(e.payload).toMatchObject({ type: 'click.created', data: { id: 'c-1', sub: 'post-42', at: '2026-11-20T10:00:00.000Z' } });
  });

  it('the body sent is the payload as JSON, nothing else', () => {
    const e = orderAttributed(order());
    expect(JSON.parse(payloadBody(e))).toEqual(e.payload);
  });
});

describe('subscribes', () => {
  const e = orderAttributed(order());
  it.each([
    { sub: { events: ['order.attributed'], account: null }, yes: true, why: 'program-wide endpoint: every account' },
    { sub: { events: ['order.attributed'], account: 'acc_1' }, yes: true, why: 'own account' },
    { sub: { events: ['order.attributed'], account: 'acc_2' }, yes: false, why: 'another account' },
    { sub: { events: ['order.updated'], account: null }, yes: false, why: 'another event type' },
  ] as const)('$why', ({ sub, yes }) => {
    expect(subscribes(sub, e)).toBe(yes);
  });

  it('knows the six event types and nothing else', () => {
    expect(EVENT_TYPES).toHaveLength(6);
    expect([isEventType('payout.paid'), isEventType('order.created'), isEventType(1)]).toEqual([true, false, false]);
  });
});
