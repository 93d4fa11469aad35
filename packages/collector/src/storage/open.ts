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
  if (isPostgresUrl(db)) return createPostgresStorage(db, options);
  return openSqliteStorage(db, options);
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
