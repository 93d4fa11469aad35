/**
 * The storage port: what the services need from a database, as plain values and promises.
 * Two adapters implement it: SQLite (`sqlite.ts`, the embedded default) and PostgreSQL
 * (`postgres/`). Only adapters speak SQL; services and routes see these interfaces alone.
 *
 * Adding a store (a later issue's `payouts`, say): its interface in its own file
 * (`storage/payouts-port.ts`), one line in `Stores` below, and both adapters implement it.
 */
import type { LineState } from '../domain/lifecycle.js';
import type { BreakdownBy, SummaryTotals } from '../domain/summary.js';
import type { OutboxStore } from './outbox-port.js';
import type { PayoutStore } from './payouts-port.js';
import type { IntegrityStore } from './integrity-port.js';

export type { MoneyTotals, SummaryTotals } from '../domain/summary.js';

// ---------------------------------------------------------------------------------------------
// Rows: accounts, keys, tags

export interface AccountRow { id: string; name: string; createdAt: number }
export interface KeyRow { id: string; accountId: string | null; role: 'admin' | 'account'; revokedAt: number | null }
export interface NewKeyRow { id: string; accountId: string | null; role: 'admin' | 'account'; keyHash: string; createdAt: number }
export interface TagRow { tag: string; accountId: string; marketplace: string; createdAt: number }

// Rows: beacon events

export interface ClickRow {
  id: string;
  tag: string;
  accountId: string | null;
  marketplace: string | null;
  url: string;
  product: string | null;
  page: string | null;
  session: string | null;
  via: string;
  bot: boolean;
  registered: boolean;
  at: number;
  clientAt: number | null;
  /** The publisher's sub-ID and the SDK's integrity signals (SPEC §10); null or absent when not sent or invalid. */
  sub?: string | null | undefined;
  trusted?: boolean | null | undefined;
  visible?: boolean | null | undefined;
  framed?: boolean | null | undefined;
  /** ms from page load to the click, at most a day (`MAX_DWELL_MS`). */
  dwell?: number | null | undefined;
  /** Visitor hash (issue 19); null for rows stored before it, or without a client address. */
  visitor?: string | null | undefined;
}
export interface PageviewRow { id: string; tag: string; accountId: string | null; page: string | null; session: string | null; links: number; at: number; visitor?: string | null | undefined }
export interface LandingRow { id: string; clickId: string; tag: string; page: string | null; at: number; visitor?: string | null | undefined }
export interface CartAddRow { id: string; clickId: string; sku: string; at: number; visitor?: string | null | undefined }

export type TrackingEvent =
  | ({ type: 'click' } & ClickRow)
  | ({ type: 'pageview' } & PageviewRow)
  | ({ type: 'landing' } & LandingRow)
  | ({ type: 'cart_add' } & CartAddRow);

export interface SuspectClicks {
  tag: string;
  page: string | null;
  linkMarketplace: string | null;
  tagMarketplace: string | null;
  accountId: string | null;
  unregistered: number;
  clicks: number;
  lastSeen: number;
}

export interface ClickQuery { accountId?: string | undefined; tag?: string | undefined; from: number; to: number; limit: number; before?: { at: number; id: string } | undefined }

// Rows: orders, lines, lifecycle events, ledger

export interface OrderRow {
  orderId: string;
  marketplace: string;
  currency: string;
  orderedAt: number;
  contentHash: string;
  request: string;
  attributed: boolean;
  rule: string;
  clickId: string | null;
  tag: string | null;
  creditedTag: string | null;
  accountId: string | null;
  unverifiedReferral: boolean;
  /** The sub-ID of the click that credited the order (null: none, or not credited through a stored click). */
  sub?: string | null | undefined;
  /** The JSON body answered when the order was created, replayed for repeats. */
  response: string;
  receivedAt: number;
}

export interface OrderLineRow extends LineState {
  orderId: string;
  position: number;
  sku: string;
  name: string | null;
  category: string;
  cartAddedAt: number | null;
  attributed: boolean;
  direct: boolean;
  reason: string;
  commission: number;
  /**
   * The line's pending commission as the domain computed it (`pendingCommission` in
   * domain/lifecycle.ts) for its current quantities; storage only stores and sums it.
   */
  pending: number;
}

/** A line's new quantities after an order event, with its pending commission recomputed by the domain. */
export interface LineUpdate extends LineState { pending: number }

/** A processed `webhook-id`; `path` and `contentHash` are null for deliveries stored before migration 003. */
export interface DeliveryRow { status: number; response: string; path: string | null; contentHash: string | null }
export interface NewDelivery { webhookId: string; status: number; response: string; at: number; path: string; contentHash: string }

