import { describe, expect, it } from 'vitest';
import { applyOrderEvent, type LineState } from '../../../src/domain/lifecycle.js';
import {
  countsOnHold,
  countsPending,
  displayedStatus,
  mayBePaid,
  initialHoldState,
  linePending,
  pendingChange,
  reversingEntries,
  reviewOrder,
  reviewRequestSchema,
  writesLedger,
  type EntryFacts,
  type HoldState,
} from '../../../src/domain/integrity/review.js';

const AT = Date.parse('2026-12-03T12:00:00Z');
const who = { by: 'key_admin', at: AT };
const payee = { accountId: 'acc_1', tag: 'janesblog-20', marketplace: 'us', currency: 'USD' };
const entry = (lineId: string, kind: 'shipment' | 'return', quantity: number, amount: number): EntryFacts => ({ ...payee, lineId, kind, quantity, amount });

// SPEC §5 worked example: camera 1996 and two books 117 shipped, one book returned (−59).
const WORKED: EntryFacts[] = [entry('1', 'shipment', 1, 1996), entry('2', 'shipment', 2, 117), entry('2', 'return', 1, -59)];
// The same order's lines before anything shipped, with the pending commission stored for them.
const OPEN = [
  { lineId: '1', unitAmount: 49900, quantity: 1, cancelled: 0, shipped: 0, returned: 0, rateBp: 400, pending: 1996 },
  { lineId: '2', unitAmount: 1299, quantity: 2, cancelled: 0, shipped: 0, returned: 0, rateBp: 450, pending: 117 },
];
const SHIPPED = OPEN.map((l) => ({ ...l, shipped: l.quantity, pending: 0 }));

describe('hold states', () => {
  it('an order starts on hold exactly when a rule held it', () => {
    expect(initialHoldState([])).toBe('none');
    expect(initialHoldState([{ rule: 'stuffing', detail: 'x' }])).toBe('on_hold');
  });

  it.each<{ hold: HoldState; lifecycle: 'pending' | 'shipped' | 'returned' | 'cancelled'; shown: string; onHold: boolean; ledger: boolean; pending: boolean; paid?: boolean }>([
    { hold: 'none', lifecycle: 'shipped', shown: 'shipped', onHold: false, ledger: true, pending: true, paid: true },
    { hold: 'on_hold', lifecycle: 'pending', shown: 'on_hold', onHold: true, ledger: true, pending: true },
    { hold: 'on_hold', lifecycle: 'shipped', shown: 'on_hold', onHold: true, ledger: true, pending: true },
    { hold: 'released', lifecycle: 'shipped', shown: 'shipped', onHold: false, ledger: true, pending: true, paid: true },
    { hold: 'released', lifecycle: 'returned', shown: 'returned', onHold: false, ledger: true, pending: true, paid: true },
    { hold: 'rejected', lifecycle: 'shipped', shown: 'rejected', onHold: true, ledger: false, pending: false },
    { hold: 'rejected', lifecycle: 'pending', shown: 'rejected', onHold: true, ledger: false, pending: false },
  ])('$hold + $lifecycle → $shown', ({ hold, lifecycle, shown, onHold, ledger, pending, paid }) => {
    expect(mayBePaid(hold)).toBe(paid ?? false);
    expect(displayedStatus(lifecycle, hold)).toBe(shown);
    expect(countsOnHold(hold)).toBe(onHold);
    expect(writesLedger(hold)).toBe(ledger);
    expect(countsPending(hold)).toBe(pending);
  });
});

