import pg from 'pg';
import type { Health, Storage, StorageOptions, Stores, TagRow, Tx } from '../port.js';
import { accountStore } from './accounts.js';
import { eventStore, type ReadAhead } from './events.js';
import { orderStore } from './orders.js';
import { reportStore } from './reports.js';
import { outboxStore } from './outbox.js';
import { integrityStore } from './integrity.js';
import { payoutStore } from './payouts.js';
import { clientSql, lockKey, lockSoon, parseInteger, poolSql, sqlTransaction, transaction, type Sql } from './sql.js';
import { migrate } from './migrate.js';
import { ensureMonths } from './partitions.js';
import { pgSignals } from './signals.js';
import { isUnavailable, startError, storageError } from './faults.js';

export interface PostgresOptions extends StorageOptions {
  /** Where pool and listener trouble is told (a lost connection, a failed upkeep); default: nowhere. */
  log?: (message: string) => void;
}

/** int8 (counts, times, money) and numeric (sums of int8) checked for exactness; dates as 'YYYY-MM-DD'. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20 || oid === 1700) return parseInteger;
    if (oid === 1082) return (text: string) => text;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** True for a `--db` value that names PostgreSQL rather than a SQLite file. */
export const isPostgresUrl = (value: string): boolean => /^postgres(?:ql)?:\/\//i.test(value);

/** "host:port/database" of a connection string: for logs and errors, never the password. */
export function describeTarget(url: string): string {
  const c = new pg.Client({ connectionString: url });
  return `${c.host}:${c.port}/${c.database ?? ''}`;
}

function stores(sql: Sql, pool: pg.Pool, known: Map<string, TagRow>, inTransaction: boolean): Stores {
  // Inside a transaction, what one statement read for another store's next question (see ReadAhead).
  const ahead: ReadAhead | undefined = inTransaction ? { ordersThroughClick: new Map() } : undefined;
  return {
    accounts: accountStore(sql, known),
    events: eventStore(sql, pool, { inTransaction, known, ahead }),
    orders: orderStore(sql),
    reports: reportStore(sql),
    outbox: outboxStore(sql, { inTransaction }),
    payouts: payoutStore(sql),
    integrity: integrityStore(sql, ahead),
  };
}

/**
 * The PostgreSQL adapter of the storage port (node-postgres; see README.md here). Connects once
 * to check the database and apply migrations (under an advisory lock), makes this month's and
 * next month's event partitions, then serves from a pool of `poolSize` connections with
 * `statementTimeoutMs` on each. A database that cannot be used at start is a `UsageError`
 * naming host and reason; later outages are `StorageUnavailable` (503, retry) and the pool
 * reconnects by itself.
 */
export async function createPostgresStorage(url: string, options: PostgresOptions = {}): Promise<Storage> {
  const { poolSize = 10, statementTimeoutMs = 5000 } = options;
  const log = options.log ?? options.warn ?? (() => undefined);
  const target = describeTarget(url);
  const config: pg.ClientConfig = {
    connectionString: url,
    types,
    application_name: 'affil',
    connectionTimeoutMillis: 3000,
    keepAlive: true,
    statement_timeout: statementTimeoutMs,
    // The server cancels a statement at statement_timeout; this is for a server that cannot answer at all.
    query_timeout: statementTimeoutMs + 2000,
    idle_in_transaction_session_timeout: Math.max(statementTimeoutMs * 2, 10_000),
  };

  const first = new pg.Client(config);
  first.on('error', () => undefined);
  let migrations: { applied: number[]; current: number };
  try {
    await first.connect();
    migrations = await migrate(first);
  } catch (error) {
    await first.end().catch(() => undefined);
    throw startError(target, error);
  } finally {
    await first.end().catch(() => undefined);
  }

  const pool = new pg.Pool({ ...config, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (a database restart) must never crash the process: the pool drops it.
  pool.on('error', (error) => log(`postgres: idle connection lost: ${error.message}`));
  // A checked-out one can fail between statements too; its next statement answers the error.
  pool.on('connect', (client) => void client.on('error', () => undefined));

  try {
    await ensureMonths(pool, Date.now());
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw startError(target, error);
  }

  const known = new Map<string, TagRow>();
  const sql = poolSql(pool);
  const signals = pgSignals(pool, config, log);

  const storage: Storage = {
    ...stores(sql, pool, known, false),
    transaction: <T>(fn: (tx: Tx) => Promise<T>) =>
      sqlTransaction(pool, async (s, pending) => {
        return fn({
          ...stores(s, pool, known, true),
          // All in one statement, in a fixed order (the select list runs left to right), so two
          // transactions locking the same keys wait for each other instead of deadlocking. Sent
          // with the transaction's next statement (a statement of its own in the same simple
          // query: the next one reads with a snapshot taken after the locks are held).
          lock: async (...keys: string[]) => {
            lockSoon(pending, [...new Set(keys.map((k) => lockKey(`tx:${k}`)))].sort());
          },
        });
      }),
    signals,
    async exclusive<T>(name: string, job: () => Promise<T>): Promise<T | undefined> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storageError(error);
      }
      const key = lockKey(`exclusive:${name}`);
      let broken: Error | undefined;
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!rows[0]?.ok) return undefined;
        try {
          return await job();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch((error: Error) => (broken = error));
        }
      } catch (error) {
        if (isUnavailable(error)) broken ??= error as Error;
        throw storageError(error);
      } finally {
        // A session that could not unlock is destroyed: its lock goes with it.
        client.release(broken);
      }
    },
    async health(): Promise<Health> {
      try {
        await sql.run("INSERT INTO settings (key, value) VALUES ('health_probe', @at) ON CONFLICT (key) DO UPDATE SET value = excluded.value", { at: String(Date.now()) });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
    startMaintenance() {
      // New months' partitions before they are needed (the default partition catches anything else).
      const timer = setInterval(() => {
        ensureMonths(pool, Date.now()).catch((error: Error) => log(`postgres: cannot create next month's partitions: ${error.message}`));
      }, 3_600_000);
      timer.unref();
      return () => clearInterval(timer);
    },
    describe: () => `PostgreSQL ${target}`,
    migrations: { dialect: 'postgres', ...migrations },
    async close() {
      await signals.close();
      await pool.end();
    },
  };
  return storage;
}
