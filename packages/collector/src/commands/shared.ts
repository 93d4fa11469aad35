import type { ParseArgsConfig } from 'node:util';
import { resolveServeConfig, type ServeConfig } from '../config.js';
import { missingDatabase, openStorage } from '../storage/open.js';
import { Problem, UsageError } from '../errors.js';
import type { Context } from '../services/context.js';
import type { CliProcess } from './process.js';

/** Options every command that reads the program takes. */
export const PROGRAM_OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Opens the program's database for a one-off command; the caller closes it. Only commands that
 * create something (`create`) may start a new database: for the others a missing file is most
 * likely a mistyped `--db`, and an empty new one would answer as if nothing existed.
 */
export async function openProgram(
  proc: CliProcess,
  flags: { db?: string | undefined; config?: string | undefined },
  options: { create?: boolean } = {},
): Promise<{ ctx: Context; config: ServeConfig; close: () => Promise<void> }> {
  const config = resolveServeConfig({ db: flags.db, config: flags.config }, proc.env);
  const missing = options.create ? undefined : missingDatabase(config.db);
  if (missing !== undefined) throw new UsageError(`no database at ${missing} (check --db, or start "affil serve" first)`);
  const storage = await openStorage(config.db, { poolSize: 2, statementTimeoutMs: config.dbStatementTimeoutMs });
  const ctx: Context = {
    program: config,
    storage,
    now: Date.now,
    webhookSecrets: [],
    publish: () => {},
    observe: { events: () => {}, order: () => {}, ledgerEntries: () => {} },
  };
  return { ctx, config, close: () => storage.close() };
}

/** Runs a service call, turning its problem into a CLI message. */
export async function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Problem) throw new UsageError(error.message);
    throw error;
  }
}

export function need(positionals: string[], names: string[], usage: string): string[] {
  if (positionals.length !== names.length) throw new UsageError(`usage: ${usage}`);
  return positionals;
}

export function print(proc: CliProcess, json: boolean | undefined, value: unknown, text: string): void {
  proc.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}