describe('reviewOrder: transitions', () => {
  it('release: back to the normal status, no entries, the decision recorded', () => {
    const out = reviewOrder({ orderId: 'o1', hold: 'on_hold', entries: WORKED, lines: SHIPPED }, { decision: 'release', note: 'known reader' }, who);
    expect(out).toEqual({ ok: true, hold: 'released', record: { orderId: 'o1', decision: 'release', note: 'known reader', by: 'key_admin', at: AT }, reversals: [], pending: { lines: [], change: 0 } });
    expect(reviewOrder({ orderId: 'o1', hold: 'on_hold', entries: [], lines: OPEN }, { decision: 'release' }, who)).toMatchObject({ pending: { lines: [], change: 0 } });
  });

  it('reject: rejected, with entries reversing what each line earned', () => {
    const out = reviewOrder({ orderId: 'o1', hold: 'on_hold', entries: WORKED, lines: SHIPPED }, { decision: 'reject', note: 'own purchase' }, who);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.hold).toBe('rejected');
    expect(out.record).toEqual({ orderId: 'o1', decision: 'reject', note: 'own purchase', by: 'key_admin', at: AT });
    expect(out.reversals).toEqual([
      { ...payee, lineId: '1', kind: 'reversal', quantity: 1, amount: -1996 },
      { ...payee, lineId: '2', kind: 'reversal', quantity: 1, amount: -58 },
    ]);
    // The ledger with the reversals nets to exactly zero; nothing was pending.
    expect([...WORKED, ...out.reversals].reduce((n, e) => n + e.amount, 0)).toBe(0);
    expect(out.pending).toEqual({ lines: [], change: 0 });
  });

  it('a note may be omitted (recorded as empty)', () => {
    const out = reviewOrder({ orderId: 'o1', hold: 'on_hold', entries: [], lines: [] }, { decision: 'release' }, who);
    expect(out.ok && out.record.note).toBe('');
  });

  it('reject of an order that earned nothing yet: rejected, no entries, its whole pending withdrawn', () => {
    const out = reviewOrder({ orderId: 'o1', hold: 'on_hold', entries: [], lines: OPEN }, { decision: 'reject' }, who);
    expect(out).toMatchObject({ ok: true, hold: 'rejected', reversals: [], pending: { lines: [{ lineId: '1', pending: 0 }, { lineId: '2', pending: 0 }], change: -2113 } });
  });

  it.each<{ hold: HoldState; decision: 'release' | 'reject'; code: string; detail: RegExp }>([
    { hold: 'none', decision: 'release', code: 'not_on_hold', detail: /^order o1 is not on hold: no integrity rule held it, so there is nothing to review$/ },
    { hold: 'none', decision: 'reject', code: 'not_on_hold', detail: /not on hold/ },
    { hold: 'released', decision: 'release', code: 'already_reviewed', detail: /^order o1 was already reviewed: released by key_a at 2026-12-02T08:00:00.000Z; a decision is final$/ },
    { hold: 'released', decision: 'reject', code: 'already_reviewed', detail: /already reviewed: released/ },
    { hold: 'rejected', decision: 'reject', code: 'already_reviewed', detail: /already reviewed: rejected/ },
    { hold: 'rejected', decision: 'release', code: 'already_reviewed', detail: /already reviewed: rejected/ },
  ])('$hold, then $decision → $code', ({ hold, decision, code, detail }) => {
    const previous = hold === 'none' ? null : { orderId: 'o1', decision: hold === 'released' ? ('release' as const) : ('reject' as const), note: '', by: 'key_a', at: Date.parse('2026-12-02T08:00:00Z') };
    const out = reviewOrder({ orderId: 'o1', hold, previous, entries: WORKED, lines: OPEN }, { decision }, who);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.code).toBe(code);
    expect(out.detail).toMatch(detail);
  });

  it('already reviewed without the record at hand still says so', () => {
    const out = reviewOrder({ orderId: 'o1', hold: 'rejected', entries: [], lines: [] }, { decision: 'reject' }, who);
    expect(!out.ok && out.detail).toBe('order o1 was already reviewed: rejected; a decision is final');
  });
});

describe('pending of a held, released or rejected order', () => {
  const camera = OPEN[0]!;
  it.each<{ name: string; hold: HoldState; lines: typeof OPEN; shown: number[]; change: number; changed: string[] }>([
    { name: 'never held: the lifecycle value', hold: 'none', lines: OPEN, shown: [1996, 117], change: 0, changed: [] },
    { name: 'on hold: still pending (it may be released)', hold: 'on_hold', lines: OPEN, shown: [1996, 117], change: 0, changed: [] },
    { name: 'released: the lifecycle value', hold: 'released', lines: OPEN, shown: [1996, 117], change: 0, changed: [] },
    { name: 'rejected: nothing', hold: 'rejected', lines: OPEN, shown: [0, 0], change: -2113, changed: ['1', '2'] },
    { name: 'rejected, camera shipped: the books\' 117 withdrawn', hold: 'rejected', lines: [{ ...camera, shipped: 1, pending: 0 }, OPEN[1]!], shown: [0, 0], change: -117, changed: ['2'] },
    { name: 'rejected, one book cancelled: the other\'s 58 withdrawn', hold: 'rejected', lines: [{ ...camera, shipped: 1, pending: 0 }, { ...OPEN[1]!, cancelled: 1, pending: 58 }], shown: [0, 0], change: -58, changed: ['2'] },
    { name: 'rejected, already withdrawn: no change', hold: 'rejected', lines: OPEN.map((l) => ({ ...l, pending: 0 })), shown: [0, 0], change: 0, changed: [] },
    { name: 'stored value behind the lifecycle is brought to it', hold: 'none', lines: [{ ...camera, pending: 0 }], shown: [1996], change: 1996, changed: ['1'] },
  ])('$name', ({ hold, lines, shown, change, changed }) => {
    expect(lines.map((l) => linePending(l, hold))).toEqual(shown);
    const out = pendingChange(hold, lines);
    expect(out.change).toBe(change);
    expect(out.lines.map((l) => l.lineId)).toEqual(changed);
    expect(out.change).toBe(out.lines.reduce((n, l) => n + l.pending, 0) - lines.filter((l) => changed.includes(l.lineId)).reduce((n, l) => n + l.pending, 0));
  });
});

