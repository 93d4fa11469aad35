import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { CliProcess } from '../cli.js';
import { resolveServeConfig } from '../config.js';
import { UsageError } from '../errors.js';

/**
 * `affil backup FILE`: a consistent copy of the live database. `VACUUM INTO` reads one snapshot
 * (WAL mode lets the collector keep writing meanwhile) and writes a compact, self-contained
 * file; to restore, stop the collector and put the copy in place of the database file.
 */
export function backupCommand(proc: CliProcess, args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { db: { type: 'string' }, config: { type: 'string' } }, strict: true, allowPositionals: true });
  const [target] = positionals;
  if (!target || positionals.length !== 1) throw new UsageError('usage: affil backup FILE [--db FILE] [--config FILE]');
  const config = resolveServeConfig({ db: values.db, config: values.config }, proc.env);
  if (!existsSync(config.db)) throw new UsageError(`no database at ${config.db}`);
  if (existsSync(target)) throw new UsageError(`${target} exists; choose a new file name`);
  // The copy holds the signing secret too: created empty with mode 0600 first (VACUUM INTO
  // writes into an empty file and keeps its mode).
  try {
    closeSync(openSync(target, 'wx', 0o600));
  } catch (error) {
    throw new UsageError(`cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const db = new Database(config.db, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const started = Date.now();
    db.prepare('VACUUM INTO ?').run(target);
    proc.stdout.write(`backed up ${config.db} to ${target} in ${Date.now() - started} ms\n`);
  } catch (error) {
    rmSync(target, { force: true });
    throw new UsageError(`backup failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  return 0;
}
