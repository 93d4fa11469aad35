import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { MIGRATIONS } from './migrations/index.js';
import { BACKFILL } from './migrations/002_daily_totals.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the collector's database and brings its schema up to date.
 *
 * WAL lets reports read while beacons write. synchronous=NORMAL in WAL mode makes every
 * committed transaction survive a crash of this process (kill -9); a power loss or OS crash
 * may lose the last transactions before the next checkpoint, never corrupt the file.
 */
export function openDatabase(file: string, options: { warn?: (message: string) => void } = {}): Db {
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
  migrate(db);
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

/** Applies, in order and each in its own transaction, every migration not yet recorded. */
export function migrate(db: Db): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** Recomputes the per-day totals from the raw rows (after bulk loads or a manual repair). */
export function rebuildDailyTotals(db: Db): void {
  db.transaction(() => {
    db.exec('DELETE FROM daily_totals');
    db.exec(BACKFILL);
  })();
}
