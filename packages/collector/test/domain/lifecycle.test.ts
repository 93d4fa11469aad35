import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOrderEvent, earnedCommission, pendingCommission, type LineState, type OrderEventInput } from '../../src/domain/lifecycle.js';

const camera: LineState = { lineId: '1', unitAmount: 49900, quantity: 1, cancelled: 0, shipped: 0, returned: 0, rateBp: 400 };
const books: LineState = { lineId: '2', unitAmount: 1299, quantity: 2, cancelled: 0, shipped: 0, returned: 0, rateBp: 450 };

function run(lines: LineState[], ...events: OrderEventInput[]) {
  const ledger: number[] = [];
  let state = lines;
  for (const e of events) {
    const out = applyOrderEvent(state, e);
    if (!out.ok) throw new Error(out.detail);
    ledger.push(...out.adjustments.map((a) => a.amount));
    state = out.lines;
  }
  return { state, ledger };
}

describe('applyOrderEvent: the SPEC §5 worked example', () => {
  it('ships both lines (+2113), then one returned book is −59', () => {
    const shipped = run([camera, books], { type: 'shipped' });
    expect(shipped.ledger).toEqual([1996, 117]);
    const returned = run(shipped.state, { type: 'returned', items: [{ lineId: '2', quantity: 1 }] });
    expect(returned.ledger).toEqual([-59]);
    expect(earnedCommission(returned.state[1]!)).toBe(58);
  });
});

describe('applyOrderEvent: refusals', () => {
  it.each([
    { name: 'ship more than open', lines: [books], event: { type: 'shipped', items: [{ lineId: '2', quantity: 3 }] }, code: 'too_many_units' },
    { name: 'return an unshipped unit', lines: [books], event: { type: 'returned', items: [{ lineId: '2', quantity: 1 }] }, code: 'too_many_units' },
    { name: 'cancel a shipped unit', lines: [{ ...books, shipped: 2 }], event: { type: 'cancelled', items: [{ lineId: '2', quantity: 1 }] }, code: 'too_many_units' },
    { name: 'unknown line', lines: [books], event: { type: 'shipped', items: [{ lineId: '9', quantity: 1 }] }, code: 'unknown_line' },
    { name: 'same line twice', lines: [books], event: { type: 'shipped', items: [{ lineId: '2', quantity: 1 }, { lineId: '2', quantity: 1 }] }, code: 'duplicate_line' },
    { name: 'ship all when nothing is open', lines: [{ ...books, shipped: 2 }], event: { type: 'shipped' }, code: 'nothing_to_apply' },
    { name: 'return all when nothing shipped', lines: [books], event: { type: 'returned' }, code: 'nothing_to_apply' },
  ] as const)('$name', ({ lines, event, code }) => {
    const out = applyOrderEvent(lines, event as OrderEventInput);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.code).toBe(code);
  });

  it('a cancellation writes no ledger entry but reduces pending', () => {
    const out = applyOrderEvent([books], { type: 'cancelled', items: [{ lineId: '2', quantity: 1 }] });
    expect(out.ok && out.adjustments).toEqual([]);
    expect(out.ok && pendingCommission(out.lines[0]!)).toBe(58);
  });

  it('an uncredited line moves units but never money', () => {
    const out = applyOrderEvent([{ ...books, rateBp: null }], { type: 'shipped' });
    expect(out.ok && out.adjustments).toEqual([]);
    expect(out.ok && out.lines[0]!.shipped).toBe(2);
  });
});

describe('applyOrderEvent: properties', () => {
  const line = fc.record({
    lineId: fc.constant('1'),
    unitAmount: fc.integer({ min: 0, max: 10_000_000 }),
    quantity: fc.integer({ min: 1, max: 50 }),
    cancelled: fc.constant(0),
    shipped: fc.constant(0),
    returned: fc.constant(0),
    rateBp: fc.integer({ min: 0, max: 10_000 }),
  });
  const event = fc.record({
    type: fc.constantFrom('shipped' as const, 'cancelled' as const, 'returned' as const),
    quantity: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  });

  it('any sequence of events keeps earned ≥ 0, ledger = earned, and units within bounds', () => {
    fc.assert(
      fc.property(line, fc.array(event, { maxLength: 30 }), (start, events) => {
        let state: LineState[] = [start];
        let ledger = 0;
        for (const e of events) {
          const out = applyOrderEvent(state, { type: e.type, items: e.quantity === undefined ? undefined : [{ lineId: '1', quantity: e.quantity }] });
          if (!out.ok) continue; // refused events change nothing
          ledger += out.adjustments.reduce((n, a) => n + a.amount, 0);
          state = out.lines;
          const l = state[0]!;
          expect(earnedCommission(l)).toBeGreaterThanOrEqual(0);
          expect(ledger).toBe(earnedCommission(l));
          expect(l.cancelled + l.shipped).toBeLessThanOrEqual(l.quantity);
          expect(l.returned).toBeLessThanOrEqual(l.shipped);
        }
      }),
    );
  });

  it('shipping everything then returning everything nets to exactly zero', () => {
    fc.assert(
      fc.property(line, fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 10 }), (start, returnChunks) => {
        const shipped = run([start], { type: 'shipped' });
        let state = shipped.state;
        let total = shipped.ledger.reduce((a, b) => a + b, 0);
        for (const chunk of returnChunks) {
          const left = state[0]!.shipped - state[0]!.returned;
          if (left === 0) break;
          const out = applyOrderEvent(state, { type: 'returned', items: [{ lineId: '1', quantity: Math.min(chunk, left) }] });
          if (!out.ok) throw new Error(out.detail);
          total += out.adjustments.reduce((n, a) => n + a.amount, 0);
          state = out.lines;
        }
        if (state[0]!.shipped > state[0]!.returned) {
          const out = applyOrderEvent(state, { type: 'returned' });
          if (!out.ok) throw new Error(out.detail);
          total += out.adjustments.reduce((n, a) => n + a.amount, 0);
        }
        expect(total).toBe(0);
      }),
    );
  });
});
