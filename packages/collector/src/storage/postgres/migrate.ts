import type pg from 'pg';
import { lockKey } from './sql.js';
import { MIGRATIONS } from './migrations/index.js';

/**
 * Applies, in order and each in its own transaction, every migration not yet recorded in
 * `schema_migrations`. The whole run holds a session advisory lock, so two collectors starting
 * at once migrate once: the second waits, then finds everything applied. Statements here may
 * take longer than the serving statement timeout (a backfill on a big table), so it is lifted
 * for this session.
 */
export async function migrate(client: pg.ClientBase): Promise<{ applied: number[]; current: number }> {
  const key = lockKey('migrations');
  await client.query('SET statement_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    // Every version not recorded, in order (not only those above the newest: features number
    // their migrations in ranges, so a lower number may land later), as on SQLite.
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        if (m.sql) await client.query(m.sql);
        await m.after?.(client);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(m.version);
      done.add(m.version);
    }
    return { applied, current: Math.max(0, ...done) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  }
}
