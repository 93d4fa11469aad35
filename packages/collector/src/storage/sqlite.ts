import { StorageUnavailable } from '../errors.js';
import { handOffCheckpoints, openDatabase, type Db } from '../db/database.js';
import { startCheckpointer, type Checkpointer } from '../db/checkpointer.js';
import { accountStore } from '../db/accounts.js';
import { eventStore } from '../db/events.js';
import { orderStore } from '../db/orders.js';
import { reportStore } from '../db/reports.js';
import { breakdownStore } from '../db/breakdowns.js';
import { payoutStore } from '../db/payouts.js';
import { integrityStore } from '../db/integrity.js';
import type { IntegrityStore } from './integrity-port.js';
import { groupCommit } from '../db/group-commit.js';
import { outboxStore } from '../db/outbox.js';
import type { OutboxStore } from './outbox-port.js';
import type { PayoutStore } from './payouts-port.js';
import type { AccountStore, EventStore, Health, OrderStore, ReportStore, SignalChannel, Signals, Storage, StorageOptions, Stores, Tx } from './port.js';

/**
 * The SQLite adapter: the synchronous better-sqlite3 stores of `src/db/` behind the async port.
 *
 * One connection serves the process, so every write (and every transaction, from BEGIN to COMMIT)
 * runs through one mutex: an async transaction never interleaves with another request's writes on
 * that connection. Reads go straight to the connection (WAL: they see committed data; a read that
 * runs while a transaction of this process is open sees that transaction's writes, as it always did).
 * An uncontended write runs at once, synchronously, so the SQLite speed of before is kept.
 */
export function openSqliteStorage(file: string, options: StorageOptions = {}): Storage {
  let applied: number[] = [];
  const db = openDatabase(file, { ...(options.warn ? { warn: options.warn } : {}), migrated: (versions) => (applied = versions) });
  return sqliteStorage(db, file, options, applied);
}

/** Codes of SQLite and file-system errors that are the store's, not the request's. */
export function isSqliteFailure(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // Everything but a broken constraint (our bug) and a misuse (also ours).
  if (code.startsWith('SQLITE_')) return !code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISUSE' && code !== 'SQLITE_ERROR';
  return ['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG'].includes(code);
}

/** A storage failure as the port names it (`StorageUnavailable`); anything else unchanged. */
function translate(error: unknown): unknown {
  if (error instanceof StorageUnavailable || !isSqliteFailure(error)) return error;
  return new StorageUnavailable(error.message, { reason: error.code, retryAfter: 30, cause: error });
}

/** Runs jobs one at a time, in order; an idle mutex runs the job at once. */
export function serial() {
  let busy = false;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else busy = false;
  };
  return {
    /** A synchronous job: run now when idle (no promise hop), else after the jobs before it. */
    run<T>(job: () => T): Promise<T> {
      if (!busy) {
        busy = true;
        try {
          return Promise.resolve(job());
        } catch (error) {
          return Promise.reject(error);
        } finally {
          release();
        }
      }
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => {
          try {
            resolve(job());
          } catch (error) {
            reject(error);
          } finally {
            release();
          }
        });
      });
    },
    /** An asynchronous job holding the mutex until it settles. */
    async hold<T>(job: () => Promise<T>): Promise<T> {
      if (busy) await new Promise<void>((resolve) => waiting.push(resolve));
      busy = true;
      try {
        return await job();
      } finally {
        release();
      }
    },
  };
}

type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

/** The sync stores of one connection, shaped like the port (each method answers its value directly). */
function syncStores(db: Db) {
  const events = eventStore(db);
  return {
    accounts: accountStore(db) satisfies Sync<AccountStore>,
    events,
    orders: orderStore(db) satisfies Sync<OrderStore>,
    reports: { ...reportStore(db), ...breakdownStore(db) } satisfies Sync<ReportStore>,
    outbox: outboxStore(db) satisfies Sync<OutboxStore>,
    payouts: payoutStore(db) satisfies Sync<PayoutStore>,
    integrity: integrityStore(db) satisfies Sync<IntegrityStore>,
  };
}

const WRITES = {
  accounts: ['putSetting', 'insertAccount', 'insertKey', 'revokeKey', 'insertTag'],
  events: ['purgeBefore', 'record'],
  orders: ['putDelivery', 'insertOrder', 'appendEvent'],
  reports: [],
  outbox: ['insertWebhook', 'updateWebhook', 'deleteWebhook', 'insertPostback', 'deletePostback', 'enqueue', 'claim', 'finish', 'retry', 'releaseHeld', 'purgeDelivered'],
  payouts: ['insertPayouts', 'updatePayout', 'setPayoutDetails'],
  integrity: ['saltFor', 'purgeSalts', 'purgeKeyVisitors', 'recordKeyVisitor', 'putHold', 'decide'],
} as const satisfies { [S in keyof Stores]: readonly (keyof Stores[S])[] };

/**
 * Wraps a sync store as an async one: failures become rejections (storage failures as
 * `StorageUnavailable`); writes named in `writes` run through `write` (the mutex) when given.
 */
