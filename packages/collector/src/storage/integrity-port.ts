import type { ClickSignals, Hold, IntegrityRule } from '../domain/integrity/rules.js';
import type { HoldState, PendingChange, ReviewRecord, ReversingEntry } from '../domain/integrity/review.js';

/** An order's integrity record: written with the order when a rule held it, decided once by an admin. */
export interface OrderHoldRow {
  orderId: string;
  status: Exclude<HoldState, 'none'>;
  holds: Hold[];
  heldAt: number;
  /** The decision, once taken. */
  review: ReviewRecord | null;
}

/** `order_holds` as both adapters read it: the holds as stored JSON, the decision in its columns. */
export interface StoredHold { orderId: string; status: OrderHoldRow['status']; holds: string; heldAt: number; decidedAt: number | null; decidedBy: string | null; note: string | null }

/** A stored hold as the port answers it (shared by the adapters). */
export const holdRow = (r: StoredHold): OrderHoldRow => ({
  orderId: r.orderId,
  status: r.status,
  holds: JSON.parse(r.holds) as Hold[],
  heldAt: r.heldAt,
  review: r.decidedAt === null ? null : { orderId: r.orderId, decision: r.status === 'rejected' ? 'reject' : 'release', note: r.note ?? '', by: r.decidedBy ?? '', at: r.decidedAt },
});

/** A rejection's reversing ledger entry as stored (kind `reversal`, no order event). */
export interface ReversalRow extends ReversingEntry { id: number; orderId: string; at: number }

/** A review decision as storage records it: everything here was decided by the domain (`reviewOrder`). */
export interface ReviewWrite {
  record: ReviewRecord;
  status: 'released' | 'rejected';
  /** Appended with `record.at` as their time; their amounts count in that day's earnings. */
  reversals: readonly ReversingEntry[];
  /** The lines' new pending commission, and the change to the order's pending total on the day it was placed. */
  pending: PendingChange;
  /** Where the order's own per-day totals are kept. */
  order: { accountId: string | null; orderedAt: number; creditedTag: string | null; marketplace: string; currency: string };
}

/** A held order as the integrity report reads it (commission as attribution stored it, per line). */
export interface HeldOrderRow {
  orderId: string;
  orderedAt: number;
  tag: string;
  accountId: string;
  currency: string;
  lineCommissions: number[];
  rules: IntegrityRule[];
  status: Exclude<HoldState, 'none'>;
}

/** Program integrity (issue 19; docs/integrity.md): visitor salts, sign-in visitors, order holds and reviews. */
export interface IntegrityStore {
  /** The salt of a UTC day, created with `fresh()` by whichever instance asks first (all instances agree). */
  saltFor(day: string, fresh: () => string, now: number): Promise<string>;
  /** Deletes the salts of days before `beforeDay` (YYYY-MM-DD); answers how many went. */
  purgeSalts(beforeDay: string): Promise<number>;
  /** Deletes sign-in visitor rows first seen before `before` (with raw events, `retentionDays`). */
  purgeKeyVisitors(before: number): Promise<number>;
  /** An account key authenticated from this visitor hash on this day (first sighting kept). */
  recordKeyVisitor(v: { accountId: string; day: string; visitor: string; keyId: string; at: number }): Promise<void>;
  /** The day the account signed in from this visitor hash, if it did. */
  signedInFrom(accountId: string, visitor: string): Promise<{ day: string } | undefined>;
  /** The first landing stored with this click ID. */
  landingFor(clickId: string): Promise<{ id: string; tag: string; visitor: string | null; at: number } | undefined>;
  /** Clicks from one visitor hash on one tag with event time in [from, to]. */
  sameVisitorClicks(visitor: string, tag: string, from: number, to: number): Promise<{ id: string; at: number }[]>;
  /** Beacons from a visitor in [from, to] other than `exceptId`, and of those the clicks on `tag`. */
  beaconsFrom(visitor: string, from: number, to: number, tag: string, exceptId: string): Promise<{ others: number; clicksOnTag: number }>;
  /** Orders already stored whose attribution went through this click ID. */
  attributedOrdersThroughClick(clickId: string): Promise<number>;
  putHold(row: { orderId: string; holds: readonly Hold[]; at: number }): Promise<void>;
  holdOf(orderId: string): Promise<OrderHoldRow | undefined>;
  /** Of these orders, those on hold or rejected. */
  heldAmong(orderIds: readonly string[]): Promise<string[]>;
  /**
   * Records a decision, appends its reversing entries and stores its pending change, with the
   * per-day totals (the reversals' earnings, the order's pending) in the same transaction.
   */
  decide(write: ReviewWrite): Promise<void>;
  reversals(orderId: string): Promise<ReversalRow[]>;
  /** Held orders (any status) with `orderedAt` in [from, to]. */
  heldOrders(from: number, to: number): Promise<HeldOrderRow[]>;
  /** Clicks with event time in [from, to] that have a visitor hash or an SDK signal (for `clickRules`). */
  visitorClicks(from: number, to: number): Promise<({ id: string; tag: string; accountId: string | null; visitor: string | null; at: number } & ClickSignals)[]>;
}
