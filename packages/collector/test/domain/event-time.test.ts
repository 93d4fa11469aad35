import { describe, expect, it } from 'vitest';
import { eventTimeProblem, type EventTimeFacts } from '../../src/domain/event-time.js';

const t = (iso: string) => Date.parse(iso);
const base: EventTimeFacts = {
  type: 'shipped', at: t('2026-11-21T12:00:00Z'), atGiven: true, orderedAt: t('2026-11-20T15:00:00Z'), now: t('2026-11-22T00:00:00Z'),
  shipments: [], moved: [{ lineId: '1', quantity: 1 }], returnedBefore: new Map(),
};
const shipped = [{ at: t('2026-11-21T00:00:00Z'), items: [{ lineId: '1', quantity: 1 }] }, { at: t('2026-11-21T10:00:00Z'), items: [{ lineId: '1', quantity: 2 }, { lineId: '2', quantity: 1 }] }];

describe('eventTimeProblem', () => {
  it.each<[string, Partial<EventTimeFacts>, RegExp | undefined]>([
    ['a shipment between order and now', {}, undefined],
    ['a shipment at the order\'s instant', { at: t('2026-11-20T15:00:00Z') }, undefined],
    ['a shipment a millisecond before the order', { at: t('2026-11-20T14:59:59.999Z') }, /before the order's orderedAt/],
    ['a cancellation in year 2000', { type: 'cancelled', at: t('2000-01-01T00:00:00Z') }, /before the order's orderedAt/],
    ['a shipment exactly 5 minutes ahead', { at: t('2026-11-22T00:05:00Z') }, undefined],
    ['a shipment 5 minutes and 1 ms ahead', { at: t('2026-11-22T00:05:00.001Z') }, /more than 5 minutes in the future/],
    ['an event without at, received before the order was placed', { atGiven: false, at: t('2026-11-20T14:00:00Z') }, /omitted, so the time received/],
    ['a return after enough shipped', { type: 'returned', shipments: shipped, moved: [{ lineId: '1', quantity: 3 }] }, undefined],
    ['a return before any shipment', { type: 'returned', at: t('2026-11-20T20:00:00Z'), shipments: shipped }, /before the shipment of what it returns \(line "1": 0 unit/],
    ['a return of 2 when 1 had shipped by then', { type: 'returned', at: t('2026-11-21T05:00:00Z'), shipments: shipped, moved: [{ lineId: '1', quantity: 2 }] }, /1 unit\(s\) shipped by then, 2 returned/],
    ['a return counting earlier returns', { type: 'returned', at: t('2026-11-21T05:00:00Z'), shipments: shipped, returnedBefore: new Map([['1', 1]]) }, /1 unit\(s\) shipped by then, 2 returned/],
    ['a return of another line shipped later', { type: 'returned', at: t('2026-11-21T05:00:00Z'), shipments: shipped, moved: [{ lineId: '2', quantity: 1 }] }, /line "2"/],
  ])('%s', (_name, change, problem) => {
    const answer = eventTimeProblem({ ...base, ...change });
    if (problem) expect(answer).toMatch(problem);
    else expect(answer).toBeUndefined();
  });
});
