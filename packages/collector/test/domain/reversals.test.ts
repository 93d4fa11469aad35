import { describe, expect, it } from 'vitest';
import { linkReturns, type LineEntry } from '../../src/domain/reversals.js';

const s = (id: number, quantity: number, lineId = 'l1', orderId = 'o1'): LineEntry => ({ id, orderId, lineId, kind: 'shipment', quantity });
const v = (id: number, quantity: number, lineId = 'l1', orderId = 'o1'): LineEntry => ({ id, orderId, lineId, kind: 'reversal', quantity });
const r = (id: number, quantity: number, lineId = 'l1', orderId = 'o1'): LineEntry => ({ id, orderId, lineId, kind: 'return', quantity });

describe('linkReturns (first shipped, first returned)', () => {
  it.each([
    { why: 'one shipment, one return', entries: [s(1, 2), r(2, 1)], links: [[2, 1]] },
    { why: 'second return moves on once the first shipment is all returned', entries: [s(1, 1), s(2, 1), r(3, 1), r(4, 1)], links: [[3, 1], [4, 2]] },
    { why: 'a return spanning two shipments links to the first', entries: [s(1, 1), s(2, 2), r(3, 2), r(4, 1)], links: [[3, 1], [4, 2]] },
    { why: 'per order line: other lines and orders are separate', entries: [s(1, 1), s(2, 1, 'l2'), s(3, 1, 'l1', 'o2'), r(4, 1, 'l2'), r(5, 1, 'l1', 'o2')], links: [[4, 2], [5, 3]] },
    { why: 'ledger order by id, whatever the input order', entries: [r(3, 1), s(1, 1), s(2, 1), r(4, 1)], links: [[3, 1], [4, 2]] },
    { why: 'a return with nothing shipped before it stays unlinked', entries: [r(1, 1), s(2, 1)], links: [] },
    { why: "a rejection's reversal links to the line's first shipment, even one all returned", entries: [s(1, 1), s(2, 1), r(3, 1), v(4, 1)], links: [[3, 1], [4, 1]] },
    { why: 'a reversal takes no units back: a later return still finds its shipment', entries: [s(1, 2), v(2, 2), r(3, 1)], links: [[2, 1], [3, 1]] },
    { why: 'a reversal of a line with no shipment stays unlinked', entries: [v(1, 0), s(2, 1, 'l2')], links: [] },
  ])('$why', ({ entries, links }) => {
    expect([...linkReturns(entries)]).toEqual(links);
  });
});
