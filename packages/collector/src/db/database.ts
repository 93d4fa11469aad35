import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { pendingCommission } from '../domain/lifecycle.js';
import { lineRevenue } from '../domain/money.js';
import { linePending, pendingChange, type HoldState, type StoredLine } from '../domain/integrity/review.js';
import { rollupAccumulator, rollupWriter } from './rollups.js';
import { chainUnchained } from './ledger-chain.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the collector's database and brings its schema up to date.
 *
 * WAL lets reports read while beacons write. synchronous=NORMAL in WAL mode makes every
 * committed transaction survive a crash of this process (kill -9); a power loss or OS crash
 * may lose the last transactions before the next checkpoint, never corrupt the file.
 */
/** Opens (creating it if new) and migrates a database; `migrated` hears the versions this open applied. */
export function openDatabase(file: string, options: { warn?: (message: string) => void; migrated?: (applied: number[]) => void } = {}): Db {
  if (file !== ':memory:') prepareFile(file, options.warn);
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    throw new UsageError(`cannot open database ${file}: ${(error as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // A 64 MiB page cache and memory-mapped reads keep hot index pages (click IDs, tags, daily
  // totals) off the read() path; measured by `npm run bench -- attribution`.
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 1073741824');
  const applied = migrate(db);
  options.migrated?.(applied);
  return db;
}

/**
 * Creates the database's folder and, for a new database, the file itself with mode 0600: it holds
 * the webhook signing secret, and SQLite gives its -wal and -shm files the database file's mode. A
 * folder that cannot be made is a usage mistake (exit 2, one line), not a crash.
 */
function prepareFile(file: string, warn?: (message: string) => void): void {
  const folder = dirname(file);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot create the database folder ${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    closeSync(openSync(file, 'wx', 0o600));
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot create database ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) warn?.(`warning: database ${file} is readable by other users (mode ${mode.toString(8)}); it holds the signing secret: chmod 600 it`);
  } catch {
    // Not ours to stat (a special path): SQLite answers for it below.
  }
}

/** For a server: commits never checkpoint; a worker thread does it (see checkpointer.ts). */
export function handOffCheckpoints(db: Db): void {
  if (db.name !== ':memory:') db.pragma('wal_autocheckpoint = 0');
}

/**
 * Applies, in order and each in its own transaction, every migration not yet recorded. Each
 * version is checked on its own (not "everything above the newest"): features number their
 * migrations in ranges of their own, so a lower number may arrive after a higher one.
 */
export function migrate(db: Db): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    // Foreign keys can only be switched between transactions; on again whatever happens.
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      runMigration(db, migration);
    } finally {
      if (migration.rebuildsTables) db.pragma('foreign_keys = ON');
    }
    applied.push(migration.version);
  }
  return applied;
}

function runMigration(db: Db, migration: Migration): void {
  // A rebuild must leave no reference broken that was whole before (one broken already is not its doing).
  const brokenReferences = () => (migration.rebuildsTables ? (db.pragma('foreign_key_check') as { table: string; parent: string }[]) : []);
  db.transaction(() => {
    const before = brokenReferences().length;
    db.exec(migration.sql);
    if (migration.after === 'daily_totals') foldIntoDailyTotals(db);
    if (migration.after === 'line_pending') backfillLineAmounts(db);
    if (migration.after === 'rejected_totals') withdrawRejected(db);
    if (migration.after === 'ledger_chain') chainUnchained(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      migration.version,
      migration.name,
      Date.now(),
    );
    const broken = brokenReferences();
    if (broken.length > before) throw new Error(`migration ${migration.version} (${migration.name}) would leave ${broken.length - before} more broken references (${broken.length} in all, e.g. ${broken[0]!.table} → ${broken[0]!.parent}): not applied`);
  })();
}

/** Recomputes the per-day totals from the raw rows (after bulk loads or a manual repair). */
export function rebuildDailyTotals(db: Db): void {
  db.transaction(() => {
    db.exec('DELETE FROM daily_totals');
    foldIntoDailyTotals(db);
  })();
}

type LineForTotals = { unitAmount: number; quantity: number; cancelled: number; shipped: number; returned: number; rateBp: number | null; direct: number; lineId: string };

const hasTable = (db: Db, name: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/**
 * Adds every stored click, pageview, order line, ledger entry and reversing entry to the (empty)
 * per-day totals. Counts and sums of stored amounts are SQL; each line's revenue and pending
 * commission come from the domain, as they do when an order arrives (a rejected order's: none).
 * Run by migration 002, before integrity's tables (020) exist, and by `rebuildDailyTotals`.
 */
function foldIntoDailyTotals(db: Db): void {
  const integrity = hasTable(db, 'order_holds');
  const totals = rollupAccumulator(rollupWriter(db));
  const counts = db.prepare(`SELECT account_id AS accountId, min(at) AS at, tag, marketplace,
      sum(bot = 0 AND registered = 1) AS clicks, sum(bot = 1) AS botClicks
    FROM clicks GROUP BY account_id, at / 86400000, tag, marketplace`);
  for (const r of counts.iterate() as Iterable<{ accountId: string | null; at: number; tag: string; marketplace: string | null; clicks: number; botClicks: number }>) {
    totals.add(r, { clicks: r.clicks, botClicks: r.botClicks });
  }
  const views = db.prepare(`SELECT account_id AS accountId, min(at) AS at, tag, count(*) AS pageviews, sum(links) AS links
    FROM pageviews GROUP BY account_id, at / 86400000, tag`);
  for (const r of views.iterate() as Iterable<{ accountId: string | null; at: number; tag: string; pageviews: number; links: number }>) {
    totals.add({ ...r, marketplace: null }, { pageviews: r.pageviews, linkImpressions: r.links });
  }
  totals.flush();
  const hold = integrity ? "coalesce((SELECT h.status FROM order_holds h WHERE h.order_id = o.order_id), 'none')" : "'none'";
  const orders = db.prepare(`SELECT o.order_id AS orderId, o.account_id AS accountId, o.ordered_at AS at, o.credited_tag AS tag, o.marketplace, o.currency,
      l.line_id AS lineId, l.unit_amount AS unitAmount, l.quantity, l.cancelled, l.shipped, l.returned, l.rate_bp AS rateBp, l.direct, ${hold} AS hold
    FROM orders o JOIN order_lines l ON l.order_id = o.order_id
    WHERE o.attributed = 1 AND l.attributed = 1 ORDER BY o.order_id`);
  let last: string | undefined;
  let n = 0;
  for (const r of orders.iterate() as Iterable<LineForTotals & { orderId: string; accountId: string; at: number; tag: string; marketplace: string; currency: string; hold: HoldState }>) {
    const first = r.orderId !== last;
    last = r.orderId;
    totals.add(r, {
      orders: first ? 1 : 0, itemsOrdered: r.quantity, directItems: r.direct ? r.quantity : 0,
      revenue: lineRevenue(r), pending: linePending(r, r.hold),
    });
    if (++n % 10_000 === 0) totals.flush();
  }
  totals.flush();
  const ledger = db.prepare(`SELECT account_id AS accountId, min(at) AS at, tag, marketplace, currency, kind, sum(quantity) AS quantity, sum(amount) AS amount
    FROM ledger_entries GROUP BY account_id, at / 86400000, tag, marketplace, currency, kind`);
  for (const r of ledger.iterate() as Iterable<{ accountId: string; at: number; tag: string; marketplace: string; currency: string; kind: string; quantity: number; amount: number }>) {
    // A rejection's reversal (kind `reversal`, migration 022) counts in earnings only: nothing shipped or came back.
    totals.add(r, { earnings: r.amount, ...(r.kind === 'reversal' ? {} : { [r.kind === 'return' ? 'itemsReturned' : 'itemsShipped']: r.quantity }) });
  }
  totals.flush();
  if (hasTable(db, 'ledger_reversals')) foldReversals(db, totals);
}

/**
 * Adds every reversing entry to the earnings of the day it was recorded (no units: nothing shipped
 * or came back): from `ledger_reversals` before migration 022, from the ledger after it.
 */
function foldReversals(db: Db, totals: ReturnType<typeof rollupAccumulator>): void {
  const source = hasTable(db, 'ledger_reversals') ? 'ledger_reversals' : "ledger_entries WHERE kind = 'reversal'";
  const reversals = db.prepare(`SELECT account_id AS accountId, min(at) AS at, tag, marketplace, currency, sum(amount) AS amount
    FROM ${source} GROUP BY account_id, at / 86400000, tag, marketplace, currency`);
  for (const r of reversals.iterate() as Iterable<{ accountId: string; at: number; tag: string; marketplace: string; currency: string; amount: number }>) {
    totals.add(r, { earnings: r.amount });
  }
  totals.flush();
}

/**
 * Migration 021's data step: the per-day totals and lines as a rejection now leaves them. Every
 * stored reversal's amount goes into its day's earnings; each rejected order's lines give up
 * their pending commission (`pendingChange`, the domain's), and so does the day it was placed.
 */
function withdrawRejected(db: Db): void {
  const totals = rollupAccumulator(rollupWriter(db));
  foldReversals(db, totals);
  const setPending = db.prepare('UPDATE order_lines SET pending = ? WHERE order_id = ? AND line_id = ?');
  const lines = db.prepare(`SELECT o.order_id AS orderId, o.account_id AS accountId, o.ordered_at AS at, o.credited_tag AS tag, o.marketplace, o.currency,
      o.attributed, l.line_id AS lineId, l.unit_amount AS unitAmount, l.quantity, l.cancelled, l.shipped, l.returned, l.rate_bp AS rateBp, l.pending
    FROM order_holds h JOIN orders o ON o.order_id = h.order_id JOIN order_lines l ON l.order_id = o.order_id
    WHERE h.status = 'rejected' ORDER BY o.order_id, l.position`);
  type Row = StoredLine & { orderId: string; accountId: string | null; at: number; tag: string | null; marketplace: string; currency: string; attributed: number };
  const byOrder = new Map<string, Row[]>();
  for (const r of lines.all() as Row[]) {
    const list = byOrder.get(r.orderId);
    if (list) list.push(r);
    else byOrder.set(r.orderId, [r]);
  }
  for (const [orderId, rows] of byOrder) {
    const change = pendingChange('rejected', rows);
    for (const l of change.lines) setPending.run(l.pending, orderId, l.lineId);
    if (change.change !== 0 && rows[0]!.attributed === 1) totals.add(rows[0]!, { pending: change.change });
  }
  totals.flush();
}

/** Migration 004's data step: each line's pending commission and revenue, computed by the domain. */
function backfillLineAmounts(db: Db): void {
  const update = db.prepare('UPDATE order_lines SET pending = ?, revenue = ? WHERE order_id = ? AND line_id = ?');
  const lines = db.prepare(`SELECT order_id AS orderId, line_id AS lineId, unit_amount AS unitAmount, quantity, cancelled, shipped, returned, rate_bp AS rateBp
    FROM order_lines`);
  for (const l of lines.all() as (LineForTotals & { orderId: string })[]) update.run(pendingCommission(l), lineRevenue(l), l.orderId, l.lineId);
}
