/**
 * Payout runs (SPEC §10 "Money out"): which ledger entries a run for `through` pays, per account
 * and currency, and the life of a payout (created → paid | cancelled). Pure: storage records the
 * payouts this plans and which entries each covers; it never rewrites an entry.
 */
import { createHash } from 'node:crypto';
import { payableAt, type BalanceEntry } from './balance.js';
import { sumMinor } from './money.js';

export type PayoutStatus = 'created' | 'paid' | 'cancelled';

export interface Payout {
  id: string;
  account: string;
  currency: string;
  /** Net minor units: what the entries add up to, carried-forward reversals included. Always > 0. */
  amount: number;
  /** "YYYY-MM-DD": the run paid entries payable on or before this date. */
  through: string;
  status: PayoutStatus;
  /** Ledger entry ids this payout covers, ascending. */
  entries: number[];
  /** Which run for the same account, currency and `through` made it (0, then 1 after a cancel…). */
  generation: number;
  reference?: string | undefined;
  createdAt: number;
  paidAt?: number | undefined;
  cancelledAt?: number | undefined;
}

// ---- configuration -------------------------------------------------------------------------

/** Config `payouts`. Every key is optional. */
export interface PayoutsConfig {
  /** Days after the end of an entry's recorded month before it is payable. Default 60. */
  payableAfterDays: number;
  /** Smallest payout per currency, in minor units; a currency not listed uses `defaultMinimum`. */
  minimum: Record<string, number>;
  /** 1000 minor units (SPEC §10). */
  defaultMinimum: number;
}

export const DEFAULT_PAYABLE_AFTER_DAYS = 60;
export const DEFAULT_MINIMUM = 1000;

export class PayoutsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayoutsConfigError';
  }
}

/** Reads config `payouts` (undefined → defaults); throws PayoutsConfigError naming the bad key. */
export function parsePayoutsConfig(raw: unknown): PayoutsConfig {
  const config: PayoutsConfig = { payableAfterDays: DEFAULT_PAYABLE_AFTER_DAYS, minimum: {}, defaultMinimum: DEFAULT_MINIMUM };
  if (raw === undefined) return config;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new PayoutsConfigError('payouts must be an object like {"payableAfterDays": 60, "minimum": {"USD": 1000}}');
  const { payableAfterDays, minimum, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new PayoutsConfigError(`payouts.${unknown[0]} is not a setting (known: payableAfterDays, minimum)`);
  if (payableAfterDays !== undefined) {
    if (typeof payableAfterDays !== 'number' || !Number.isInteger(payableAfterDays) || payableAfterDays < 0 || payableAfterDays > 3660) {
      throw new PayoutsConfigError(`payouts.payableAfterDays must be a whole number of days from 0 to 3660, not ${JSON.stringify(payableAfterDays)}`);
    }
    config.payableAfterDays = payableAfterDays;
  }
  if (minimum !== undefined) {
    if (minimum === null || typeof minimum !== 'object' || Array.isArray(minimum)) throw new PayoutsConfigError('payouts.minimum must be an object of currency code → minor units, like {"USD": 1000}');
    for (const [currency, value] of Object.entries(minimum as Record<string, unknown>)) {
      if (!/^[A-Z]{3}$/.test(currency)) throw new PayoutsConfigError(`payouts.minimum.${currency}: "${currency}" is not an ISO 4217 code in capitals (USD, EUR, JPY)`);
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new PayoutsConfigError(`payouts.minimum.${currency} must be a whole number of minor units ≥ 0 (1000 = 10.00 USD), not ${JSON.stringify(value)}`);
      }
      config.minimum[currency] = value;
    }
  }
  return config;
}

export function minimumFor(config: PayoutsConfig, currency: string): number {
  return config.minimum[currency] ?? config.defaultMinimum;
}

// ---- dates and ids ---------------------------------------------------------------------------

/** Parses "YYYY-MM-DD" (a real calendar date) to 00:00 UTC of that day; undefined if it is not one. */
export function parseThrough(through: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(through);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === through ? t : undefined;
}

/**
 * A payout's id from what makes it unique, so two runs for the same `through` — one after the
 * other, or racing on two instances — name the same payout, and storage's primary key keeps one.
 */
export function payoutId(account: string, currency: string, through: string, generation: number): string {
  const digest = createHash('sha256').update(JSON.stringify(['affil-payout', account, currency, through, generation])).digest('hex');
  return `po_${digest.slice(0, 20)}`;
}

// ---- selection -------------------------------------------------------------------------------

/** Which entries created or paid payouts cover; cancelled ones free theirs. */
export function membership(payouts: readonly Payout[]): Map<number, 'created' | 'paid'> {
  const held = new Map<number, 'created' | 'paid'>();
  for (const p of payouts) if (p.status !== 'cancelled') for (const id of p.entries) held.set(id, p.status);
  return held;
}

