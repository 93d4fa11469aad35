import { z } from 'zod';
import { pendingCommission, type LineState } from '../lifecycle.js';
import type { Hold } from './rules.js';

/**
 * Holds and their review (SPEC §10 "Integrity"). A held order's ledger entries are written as
 * usual but counted in `onHold`, never payable, until an admin decides: release puts the order
 * back to its lifecycle status and its entries into the normal buckets; reject makes it
 * `rejected` and appends entries that reverse what it earned. History is never rewritten.
 */

/** Where an order stands on integrity: never held, held, or held and then decided. */
export type HoldState = 'none' | 'on_hold' | 'released' | 'rejected';
export type ReviewDecision = 'release' | 'reject';
/** The lifecycle status `orderStatus` computes from the lines. */
export type LifecycleStatus = 'pending' | 'shipped' | 'returned' | 'cancelled';
export type OrderStatus = LifecycleStatus | 'on_hold' | 'rejected';

export const MAX_NOTE_LENGTH = 2000;

/** `POST /v1/orders/{id}/review` body. */
export const reviewRequestSchema = z.strictObject({
  decision: z.enum(['release', 'reject'], { error: 'must be "release" or "reject"' }),
  note: z
    .string({ error: 'must be a string' })
    .max(MAX_NOTE_LENGTH, `must be at most ${MAX_NOTE_LENGTH} characters`)
    // Line breaks and tabs are fine in a note; other control characters would garble the CSV and the dashboard.
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters')
    .optional(),
});
export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

/** One decision, kept forever: what, why, by whom (the API key's id) and when. */
export interface ReviewRecord {
  orderId: string;
  decision: ReviewDecision;
  note: string;
  /** The id of the admin key that decided. */
  by: string;
  at: number;
}

/** The state a freshly attributed order starts in. */
export const initialHoldState = (holds: readonly Hold[]): HoldState => (holds.length > 0 ? 'on_hold' : 'none');

/** The status an order shows: a hold or a rejection covers the lifecycle status; a release uncovers it. */
export function displayedStatus(lifecycle: LifecycleStatus, hold: HoldState): OrderStatus {
  if (hold === 'on_hold') return 'on_hold';
  if (hold === 'rejected') return 'rejected';
  return lifecycle;
}

/**
 * Whether the order's ledger entries count in `onHold` (not payable) rather than their normal
 * bucket. A rejected order's entries stay there with their reversals, netting to zero: in the normal
 * buckets the entry would show as maturing or payable for the months until its reversal matures.
 */
export const countsOnHold = (hold: HoldState): boolean => hold === 'on_hold' || hold === 'rejected';

/**
 * Whether a shipment or return of the order still writes ledger entries. A rejected order earns
 * nothing more: its reversal already zeroed it, and a later return's negative entry would take
 * the same money back twice. Its units still move (the merchant's record stays true).
 */
export const writesLedger = (hold: HoldState): boolean => hold !== 'rejected';

/**
 * Whether a payout may take the order's entries. Not while held; never once rejected: the
 * reversal is recorded at review time and matures later than the entry it reverses, so a payout
 * between the two would pay what was rejected. A rejected order's entries and their reversals
 * stay together in the bucket the entries were in (`onHold`), where they net to zero.
 */
export const mayBePaid = (hold: HoldState): boolean => hold === 'none' || hold === 'released';

/** A rejected order has no pending commission: nothing it still owes will be earned. */
export const countsPending = (hold: HoldState): boolean => hold !== 'rejected';

/** A line's pending commission as reports, balances and the order show it: none once the order is rejected. */
export const linePending = (line: LineState, hold: HoldState): number => (countsPending(hold) ? pendingCommission(line) : 0);

/** A line with the pending commission stored for it (what the per-day totals already hold). */
export interface StoredLine extends LineState { pending: number }

/** Lines whose stored pending commission changes, and by how much the order's pending total moves. */
export interface PendingChange {
  lines: { lineId: string; pending: number }[];
  /** The change to the order's pending total (negative when a rejection withdraws it). */
  change: number;
}

/**
 * What an order's hold state does to its stored pending commission: each line's amount as
 * `linePending` states it, against what is stored. A rejection withdraws all of it (in the totals
 * of the day the order was placed, where pending counts); a release changes nothing.
 */
