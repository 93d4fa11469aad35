import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { resolveServeConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { backupDatabase, backupSupported, missingDatabase, redactDb } from '../storage/open.js';

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
  backupSupported(config.db, target);
  const missing = missingDatabase(config.db);
  if (missing !== undefined) throw new UsageError(`no database at ${missing}`);
  if (existsSync(target)) throw new UsageError(`${target} exists; choose a new file name`);
  // The copy holds the signing secret too: created empty with mode 0600 first (VACUUM INTO
  // writes into an empty file and keeps its mode).
  try {
    closeSync(openSync(target, 'wx', 0o600));
  } catch (error) {
    throw new UsageError(`cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const ms = backupDatabase(config.db, target);
    proc.stdout.write(`backed up ${redactDb(config.db)} to ${target} in ${ms} ms\n`);
  } catch (error) {
    rmSync(target, { force: true });
    throw new UsageError(`backup failed: ${(error as Error).message}`);
  }
  return 0;
}
