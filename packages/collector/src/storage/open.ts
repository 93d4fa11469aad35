import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { backupSqlite } from '../db/backup.js';
import { openSqliteStorage } from './sqlite.js';
import { createPostgresStorage } from './postgres/index.js';
import type { Storage, StorageOptions } from './port.js';

/** True for a value that selects PostgreSQL (`postgres://…`, `postgresql://…`); anything else is a SQLite path. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/**
 * Opens the storage a `db` setting names: a PostgreSQL URL goes to the PostgreSQL adapter (it
 * never touches the file system), anything else is a SQLite file, created if needed.
 */
export async function openStorage(db: string, options: StorageOptions = {}): Promise<Storage> {
  if (!isPostgresUrl(db)) return openSqliteStorage(db, options);
  try {
    return await createPostgresStorage(db, options);
  } catch (error) {
    // An unreachable server or bad credentials: one line naming the database (no password) and why.
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot open database ${redactDb(db)}: ${(error as Error).message}`);
  }
}

/**
 * For commands that must not start a new database: the SQLite file `db` names when it does not
 * exist; undefined when it does, or for PostgreSQL (whose database is created by its admin).
 */
export function missingDatabase(db: string): string | undefined {
  return isPostgresUrl(db) || existsSync(db) ? undefined : db;
}

/**
 * A consistent copy of the live database into the new file `target`; answers the milliseconds it
 * took. SQLite: `VACUUM INTO`. PostgreSQL: `pg_dump --format=custom` (restore with pg_restore),
 * when pg_dump is installed; otherwise `backupSupported` explains.
 */
export function backupDatabase(db: string, target: string): number {
  backupSupported(db, target);
  if (!isPostgresUrl(db)) return backupSqlite(db, target);
  const started = Date.now();
  const url = new URL(db);
  const password = decodeURIComponent(url.password);
  url.password = '';
  try {
    // The password goes in the environment, never on a command line others can read.
    execFileSync('pg_dump', ['--format=custom', '--no-password', '--file', target, url.toString()], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...(password ? { PGPASSWORD: password } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
    throw new Error(`pg_dump of ${redactDb(db)} failed: ${stderr || (error as Error).message}`);
  }
  return Date.now() - started;
}

/** True when `pg_dump` can be run. */
const hasPgDump = (): boolean => spawnSync('pg_dump', ['--version'], { stdio: 'ignore' }).status === 0;

/** Throws the UsageError `backupDatabase` would for a database it cannot copy (before any file is made). */
export function backupSupported(db: string, target: string): void {
  if (isPostgresUrl(db) && !hasPgDump()) {
    throw new UsageError(
      `${redactDb(db)} is a PostgreSQL database: affil backup runs pg_dump, which is not installed here. Install the PostgreSQL client tools, or back it up elsewhere ` +
        `with pg_dump --format=custom --file ${target} "$DATABASE_URL" (restore with pg_restore), or your provider's snapshots and point-in-time recovery`,
    );
  }
}

/** A database setting as logs may show it: a URL without its password. */
export function redactDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return db.replace(/\/\/[^@/]*@/, '//***@');
  }
}