export function pendingChange(hold: HoldState, lines: readonly StoredLine[]): PendingChange {
  const out: PendingChange = { lines: [], change: 0 };
  for (const l of lines) {
    const pending = linePending(l, hold);
    if (pending === l.pending) continue;
    out.lines.push({ lineId: l.lineId, pending });
    out.change += pending - l.pending;
  }
  return out;
}

/** The parts of a ledger entry a reversal needs. */
export interface EntryFacts {
  lineId: string;
  accountId: string;
  tag: string;
  marketplace: string;
  currency: string;
  kind: string;
  /** Units moved, positive for shipments and returns alike. */
  quantity: number;
  /** Signed minor units. */
  amount: number;
}

/** An entry that undoes what one line earned, in the same account, tag, marketplace and currency. */
export interface ReversingEntry {
  lineId: string;
  accountId: string;
  tag: string;
  marketplace: string;
  currency: string;
  kind: 'reversal';
  /** Net units the line had earned on (shipped − returned). */
  quantity: number;
  /** Minus the line's net earnings: the line's entries plus this one sum to exactly 0. */
  amount: number;
}

/** The entries that reverse everything an order's entries earned: one per line (and payee) that nets to non-zero. */
export function reversingEntries(entries: readonly EntryFacts[]): ReversingEntry[] {
  const groups = new Map<string, { first: EntryFacts; amount: bigint; units: number }>();
  for (const e of entries) {
    const key = JSON.stringify([e.lineId, e.accountId, e.tag, e.marketplace, e.currency]);
    const g = groups.get(key) ?? { first: e, amount: 0n, units: 0 };
    // BigInt: the sum of many safe integers need not be one.
    g.amount += BigInt(e.amount);
    g.units += e.kind === 'shipment' ? e.quantity : e.kind === 'return' || e.kind === 'reversal' ? -e.quantity : 0;
    groups.set(key, g);
  }
  const out: ReversingEntry[] = [];
  for (const { first, amount, units } of groups.values()) {
    if (amount === 0n) continue;
    const reversal = -amount;
    if (reversal > BigInt(Number.MAX_SAFE_INTEGER) || reversal < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`line "${first.lineId}": the amount to reverse (${reversal}) is beyond exact integers`);
    }
    out.push({ lineId: first.lineId, accountId: first.accountId, tag: first.tag, marketplace: first.marketplace, currency: first.currency, kind: 'reversal', quantity: Math.max(units, 0), amount: Number(reversal) });
  }
  return out;
}

export interface ReviewFacts {
  orderId: string;
  hold: HoldState;
  /** The decision already taken, if any (for a precise message). */
  previous?: ReviewRecord | null | undefined;
  /** The order's ledger entries so far, oldest first. */
  entries: readonly EntryFacts[];
  /** The order's lines with their stored pending commission. */
  lines: readonly StoredLine[];
}

export type ReviewOutcome =
  | { ok: true; hold: 'released' | 'rejected'; record: ReviewRecord; reversals: ReversingEntry[]; pending: PendingChange }
  | { ok: false; code: 'not_on_hold' | 'already_reviewed'; detail: string };

/**
 * Applies an admin's decision to a held order. Only `on_hold` may be decided, once: a second
 * decision would either undo a reversal (rewriting history) or reverse twice.
 * Answers the new state, the record to keep, the reversing entries to append and the pending
 * commission to withdraw (reject only: the reversals count as earnings on the day of the decision,
 * as a return does; the pending goes from the day the order was placed).
 */
export function reviewOrder(facts: ReviewFacts, request: ReviewRequest, who: { by: string; at: number }): ReviewOutcome {
  if (facts.hold === 'none') {
    return { ok: false, code: 'not_on_hold', detail: `order ${facts.orderId} is not on hold: no integrity rule held it, so there is nothing to review` };
  }
  if (facts.hold !== 'on_hold') {
    const p = facts.previous;
    const when = p ? ` by ${p.by} at ${new Date(p.at).toISOString()}` : '';
    const past = facts.hold === 'released' ? 'released' : 'rejected';
    return { ok: false, code: 'already_reviewed', detail: `order ${facts.orderId} was already reviewed: ${past}${when}; a decision is final` };
  }
  const record: ReviewRecord = { orderId: facts.orderId, decision: request.decision, note: request.note ?? '', by: who.by, at: who.at };
  if (request.decision === 'release') return { ok: true, hold: 'released', record, reversals: [], pending: pendingChange('released', facts.lines) };
  return { ok: true, hold: 'rejected', record, reversals: reversingEntries(facts.entries), pending: pendingChange('rejected', facts.lines) };
}