export interface OrderEventRow { id: number; orderId: string; type: string; at: number; items: string; receivedAt: number }
export interface LedgerEntryRow {
  id: number;
  /** The order event that wrote it; null for a rejection's reversal (written by a review decision). */
  eventId: number | null;
  orderId: string;
  lineId: string;
  accountId: string;
  tag: string;
  marketplace: string;
  currency: string;
  kind: 'shipment' | 'return' | 'reversal';
  quantity: number;
  amount: number;
  at: number;
}

export interface OrderQuery { accountId?: string | undefined; tag?: string | undefined; from: number; to: number; limit: number; before?: { at: number; id: string } | undefined }

// Rows: reports

export interface ReportScope {
  from: number;
  to: number;
  accountId?: string | undefined;
  tag?: string | undefined;
  marketplace?: string | undefined;
}

export { BREAKDOWNS, type BreakdownBy } from '../domain/summary.js';
export type KeyedTotals = Map<string | null, Omit<SummaryTotals, 'currencies'>>;

// ---------------------------------------------------------------------------------------------
// Stores

/** The program's people: settings, accounts, their API keys and tracking IDs. */
export interface AccountStore {
  getSetting(key: string): Promise<string | undefined>;
  putSetting(key: string, value: string): Promise<void>;
  insertAccount(a: AccountRow): Promise<void>;
  listAccounts(): Promise<AccountRow[]>;
  getAccount(id: string): Promise<AccountRow | undefined>;
  insertKey(k: NewKeyRow): Promise<void>;
  keyByHash(hash: string): Promise<KeyRow | undefined>;
  keyById(id: string): Promise<KeyRow | undefined>;
  /** False when the key was already revoked (or does not exist). */
  revokeKey(id: string, at: number): Promise<boolean>;
  /** Keys revoked after `since` (epoch ms), by anyone: this process, the CLI, another instance. */
  revokedAfter(since: number): Promise<{ id: string; revokedAt: number }[]>;
  hasAdminKey(): Promise<boolean>;
  /** False when the tag already belongs to someone. */
  insertTag(t: TagRow): Promise<boolean>;
  /** Every beacon asks this; adapters may answer a found tag from memory (tags never change). */
  findTag(tag: string): Promise<TagRow | undefined>;
  listTags(accountId: string): Promise<TagRow[]>;
  allTags(): Promise<TagRow[]>;
  accountTagIn(accountId: string, marketplace: string): Promise<string | undefined>;
  /** The tags of one account, or of every account (`null`), each with its account's name; by tag. */
  tagsWithAccounts(accountId: string | null): Promise<(TagRow & { accountName: string })[]>;
}

/** Beacons: clicks, pageviews, landings and cart adds. An event ID is stored once, ever. */
export interface EventStore {
  /**
   * Deletes up to a batch of raw events older than `before` (one short transaction, so beacons
   * keep flowing); answers how many went. Per-day totals are untouched. Call again until 0.
   */
  purgeBefore(before: number): Promise<number>;
  /** Non-bot clicks that earn nothing because of their tag, grouped by tag, page and link marketplace. */
  suspectClicks(from: number, to: number): Promise<SuspectClicks[]>;
  /** Registered tags starting with `prefix`: how many accounts own them, the first, its owner when only one. */
  tagsStartingWith(prefix: string): Promise<{ accounts: number; firstTag: string | null; accountId: string | null }>;
  /** Stores a batch in one transaction; answers, per event, whether it was new. */
  record(events: readonly TrackingEvent[]): Promise<boolean[]>;
  /** Like `record`, committed together with other requests' events (group commit); resolves only after the commit. */
  recordSoon(events: TrackingEvent[]): Promise<boolean[]>;
  findClick(id: string): Promise<ClickRow | undefined>;
  /** Times of `cart_add` events for a click, by sku. */
  cartAddsFor(clickId: string): Promise<Map<string, number[]>>;
  listClicks(q: ClickQuery): Promise<ClickRow[]>;
}