/** Entries annotated with the payout that covers each (what `balances` reads). */
export function withMembership<E extends BalanceEntry>(entries: readonly E[], payouts: readonly Payout[]): E[] {
  const held = membership(payouts);
  return entries.map((e) => ({ ...e, payout: held.get(e.id) }));
}

export interface PlanInput {
  entries: readonly BalanceEntry[];
  /** Every payout so far, any status (the run reads which entries are taken and which ids exist). */
  payouts: readonly Payout[];
  through: string;
  config: PayoutsConfig;
  now: number;
}

export interface Shortfall { account: string; currency: string; net: number; minimum: number; entries: number[] }

export interface Plan {
  /** New payouts to store (status created). */
  created: Payout[];
  /** Payouts an earlier run for this `through` already made (created or paid), returned again. */
  existing: Payout[];
  /** Groups whose net did not reach the minimum (or was not above zero); their entries roll over. */
  belowMinimum: Shortfall[];
}

export class PayoutError extends Error {
  constructor(readonly code: 'invalid_through' | 'not_created' | 'already_paid' | 'cancelled' | 'invalid_reference', message: string) {
    super(message);
    this.name = 'PayoutError';
  }
}

interface Group { account: string; currency: string; ids: number[]; amounts: number[] }

type Held = ReadonlyMap<number, 'created' | 'paid'>;

/**
 * From which `through` (00:00 UTC of its day) a run takes the entry; undefined: no run does, as
 * things stand. Entries no created or paid payout covers and not on hold, from their payable day;
 * a reversal goes with what it reverses (taken from that one's day, never while that one is on
 * hold or in a created payout), except that a negative reversal of a paid entry (carried forward)
 * is taken by the next run whatever its own date (-Infinity). See `planPayouts`.
 */
function takenFrom(e: BalanceEntry, byId: ReadonlyMap<number, BalanceEntry>, held: Held, payableAfterDays: number): number | undefined {
  const own = (x: BalanceEntry) => (held.has(x.id) || x.onHold ? undefined : payableAt(x.recordedAt, payableAfterDays));
  if (held.has(e.id)) return undefined;
  const target = e.reverses === undefined ? undefined : byId.get(e.reverses);
  if (!target) return own(e);
  if (held.get(target.id) === 'paid') return e.amount < 0 ? (e.onHold ? undefined : -Infinity) : own(e);
  return own(target);
}

/** Each entry a run takes at some `through`, with that day's instant, per account and currency (keyed `[account, currency]`). */
function takenEntries(entries: readonly BalanceEntry[], held: Held, payableAfterDays: number): Map<string, { account: string; currency: string; taken: { e: BalanceEntry; from: number }[] }> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const out = new Map<string, { account: string; currency: string; taken: { e: BalanceEntry; from: number }[] }>();
  for (const e of entries) {
    const from = takenFrom(e, byId, held, payableAfterDays);
    if (from === undefined) continue;
    const key = JSON.stringify([e.account, e.currency]);
    let g = out.get(key);
    if (!g) out.set(key, (g = { account: e.account, currency: e.currency, taken: [] }));
    g.taken.push({ e, from });
  }
  return out;
}

/** What a run through `throughAt` pays, per account and currency (keyed `[account, currency]`). */
function dueGroups(entries: readonly BalanceEntry[], held: Held, throughAt: number, payableAfterDays: number): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const [key, g] of takenEntries(entries, held, payableAfterDays)) {
    const due = g.taken.filter((t) => t.from <= throughAt);
    if (due.length > 0) groups.set(key, { account: g.account, currency: g.currency, ids: due.map((t) => t.e.id), amounts: due.map((t) => t.e.amount) });
  }
  return groups;
}

/**
 * A payout run. Eligible: entries no created or paid payout covers, not on hold, payable on or
 * before `through`. A reversal goes with what it reverses: into the same payout when that one is
 * eligible, not at all while that one waits (maturing, on hold, or in a created payout); a
 * negative reversal of an entry already paid (carried forward) goes into the next payout of its
 * account and currency whatever its own date, lowering it. One payout per account and currency
 * whose net is > 0 and ≥ the minimum. Idempotent: if a created or paid payout for this account,
 * currency and `through` exists, that one is returned and nothing new is made; after a cancel the
 * next generation pays the freed entries.
 */
