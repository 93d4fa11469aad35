/**
 * Money out (SPEC §10): the ledger's chained entries, payouts and the entries each covers, payout
 * details of accounts. Rows only: balances, runs, hashes and statements are the domain's. (The
 * chain itself is written with the entries, by `OrderStore.appendEvent` and `IntegrityStore.decide`.)
 */

/** A ledger entry with the time the collector recorded it (its event's receive time; a rejection's reversal: the decision's time). */
export interface LedgerEntryFacts {
  id: number;
  accountId: string;
  currency: string;
  kind: string;
  amount: number;
  quantity: number;
  orderId: string;
  lineId: string;
  recordedAt: number;
}

/**
 * A ledger entry without a chain link. Entries are chained when written (`OrderStore.appendEvent`,
 * `IntegrityStore.decide`), and migrations 011 and 022 chained what earlier versions left; one
 * found later was written behind the collector's back or by a collector of an earlier version
 * still running (`affil verify --db` names it).
 */
export type UnchainedEntryRow = LedgerEntryFacts;

/** A chained ledger entry with what money out needs to know about it. */
export interface MoneyEntryRow extends LedgerEntryFacts {
  /** The merchant's event time (never dates money out). */
  at: number;
  reverses: number | null;
  prevHash: string;
  hash: string;
  rule: string | null;
  rateBp: number | null;
}

export interface PayoutRow {
  id: string;
  accountId: string;
  currency: string;
  amount: number;
  through: string;
  generation: number;
  status: 'created' | 'paid' | 'cancelled';
  reference: string | null;
  createdAt: number;
  paidAt: number | null;
  cancelledAt: number | null;
  /** Ledger entry ids, ascending. */
  entries: number[];
}

export interface PayoutDetailsRow { accountId: string; name: string; payoutMethod: 'paypal' | 'wise' | null; payoutEmail: string | null }

/** A line's stored pending commission (domain-computed), with its order's account and currency. */
export interface PendingRow { accountId: string; currency: string; pending: number }

export interface PayoutStore {
  /** Up to `limit` ledger entries without a chain link, ascending id (reads the whole ledger: for `affil verify --db`). */
  unchainedEntries(limit: number): Promise<UnchainedEntryRow[]>;
  /** Chained entries of one account (or all: null), optionally one currency, ascending id. */
  moneyEntries(accountId: string | null, currency?: string): Promise<MoneyEntryRow[]>;
  /** Lines with pending commission ≠ 0 of credited orders, of one account (or all: null). */
  pendingLines(accountId: string | null): Promise<PendingRow[]>;
  /** Payouts of one account (or all: null), optionally only those for `through`, by creation then id. */
  listPayouts(accountId: string | null, through?: string): Promise<PayoutRow[]>;
  getPayout(id: string): Promise<PayoutRow | undefined>;
  /** Stores new payouts with their entries; a payout whose id exists is left as it is (a racing run's). */
  insertPayouts(rows: readonly PayoutRow[]): Promise<void>;
  /** Status changes only: status, reference, paidAt, cancelledAt. */
  updatePayout(row: PayoutRow): Promise<void>;
  payoutDetails(accountId: string | null): Promise<PayoutDetailsRow[]>;
  setPayoutDetails(accountId: string, method: 'paypal' | 'wise' | null, email: string | null): Promise<void>;
}
