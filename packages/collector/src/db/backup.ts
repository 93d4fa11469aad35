import Database from 'better-sqlite3';

/**
 * A consistent copy of a live SQLite database: `VACUUM INTO` reads one snapshot (WAL mode lets
 * the collector keep writing meanwhile) and writes a compact, self-contained file into `target`
 * (an existing empty file keeps its mode). Answers the milliseconds it took.
 */
export function backupSqlite(file: string, target: string): number {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const started = Date.now();
    db.prepare('VACUUM INTO ?').run(target);
    return Date.now() - started;
  } finally {
    db.close();
  }
}