describe('reversingEntries: money exact', () => {
  it.each<{ name: string; entries: EntryFacts[]; expected: { lineId: string; quantity: number; amount: number }[] }>([
    { name: 'nothing earned', entries: [], expected: [] },
    { name: 'fully returned line nets to 0: no entry', entries: [entry('1', 'shipment', 2, 200), entry('1', 'return', 2, -200)], expected: [] },
    { name: 'partial shipments add up', entries: [entry('1', 'shipment', 1, 333), entry('1', 'shipment', 2, 667)], expected: [{ lineId: '1', quantity: 3, amount: -1000 }] },
    { name: 'rounding kept as the ledger has it', entries: [entry('2', 'shipment', 2, 117), entry('2', 'return', 1, -59)], expected: [{ lineId: '2', quantity: 1, amount: -58 }] },
    { name: 'zero-yen line (rate 0) earned nothing', entries: [entry('1', 'shipment', 5, 0)], expected: [] },
    {
      name: 'beyond 2^53 in sum still exact',
      // In floats MAX + 2 rounds to 2^53 and the result would be off by one.
      entries: [entry('1', 'shipment', 1, Number.MAX_SAFE_INTEGER), entry('1', 'shipment', 1, 2), entry('1', 'return', 1, -3)],
      expected: [{ lineId: '1', quantity: 1, amount: -(Number.MAX_SAFE_INTEGER - 1) }],
    },
  ])('$name', ({ entries, expected }) => {
    const out = reversingEntries(entries);
    expect(out.map(({ lineId, quantity, amount }) => ({ lineId, quantity, amount }))).toEqual(expected);
    expect([...entries, ...out].reduce((n, e) => n + BigInt(e.amount), 0n)).toBe(0n);
  });

  it('keeps payee, tag, marketplace and currency of what it reverses (one entry per each)', () => {
    const uk = { accountId: 'acc_1', tag: 'janesblog-21', marketplace: 'uk', currency: 'GBP' };
    const out = reversingEntries([entry('1', 'shipment', 1, 500), { ...uk, lineId: '1', kind: 'shipment', quantity: 1, amount: 300 }]);
    expect(out).toEqual([
      { ...payee, lineId: '1', kind: 'reversal', quantity: 1, amount: -500 },
      { ...uk, lineId: '1', kind: 'reversal', quantity: 1, amount: -300 },
    ]);
  });

  it('a sum that cannot be an exact number is refused, not rounded', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(() => reversingEntries([entry('1', 'shipment', 1, big), entry('1', 'shipment', 1, big)])).toThrow(/beyond exact integers/);
  });

  it('reverses exactly what the lifecycle wrote (shipments and returns of the worked example)', () => {
    const lines: LineState[] = [
      { lineId: '1', unitAmount: 49900, quantity: 1, cancelled: 0, shipped: 0, returned: 0, rateBp: 400 },
      { lineId: '2', unitAmount: 1299, quantity: 2, cancelled: 0, shipped: 0, returned: 0, rateBp: 450 },
    ];
    const shipped = applyOrderEvent(lines, { type: 'shipped' });
    if (!shipped.ok) throw new Error(shipped.detail);
    const returned = applyOrderEvent(shipped.lines, { type: 'returned', items: [{ lineId: '2', quantity: 1 }] });
    if (!returned.ok) throw new Error(returned.detail);
    const ledger: EntryFacts[] = [
      ...shipped.adjustments.map((a) => ({ ...payee, lineId: a.lineId, kind: 'shipment', quantity: a.quantity, amount: a.amount })),
      ...returned.adjustments.map((a) => ({ ...payee, lineId: a.lineId, kind: 'return', quantity: a.quantity, amount: a.amount })),
    ];
    expect(reversingEntries(ledger).map((e) => e.amount)).toEqual([-1996, -58]);
  });
});

describe('review request body', () => {
  it.each([
    { body: { decision: 'release', note: 'ok' }, ok: true },
    { body: { decision: 'reject' }, ok: true },
    { body: { decision: 'reject', note: 'line one\nline two\ttabbed' }, ok: true },
    { body: { decision: 'approve' }, ok: false, path: 'decision', message: 'must be "release" or "reject"' },
    { body: {}, ok: false, path: 'decision', message: 'must be "release" or "reject"' },
    { body: { decision: 'release', note: 5 }, ok: false, path: 'note', message: 'must be a string' },
    { body: { decision: 'release', note: 'x'.repeat(2001) }, ok: false, path: 'note', message: 'must be at most 2000 characters' },
    { body: { decision: 'release', note: 'bell\u0007' }, ok: false, path: 'note', message: 'must not contain control characters' },
    { body: { decision: 'release', extra: 1 }, ok: false, path: 'extra' },
  ])('$body → ok=$ok', ({ body, ok, path, message }) => {
    const out = reviewRequestSchema.safeParse(body);
    expect(out.success).toBe(ok);
    if (!out.success) {
      expect(out.error.issues[0]!.path.join('.') || (out.error.issues[0] as { keys?: string[] }).keys?.join()).toBe(path);
      if (message) expect(out.error.issues[0]!.message).toBe(message);
    }
  });
});
