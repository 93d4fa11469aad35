import { describe, expect, it } from 'vitest';
import { explainHold, explainIntegrity } from '../../../src/domain/integrity/explain.js';
import type { Hold } from '../../../src/domain/integrity/rules.js';

const holds: Hold[] = [
  { rule: 'click_burst', detail: "11 clicks from one visitor on tag jane-20 within 10 minutes up to this order's click (more than 10)" },
  { rule: 'stuffing', detail: 'dwell 120 ms < 500 ms' },
];
const review = (decision: 'release' | 'reject', note = '') => ({ orderId: 'o1', decision, note, by: 'key_admin', at: Date.parse('2026-12-03T12:00:00Z') });

describe('integrity explanations', () => {
  it('one sentence per hold, naming the rule', () => {
    expect(explainHold(holds[1]!)).toBe('Held by the cookie stuffing rule (stuffing): dwell 120 ms < 500 ms.');
    expect(explainHold({ rule: 'self_referral', detail: 'x' })).toBe('Held by the self-referral rule (self_referral): x.');
    expect(explainHold({ rule: 'order_velocity', detail: 'y' })).toBe('Held by the order velocity rule (order_velocity): y.');
  });

  it.each([
    { name: 'never held: nothing added', input: { hold: 'none' as const, holds: [] }, lines: [] },
    {
      name: 'on hold',
      input: { hold: 'on_hold' as const, holds },
      lines: [
        'On hold until an admin reviews it: its ledger entries are written as usual but count as onHold and are not payable.',
        "Held by the click burst rule (click_burst): 11 clicks from one visitor on tag jane-20 within 10 minutes up to this order's click (more than 10).",
        'Held by the cookie stuffing rule (stuffing): dwell 120 ms < 500 ms.',
      ],
    },
    {
      name: 'released with a note',
      input: { hold: 'released' as const, holds: holds.slice(1), review: review('release', 'a real reader, checked') },
      lines: [
        'Released by key_admin at 2026-12-03T12:00:00.000Z: it was held, and now earns as usual. Note: "a real reader, checked"',
        'Held by the cookie stuffing rule (stuffing): dwell 120 ms < 500 ms.',
      ],
    },
    {
      name: 'rejected after earning',
      input: { hold: 'rejected' as const, holds: holds.slice(1), review: review('reject'), reversals: [{ amount: -1996, currency: 'USD' }, { amount: -58, currency: 'USD' }] },
      lines: [
        'Rejected by key_admin at 2026-12-03T12:00:00.000Z: it earns nothing. Reversing ledger entries undo what it had earned: -2054 USD (minor units).',
        'Held by the cookie stuffing rule (stuffing): dwell 120 ms < 500 ms.',
      ],
    },
    {
      name: 'rejected before earning',
      input: { hold: 'rejected' as const, holds: holds.slice(1), review: review('reject', 'own order') },
      lines: [
        'Rejected by key_admin at 2026-12-03T12:00:00.000Z: it earns nothing. It had earned nothing, so nothing was reversed. Note: "own order"',
        'Held by the cookie stuffing rule (stuffing): dwell 120 ms < 500 ms.',
      ],
    },
  ])('$name', ({ input, lines }) => {
    expect(explainIntegrity(input)).toEqual(lines);
  });
});
