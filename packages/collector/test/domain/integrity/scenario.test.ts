import { describe, expect, it } from 'vitest';
import { attribute, type AttributionInput } from '../../../src/domain/attribution.js';
import { applyOrderEvent, pendingCommission, type LineState, type OrderEventInput } from '../../../src/domain/lifecycle.js';
import type { Marketplace } from '../../../src/domain/marketplace.js';
import { DEFAULT_INTEGRITY } from '../../../src/domain/integrity/config.js';
import { orderHolds, type OrderIntegrityFacts } from '../../../src/domain/integrity/rules.js';
import {
  countsOnHold,
  displayedStatus,
  initialHoldState,
  linePending,
  mayBePaid,
  reviewOrder,
  writesLedger,
  type EntryFacts,
  type HoldState,
  type ReviewDecision,
} from '../../../src/domain/integrity/review.js';
import { explainIntegrity } from '../../../src/domain/integrity/explain.js';

/**
 * The whole life of one order through the pure pieces, as the wiring phase will string them:
 * attribute → holds → lifecycle events write entries → review → later events. The SPEC §5 worked
 * example (camera 1996 + books 117 earned, a book returned −59) under each integrity outcome.
 */

const H = 3_600_000;
const T0 = Date.parse('2026-11-20T09:00:00Z');
const us: Marketplace = { id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 400, electronics: 400, books: 450 } };
const input: AttributionInput = {
  orderedAt: T0 + 6 * H,
  marketplace: us,
  lines: [
    { lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900 },
    { lineId: '2', sku: 'B0BOOK0001', category: 'books', quantity: 2, unitAmount: 1299 },
  ],
  referral: { clickId: 'c1', tag: 'janesblog-20', clickedAt: T0, verified: true, bot: false, product: 'B08XYZ1234', owner: { accountId: 'acc_jane', marketplace: 'us' } },
  clickWindowMs: 24 * H,
  cartWindowMs: 90 * 24 * H,
};

type Step = OrderEventInput | { review: ReviewDecision };

function run(facts: Omit<OrderIntegrityFacts, 'attributed'>, steps: Step[]) {
  const a = attribute(input);
  const holds = orderHolds(DEFAULT_INTEGRITY, { ...facts, attributed: a.attributed });
  let hold: HoldState = initialHoldState(holds);
  let lines: LineState[] = input.lines.map((l, i) => ({ lineId: l.lineId, unitAmount: l.unitAmount, quantity: l.quantity, cancelled: 0, shipped: 0, returned: 0, rateBp: a.lines[i]!.rateBp }));
  const ledger: EntryFacts[] = [];
  const reviewErrors: string[] = [];
  // Pending as storage keeps it: per line, and the order's share of the per-day totals (moved by each change).
  let stored = lines.map((l) => pendingCommission(l));
  let totalsPending = stored.reduce((n, p) => n + p, 0);
  for (const step of steps) {
    if ('review' in step) {
      const out = reviewOrder({ orderId: 'o1', hold, entries: ledger, lines: lines.map((l, i) => ({ ...l, pending: stored[i]! })) }, { decision: step.review }, { by: 'key_admin', at: T0 + 48 * H });
      if (!out.ok) {
        reviewErrors.push(out.code);
        continue;
      }
      hold = out.hold;
      ledger.push(...out.reversals);
      for (const p of out.pending.lines) stored[lines.findIndex((l) => l.lineId === p.lineId)] = p.pending;
      totalsPending += out.pending.change;
      continue;
    }
    const out = applyOrderEvent(lines, step);
    if (!out.ok) throw new Error(out.detail);
    const next = out.lines.map((l) => linePending(l, hold));
    totalsPending += next.reduce((n, p) => n + p, 0) - lines.reduce((n, l) => n + linePending(l, hold), 0);
    stored = next;
    lines = out.lines;
    if (!writesLedger(hold)) continue;
    for (const adj of out.adjustments) {
      ledger.push({ lineId: adj.lineId, accountId: 'acc_jane', tag: 'janesblog-20', marketplace: 'us', currency: 'USD', kind: step.type === 'shipped' ? 'shipment' : 'return', quantity: adj.quantity, amount: adj.amount });
    }
  }
  const total = ledger.reduce((n, e) => n + e.amount, 0);
  return {
    holds: holds.map((h) => h.rule),
    hold,
    status: displayedStatus(lines.some((l) => l.quantity - l.cancelled - l.shipped > 0) ? 'pending' : 'shipped', hold),
    onHold: countsOnHold(hold) ? total : 0,
    payable: mayBePaid(hold) ? total : 0,
    ledger: ledger.map((e) => `${e.kind} ${e.lineId} ${e.amount}`),
    pending: totalsPending,
    storedPending: stored.reduce((n, p) => n + p, 0),
    reviewErrors,
    why: explainIntegrity({ hold, holds }),
  };
}

