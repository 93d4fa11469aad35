import type pg from 'pg';
import { lockKey, transaction } from './sql.js';

/** The raw event tables, each partitioned by month on `at` (epoch ms), each with a default partition. */
export const PARTITIONED = ['clicks', 'pageviews', 'landings', 'cart_adds'] as const;
export type PartitionedTable = (typeof PARTITIONED)[number];

const BATCH = 5000;

/** The first millisecond of the UTC month `at` falls in, and of the month `offset` months later. */
export function monthStart(at: number, offset = 0): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

/** `clicks_y2026m12`: the partition of `table` for the month starting at `start`. */
export function partitionName(table: PartitionedTable, start: number): string {
  const d = new Date(start);
  return `${table}_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Makes the monthly partition of every raw event table for the month of `at` (and `ahead`
 * months after it). Rows that landed in the default partition for that month (a collector that
 * was off when the month began) move into it in the same transaction. Idempotent and safe when
 * several collectors do it at once (a transaction-scoped advisory lock serializes them).
 * Answers the partitions it made.
 */
export async function ensureMonths(pool: pg.Pool, at: number, ahead = 1): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i <= ahead; i++) {
    const lo = monthStart(at, i);
    const hi = monthStart(at, i + 1);
    for (const table of PARTITIONED) {
      const name = partitionName(table, lo);
      if (await exists(pool, name)) continue;
      const created = await transaction(pool, async (c) => {
        await c.query("SET LOCAL lock_timeout = '5s'");
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey('partitions')]);
        // Another collector may have made it while this one waited for the lock.
        if (await exists(c, name)) return false;
        await c.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await c.query(`WITH moved AS (DELETE FROM ${table}_default WHERE at >= $1 AND at < $2 RETURNING *) INSERT INTO ${name} SELECT * FROM moved`, [lo, hi]);
        await c.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM (${lo}) TO (${hi})`);
        return true;
      });
      if (created) made.push(name);
    }
  }
  return made;
}

/** Read from pg_class with the statement's snapshot (a cached catalog lookup could miss a table just committed). */
async function exists(db: pg.Pool | pg.PoolClient, name: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace) AS ok', [name]);
  return rows[0]?.ok === true;
}

export interface Partition { name: string; table: PartitionedTable; from: number | null; to: number | null }

/** The partitions of `table` with their bounds (null, null for the default partition). */
export async function listPartitions(pool: pg.Pool | pg.PoolClient, table: PartitionedTable): Promise<Partition[]> {
  const { rows } = await pool.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
    [table],
  );
  return rows.map(({ name, bound }) => {
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(bound);
    return { name, table, from: m ? Number(m[1]) : null, to: m ? Number(m[2]) : null };
  });
}

/**
 * Retention on partitions: every monthly partition wholly before `before` is dropped in one
 * step (no row-by-row delete, no bloat), and only the partition straddling the cut (and the
 * default one) lose rows, a batch at a time. Event ids go with their events: once no event is
 * left to purge, the ids older than the cut are deleted in batches too, so a second call
 * answers 0. Answers how many events went.
 */
export async function purgeEventsBefore(pool: pg.Pool, before: number): Promise<number> {
  let removed = 0;
  for (const table of PARTITIONED) {
    for (const p of await listPartitions(pool, table)) {
      if (p.to !== null && p.to <= before) {
        removed += await transaction(pool, async (c) => {
          // Dropping a partition locks its parent for an instant; never queue behind a long report.
          await c.query("SET LOCAL lock_timeout = '2s'");
          // Counting a big month may take longer than a request's statement timeout; it holds no lock that matters.
          await c.query('SET LOCAL statement_timeout = 0');
          const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${p.name}`);
          await c.query(`ALTER TABLE ${table} DETACH PARTITION ${p.name}`);
          await c.query(`DROP TABLE ${p.name}`);
          return rows[0]?.n ?? 0;
        });
      } else if (p.from === null || p.from < before) {
        const r = await pool.query(`DELETE FROM ${p.name} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${p.name} WHERE at < $1 LIMIT ${BATCH}))`, [before]);
        removed += r.rowCount ?? 0;
      }
    }
  }
  if (removed === 0) {
    for (;;) {
      const r = await pool.query(`DELETE FROM event_ids WHERE id IN (SELECT id FROM event_ids WHERE at < $1 LIMIT ${BATCH})`, [before]);
      if ((r.rowCount ?? 0) < BATCH) break;
    }
  }
  return removed;
}