export function planPayouts(input: PlanInput): Plan {
  const throughAt = parseThrough(input.through);
  if (throughAt === undefined) throw new PayoutError('invalid_through', `through must be a date as YYYY-MM-DD, not "${input.through}"`);
  const groups = dueGroups(input.entries, membership(input.payouts), throughAt, input.config.payableAfterDays);

  const plan: Plan = { created: [], existing: [], belowMinimum: [] };
  const sameRun = (p: Payout, account: string, currency: string) => p.account === account && p.currency === currency && p.through === input.through;
  const accountsWithRun = new Set<string>();
  for (const p of input.payouts) {
    if (p.through === input.through && p.status !== 'cancelled') {
      plan.existing.push(p);
      accountsWithRun.add(JSON.stringify([p.account, p.currency]));
    }
  }
  for (const [key, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (accountsWithRun.has(key)) continue;
    const net = sumMinor(g.amounts);
    const minimum = minimumFor(input.config, g.currency);
    const ids = [...g.ids].sort((a, b) => a - b);
    if (net <= 0 || net < minimum) {
      plan.belowMinimum.push({ account: g.account, currency: g.currency, net, minimum, entries: ids });
      continue;
    }
    const generation = input.payouts.filter((p) => sameRun(p, g.account, g.currency)).reduce((n, p) => Math.max(n, p.generation + 1), 0);
    plan.created.push({
      id: payoutId(g.account, g.currency, input.through, generation),
      account: g.account,
      currency: g.currency,
      amount: net,
      through: input.through,
      status: 'created',
      entries: ids,
      generation,
      createdAt: input.now,
    });
  }
  return plan;
}

// ---- the next payout ---------------------------------------------------------------------------

export interface NextPayout {
  account: string;
  currency: string;
  /** Net minor units the next run pays (reversals netted, carried-forward ones included); while `belowMinimum`, what has gathered so far. */
  amount: number;
  /**
   * "YYYY-MM-DD": the first day a run through it pays `amount` (today when that much is payable
   * now); while `belowMinimum`, the day the last of what has gathered becomes payable.
   */
  payableOn: string;
  /** The currency's minimum payout (config `payouts.minimum`). */
  minimum: number;
  /** All of it together is under the minimum (or not above zero): it rolls over, run after run, until the minimum is reached. */
  belowMinimum: boolean;
}

export interface NextPayoutInput {
  entries: readonly BalanceEntry[];
  /** Every payout so far, any status (which entries are taken). */
  payouts: readonly Payout[];
  config: PayoutsConfig;
  now: number;
}

const DAY = 86_400_000;

/**
 * The next payout of each account and currency with money no payout covers yet: the amount and the
 * first day a run through that day pays it. That is the earliest day, from today on, when what is
 * payable by then (as a run takes it: reversals with what they reverse, carried-forward ones into
 * the next payout, holds never) reaches the minimum; the days that can change it are today and
 * each day an entry becomes payable (`payableAt`: 00:00 UTC, the first of the month after its
 * recorded month plus `payableAfterDays`). A created payout not paid yet is not "next": it is
 * `inPayout` already. Accounts in name order, currencies in code order.
 */
export function nextPayouts(input: NextPayoutInput): NextPayout[] {
  const today = Math.floor(input.now / DAY) * DAY;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const out: NextPayout[] = [];
  for (const g of takenEntries(input.entries, membership(input.payouts), input.config.payableAfterDays).values()) {
    // Day by day (today, then each later day something becomes due), what a run through it pays.
    const taken = g.taken.map((t) => ({ amount: t.e.amount, from: Math.max(today, t.from) })).sort((a, b) => a.from - b.from);
    const minimum = minimumFor(input.config, g.currency);
    let amount = 0;
    let next: NextPayout | undefined;
    for (let i = 0; i < taken.length; ) {
      const from = taken[i]!.from;
      const sameDay: number[] = [];
      for (; i < taken.length && taken[i]!.from === from; i++) sameDay.push(taken[i]!.amount);
      amount = sumMinor([amount, ...sameDay]);
      next = { account: g.account, currency: g.currency, amount, payableOn: day(from), minimum, belowMinimum: amount <= 0 || amount < minimum };
      if (!next.belowMinimum) break;
    }
    if (next) out.push(next);
  }
  return out.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

// ---- status changes -----------------------------------------------------------------------------

/** created → paid with the transfer's reference; paid again with the same reference is a no-op. */
export function markPaid(p: Payout, reference: string, now: number): Payout {
  const ref = reference.trim();
  if (ref.length === 0 || ref.length > 200) throw new PayoutError('invalid_reference', 'reference must be 1 to 200 characters (the transfer or batch id)');
  if (p.status === 'cancelled') throw new PayoutError('cancelled', `payout ${p.id} was cancelled; run a new payout instead`);
  if (p.status === 'paid') {
    if (p.reference === ref) return p;
    throw new PayoutError('already_paid', `payout ${p.id} is already paid with reference "${p.reference ?? ''}"`);
  }
  return { ...p, status: 'paid', reference: ref, paidAt: now };
}

/** created → cancelled; its entries are free for the next run. A paid payout cannot be cancelled. */
export function cancelPayout(p: Payout, now: number): Payout {
  if (p.status === 'cancelled') return p;
  if (p.status === 'paid') throw new PayoutError('already_paid', `payout ${p.id} is paid; money that left cannot be cancelled (record a reversal instead)`);
  return { ...p, status: 'cancelled', cancelledAt: now };
}