const ship: OrderEventInput = { type: 'shipped' };
const returnBook: OrderEventInput = { type: 'returned', items: [{ lineId: '2', quantity: 1 }] };
const shipCamera: OrderEventInput = { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] };
const cancelBook: OrderEventInput = { type: 'cancelled', items: [{ lineId: '2', quantity: 1 }] };
const clean: Omit<OrderIntegrityFacts, 'attributed'> = { click: { trusted: true, visible: true, framed: false, dwell: 8000 }, velocity: { clickId: 'c1', priorOrders: 0 } };
const scripted: Omit<OrderIntegrityFacts, 'attributed'> = { click: { trusted: false, visible: true, framed: false, dwell: 8000 }, velocity: { clickId: 'c1', priorOrders: 0 } };

describe('an order through integrity, end to end in the domain', () => {
  it.each([
    {
      name: 'clean click: never held, earns 2054 as usual',
      facts: clean, steps: [ship, returnBook],
      expected: { holds: [], hold: 'none', status: 'shipped', onHold: 0, payable: 2054, ledger: ['shipment 1 1996', 'shipment 2 117', 'return 2 -59'], reviewErrors: [] },
    },
    {
      name: 'script click, not reviewed: on hold, entries written, all in onHold, nothing payable',
      facts: scripted, steps: [ship, returnBook],
      expected: { holds: ['stuffing'], hold: 'on_hold', status: 'on_hold', onHold: 2054, payable: 0, ledger: ['shipment 1 1996', 'shipment 2 117', 'return 2 -59'], reviewErrors: [] },
    },
    {
      name: 'script click, released after shipping: back to shipped, entries payable, later return as usual',
      facts: scripted, steps: [ship, { review: 'release' }, returnBook],
      expected: { holds: ['stuffing'], hold: 'released', status: 'shipped', onHold: 0, payable: 2054, ledger: ['shipment 1 1996', 'shipment 2 117', 'return 2 -59'], reviewErrors: [] },
    },
    {
      name: 'script click, rejected after shipping: reversals net to 0, a later return writes nothing',
      facts: scripted, steps: [ship, { review: 'reject' }, returnBook],
      expected: { holds: ['stuffing'], hold: 'rejected', status: 'rejected', onHold: 0, payable: 0, ledger: ['shipment 1 1996', 'shipment 2 117', 'reversal 1 -1996', 'reversal 2 -117'], reviewErrors: [] },
    },
    {
      name: 'rejected before shipping: no entries ever',
      facts: scripted, steps: [{ review: 'reject' }, ship],
      expected: { holds: ['stuffing'], hold: 'rejected', status: 'rejected', onHold: 0, payable: 0, ledger: [], reviewErrors: [] },
    },
    {
      name: 'held with the books open: 117 pending, which a release keeps',
      facts: scripted, steps: [shipCamera, { review: 'release' }],
      expected: { holds: ['stuffing'], hold: 'released', status: 'pending', pending: 117, ledger: ['shipment 1 1996'], reviewErrors: [] },
    },
    {
      name: 'rejected with the books open: pending withdrawn (−117 to the totals), later events move nothing',
      facts: scripted, steps: [shipCamera, { review: 'reject' }, cancelBook, ship],
      expected: { holds: ['stuffing'], hold: 'rejected', status: 'rejected', pending: 0, ledger: ['shipment 1 1996', 'reversal 1 -1996'], reviewErrors: [] },
    },
    {
      name: 'rejected before anything shipped: all 2113 pending withdrawn',
      facts: scripted, steps: [{ review: 'reject' }],
      expected: { holds: ['stuffing'], hold: 'rejected', status: 'rejected', pending: 0, ledger: [], reviewErrors: [] },
    },
    {
      name: 'a second decision is refused and changes nothing',
      facts: scripted, steps: [ship, { review: 'reject' }, { review: 'release' }, { review: 'reject' }],
      expected: { holds: ['stuffing'], hold: 'rejected', status: 'rejected', onHold: 0, payable: 0, ledger: ['shipment 1 1996', 'shipment 2 117', 'reversal 1 -1996', 'reversal 2 -117'], reviewErrors: ['already_reviewed', 'already_reviewed'] },
    },
    {
      name: 'reviewing an order no rule held is refused',
      facts: clean, steps: [ship, { review: 'reject' }],
      expected: { holds: [], hold: 'none', status: 'shipped', onHold: 0, payable: 2113, ledger: ['shipment 1 1996', 'shipment 2 117'], reviewErrors: ['not_on_hold'] },
    },
    {
      name: 'sixth order through one click: held by order velocity',
      facts: { ...clean, velocity: { clickId: 'c1', priorOrders: 5 } }, steps: [ship],
      expected: { holds: ['order_velocity'], hold: 'on_hold', status: 'on_hold', onHold: 2113, payable: 0, ledger: ['shipment 1 1996', 'shipment 2 117'], reviewErrors: [] },
    },
  ] as const)('$name', ({ facts, steps, expected }) => {
    const out = run(facts, [...steps]);
    expect(out).toMatchObject(expected);
    // The totals' share always equals what the lines store.
    expect(out.pending).toBe(out.storedPending);
    expect(out.why.length > 0).toBe(expected.holds.length > 0);
  });
});