function asyncStore<T extends object>(sync: Record<string, unknown>, writes: readonly string[], write?: <R>(job: () => R) => Promise<R>): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sync)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => unknown;
    if (write && writes.includes(name)) {
      out[name] = (...args: unknown[]) => write(() => fn(...args)).catch((error: unknown) => Promise.reject(translate(error)));
    } else {
      out[name] = (...args: unknown[]) => {
        try {
          return Promise.resolve(fn(...args));
        } catch (error) {
          return Promise.reject(translate(error));
        }
      };
    }
  }
  return out as T;
}

/** In-process signals: one SQLite file has one writer process, so "every instance" is this one. */
function localSignals(): Signals {
  const listeners = new Map<SignalChannel, Set<(payload: string) => void>>();
  return {
    remote: false,
    publish(channel, payload) {
      for (const fn of listeners.get(channel) ?? []) {
        try {
          fn(payload);
        } catch {
          // A listener's failure is its own; the others still hear.
        }
      }
      return Promise.resolve();
    },
    subscribe(channel, fn) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(fn);
      return () => void set.delete(fn);
    },
  };
}

/** The port over an open, migrated database; `applied`: the migrations its opening applied. */
export function sqliteStorage(db: Db, file: string, options: StorageOptions = {}, applied: number[] = []): Storage {
  const sync = syncStores(db);
  const mutex = serial();
  const write = <R>(job: () => R) => mutex.run(job);
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const probe = db.prepare("INSERT INTO settings (key, value) VALUES ('health_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const current = (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;

  // Inside a transaction the mutex is already held: the tx's stores call the connection directly.
  const inTx: Tx = {
    accounts: asyncStore<AccountStore>(sync.accounts, []),
    events: { ...asyncStore<EventStore>(sync.events, []), recordSoon: (events) => Promise.resolve(sync.events.record(events)) },
    orders: asyncStore<OrderStore>(sync.orders, []),
    reports: asyncStore<ReportStore>(sync.reports, []),
    outbox: asyncStore<OutboxStore>(sync.outbox, []),
    payouts: asyncStore<PayoutStore>(sync.payouts, []),
    integrity: asyncStore<IntegrityStore>(sync.integrity, []),
    lock: () => Promise.resolve(),
  };

  const soon = groupCommit((events: Parameters<EventStore['record']>[0][number][]) => mutex.run(() => sync.events.record(events)));

  if (options.server) handOffCheckpoints(db);
  let closed = false;
  const stopping = new Set<Checkpointer>();

  return {
    accounts: asyncStore<AccountStore>(sync.accounts, WRITES.accounts, write),
    events: {
      ...asyncStore<EventStore>(sync.events, WRITES.events, write),
      recordSoon: (events) => soon(events).catch((error: unknown) => Promise.reject(translate(error))),
    },
    orders: asyncStore<OrderStore>(sync.orders, WRITES.orders, write),
    reports: asyncStore<ReportStore>(sync.reports, WRITES.reports, write),
    outbox: asyncStore<OutboxStore>(sync.outbox, WRITES.outbox, write),
    payouts: asyncStore<PayoutStore>(sync.payouts, WRITES.payouts, write),
    integrity: asyncStore<IntegrityStore>(sync.integrity, WRITES.integrity, write),
    transaction: <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
      mutex.hold(async () => {
        try {
          begin.run();
        } catch (error) {
          throw translate(error);
        }
        try {
          const out = await fn(inTx);
          commit.run();
          return out;
        } catch (error) {
          if (db.inTransaction) {
            try {
              rollback.run();
            } catch {
              // SQLite rolled back by itself (a full disk, say): nothing is left open.
            }
          }
          throw translate(error);
        }
      }),
    signals: localSignals(),
    exclusive: async (_name, job) => job(),
    health: (): Promise<Health> =>
      mutex.run(() => probe.run(String(Date.now()))).then(
        (): Health => ({ ok: true }),
        (error: unknown): Health => ({ ok: false, reason: `database ${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}` }),
      ),
    startMaintenance: () => {
      if (file === ':memory:') return () => {};
      const checkpointer = startCheckpointer(file);
      stopping.add(checkpointer);
      return () => void checkpointer.stop();
    },
    describe: () => `SQLite ${file}`,
    migrations: { dialect: 'sqlite', applied, current },
    close: () =>
      mutex.hold(async () => {
        if (closed) return;
        closed = true;
        // The checkpointer thread first: the final checkpoint then has the file to itself.
        await Promise.all([...stopping].map((c) => c.stop()));
        finalCheckpoint(db, options.warn ?? (() => {}));
      }),
  };
}

/**
 * Folds the write-ahead log into the database and closes it. On a full disk (or a failing one)
 * the checkpoint cannot finish: every committed transaction is still in the WAL beside the
 * database, which SQLite replays on the next start, so that is reported and shutdown goes on.
 */
function finalCheckpoint(db: Db, log: (message: string) => void): void {
  if (db.name !== ':memory:') {
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      log(`shutdown: the final checkpoint failed (${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}); every committed write is kept in the write-ahead log next to the database and is applied on the next start`);
    }
  }
  try {
    db.close();
  } catch (error) {
    log(`shutdown: closing the database failed (${(error as Error).message}); the write-ahead log keeps every committed write`);
  }
}
