import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { resolveServeConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { backupSqlite } from '../db/backup.js';
import { isPostgresUrl, redactDb } from '../storage/open.js';

/**
 * `affil backup FILE`: a consistent copy of the live SQLite database; to restore, stop the
 * collector and put the copy in place of the database file. On PostgreSQL the database's own
 * tools do this (and more: point-in-time recovery), so the command says which.
 */
export async function backupCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { db: { type: 'string' }, config: { type: 'string' } }, strict: true, allowPositionals: true });
  const [target] = positionals;
  if (!target || positionals.length !== 1) throw new UsageError('usage: affil backup FILE [--db FILE] [--config FILE]');
  const config = resolveServeConfig({ db: values.db, config: values.config }, proc.env);
  if (isPostgresUrl(config.db)) {
    throw new UsageError(
      `${redactDb(config.db)} is a PostgreSQL database: affil backup copies SQLite files only. Back it up with PostgreSQL's own tools, ` +
        `e.g. pg_dump --format=custom --file ${target} "$DATABASE_URL" (restore with pg_restore), or your provider's snapshots and point-in-time recovery`,
    );
  }
  if (!existsSync(config.db)) throw new UsageError(`no database at ${config.db}`);
  if (existsSync(target)) throw new UsageError(`${target} exists; choose a new file name`);
  // The copy holds the signing secret too: created empty with mode 0600 first (VACUUM INTO
  // writes into an empty file and keeps its mode).
  try {
    closeSync(openSync(target, 'wx', 0o600));
  } catch (error) {
    throw new UsageError(`cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const ms = backupSqlite(config.db, target);
    proc.stdout.write(`backed up ${config.db} to ${target} in ${ms} ms\n`);
  } catch (error) {
    rmSync(target, { force: true });
    throw new UsageError(`backup failed: ${(error as Error).message}`);
  }
  return 0;
}
