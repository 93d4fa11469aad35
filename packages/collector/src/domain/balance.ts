/**
 * Balances per account and currency in the seven buckets of SPEC §10 "Money out". Pure: the
 * caller hands in ledger entries (with which payout, if any, covers each), the amounts of orders
 * not shipped yet, and the clock.
 */
import { sumMinor } from './money.js';

export const BUCKETS = ['pending', 'maturing', 'payable', 'inPayout', 'paid', 'onHold', 'carriedForward'] as const;
export type Bucket = (typeof BUCKETS)[number];
export type Buckets = Record<Bucket, number>;

/** A payout's hold on an entry: `created` → inPayout, `paid` → paid (cancelled payouts hold nothing). */
export type PayoutMembership = 'created' | 'paid';

export interface BalanceEntry {
  id: number;
  account: string;
  currency: string;
  /** Signed minor units: a return or a rejection is negative. */
  amount: number;
  kind: string;
  /** When the collector recorded the entry (ms since epoch). This, not the merchant's `at`, dates it. */
  recordedAt: number;
  /** The merchant's event time; never used for money-out dates (SPEC: a back-dated `at` changes nothing). */
  at?: number | undefined;
  /** The id of the entry this one reverses (a return of a shipment, a rejection). */
  reverses?: number | undefined;
  /** Set when a created or paid payout covers this entry. */
  payout?: PayoutMembership | undefined;
  /** An integrity hold on the order this entry belongs to. */
  onHold?: boolean | undefined;
}

export interface PendingAmount { account: string; currency: string; amount: number }

export interface AccountBalance { account: string; byCurrency: Record<string, Buckets> }

const DAY = 86_400_000;

/** "YYYY-MM" of the UTC month the collector recorded the entry in. */
export function entryMonth(recordedAt: number): string {
  return new Date(recordedAt).toISOString().slice(0, 7);
}

/** 00:00 UTC on the first day of the month after the recorded month, plus `payableAfterDays`. */
export function payableAt(recordedAt: number, payableAfterDays: number): number {
  const d = new Date(recordedAt);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) + payableAfterDays * DAY;
}

/** The bucket of an entry by its own state, ignoring what it may reverse. */
function ownBucket(e: BalanceEntry, now: number, payableAfterDays: number): Bucket {
  if (e.payout === 'paid') return 'paid';
  if (e.payout === 'created') return 'inPayout';
  if (e.onHold) return 'onHold';
  return now >= payableAt(e.recordedAt, payableAfterDays) ? 'payable' : 'maturing';
}

/**
 * The bucket an entry counts in. A payout covering the entry decides first (a reversal paid out
 * with, or after, what it reverses is simply paid). Otherwise a reversal is netted against the
 * bucket of the entry it reverses — so a return of a maturing shipment lowers `maturing` — except
 * that a negative reversal of an entry already paid cannot be taken back from the affiliate: it is
 * `carriedForward` and comes off the next payout. A reversal of an unknown entry stands alone.
 */
export function entryBucket(e: BalanceEntry, byId: ReadonlyMap<number, BalanceEntry>, now: number, payableAfterDays: number): Bucket {
  if (e.payout) return ownBucket(e, now, payableAfterDays);
  const target = e.reverses === undefined ? undefined : byId.get(e.reverses);
  if (!target) return ownBucket(e, now, payableAfterDays);
  const targetBucket = ownBucket(target, now, payableAfterDays);
  if (targetBucket === 'paid') return e.amount < 0 ? 'carriedForward' : ownBucket(e, now, payableAfterDays);
  return targetBucket;
}

export const emptyBuckets = (): Buckets => ({ pending: 0, maturing: 0, payable: 0, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 });

export interface BalanceInput {
  entries: readonly BalanceEntry[];
  pending?: readonly PendingAmount[];
  now: number;
  payableAfterDays: number;
}

/** Every account's buckets, accounts in name order, currencies in code order. */
export function balances(input: BalanceInput): AccountBalance[] {
  const byId = new Map(input.entries.map((e) => [e.id, e]));
  const amounts = new Map<string, Map<string, Map<Bucket, number[]>>>();
  const add = (account: string, currency: string, bucket: Bucket, amount: number) => {
    let currencies = amounts.get(account);
    if (!currencies) amounts.set(account, (currencies = new Map()));
    let buckets = currencies.get(currency);
    if (!buckets) currencies.set(currency, (buckets = new Map()));
    const list = buckets.get(bucket);
    if (list) list.push(amount);
    else buckets.set(bucket, [amount]);
  };
  for (const e of input.entries) add(e.account, e.currency, entryBucket(e, byId, input.now, input.payableAfterDays), e.amount);
  for (const p of input.pending ?? []) add(p.account, p.currency, 'pending', p.amount);
  return [...amounts.keys()].sort().map((account) => {
    const currencies = amounts.get(account)!;
    const byCurrency: Record<string, Buckets> = {};
    for (const currency of [...currencies.keys()].sort()) {
      const b = emptyBuckets();
      for (const [bucket, list] of currencies.get(currency)!) b[bucket] = sumMinor(list);
      byCurrency[currency] = b;
    }
    return { account, byCurrency };
  });
}