/** Orders, their lines, lifecycle events and the append-only ledger. */
export interface OrderStore {
  delivery(webhookId: string): Promise<DeliveryRow | undefined>;
  /** Records what a `webhook-id` did: the request (path, content hash) and the answer to replay. */
  putDelivery(d: NewDelivery): Promise<void>;
  findOrder(orderId: string): Promise<OrderRow | undefined>;
  /** Stores an order with its lines and adds it to the per-day totals (each line's `pending` as given). */
  insertOrder(order: OrderRow, lines: readonly OrderLineRow[]): Promise<void>;
  lines(orderId: string): Promise<OrderLineRow[]>;
  events(orderId: string): Promise<OrderEventRow[]>;
  entries(orderId: string): Promise<LedgerEntryRow[]>;
  /**
   * Appends an order event, the new line quantities (with their domain-computed pending) and its
   * ledger entries, and chains each entry onto the hash chain of its account and currency
   * (`appendToChains` in domain/ledger-chain.ts), in the same transaction. The caller holds
   * `tx.lock(chainLockName(account, currency))` for the chains its entries go on, taken before
   * this call (services/orders.ts does), so writers of one chain take turns until they commit and
   * a chain's order is its id order and its commit order (SQLite: one writer anyway). Without it,
   * two writers of a chain fail (the database refuses a fork; an id below the head is refused),
   * they never chain wrongly. `pendingChange` is how the order's pending commission moved.
   * Answers the event id.
   */
  appendEvent(
    order: OrderRow,
    event: Omit<OrderEventRow, 'id'>,
    lines: readonly LineUpdate[],
    entries: readonly Omit<LedgerEntryRow, 'id' | 'eventId'>[],
    pendingChange: number,
  ): Promise<number>;
  listOrders(q: OrderQuery): Promise<OrderRow[]>;
}

/** Report reads: per-day totals and breakdowns; sums of what the domain produced, never re-derived. */
export interface ReportStore {
  /** Marketplaces the scope holds tags in. */
  tagMarketplaces(scope: ReportScope): Promise<string[]>;
  summaryTotals(scope: ReportScope): Promise<Omit<SummaryTotals, 'currencies'>>;
  breakdownTotals(by: BreakdownBy, scope: ReportScope): Promise<KeyedTotals>;
}

/** Every store; a later store is one more line here (and in both adapters). */
export interface Stores {
  accounts: AccountStore;
  events: EventStore;
  orders: OrderStore;
  reports: ReportStore;
  outbox: OutboxStore;
  payouts: PayoutStore;
  integrity: IntegrityStore;
}

/** The stores bound to one transaction, and advisory locks held until it ends. */
export interface Tx extends Stores {
  /**
   * Holds a lock per key until the transaction ends, so two instances doing the same thing
   * (one `webhook-id`, one order, first start) take turns. PostgreSQL: pg_advisory_xact_lock on
   * a hash of each key, sent with the transaction's next statement (every statement after
   * `lock` runs under it); SQLite: nothing (its writes are serialized already).
   */
  lock(...keys: string[]): Promise<void>;
}

export type SignalChannel = 'live' | 'key_revoked' | 'outbox';

/** Cross-instance notifications (PostgreSQL LISTEN/NOTIFY; SQLite: in-process). */
export interface Signals {
  /**
   * True when other processes hear what this one publishes (PostgreSQL). False or absent: only
   * this process does (SQLite), so callers may skip publishing what they already handle locally.
   */
  readonly remote?: boolean;
  publish(channel: SignalChannel, payload: string): Promise<void>;
  /** Answers the unsubscribe function. */
  subscribe(channel: SignalChannel, fn: (payload: string) => void): () => void;
}

export type Health = { ok: true } | { ok: false; reason: string };

/**
 * The schema: its dialect, the migration versions this opening applied (in order; empty when it was
 * current already, or when another instance migrated it first), and the newest version recorded.
 */
export interface MigrationInfo { dialect: 'sqlite' | 'postgres'; applied: number[]; current: number }

export interface Storage extends Stores {
  /** Runs `fn` in one transaction: all of its writes land, or none. Writes are not interleaved with others'. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  signals: Signals;
  /**
   * Runs `job` only when this instance holds the named lock (PostgreSQL: pg_try_advisory_lock),
   * else answers undefined. Retention and any periodic job use it. SQLite: always runs.
   */
  exclusive<T>(name: string, job: () => Promise<T>): Promise<T | undefined>;
  /** Probe write: ok when the store takes writes. */
  health(): Promise<Health>;
  /** Starts background upkeep (SQLite: the WAL checkpointer thread; PostgreSQL: nothing); answers its stop. */
  startMaintenance(): () => void;
  /** For logs: "SQLite ./data/affil.db", "PostgreSQL host:5432/db"; never a password. */
  describe(): string;
  /** The schema's migrations as of opening (all applied by then). */
  migrations: MigrationInfo;
  close(): Promise<void>;
}

/** What `openStorage` takes besides the database value. */
export interface StorageOptions {
  /** Warnings at open (an unsafe file mode, say). */
  warn?: (message: string) => void;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL statement timeout in ms (default 5000). */
  statementTimeoutMs?: number;
  /** True for a server (SQLite: commits hand checkpoints to the maintenance thread). */
  server?: boolean;
}
