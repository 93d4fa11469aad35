import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { resolveServeConfig, type ServeConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createRepository } from '../db/repository.js';
import { Problem, UsageError } from '../errors.js';
import type { Context } from '../services/context.js';
import type { CliProcess } from '../cli.js';

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
export function openProgram(
  proc: CliProcess,
  flags: { db?: string | undefined; config?: string | undefined },
  options: { create?: boolean } = {},
): { ctx: Context; config: ServeConfig; close: () => void } {
  const config = resolveServeConfig({ db: flags.db, config: flags.config }, proc.env);
  if (!options.create && !existsSync(config.db)) {
    throw new UsageError(`no database at ${config.db} (check --db, or start "affil serve" first)`);
  }
  const repo = createRepository(openDatabase(config.db));
  const ctx: Context = {
    program: config,
    repo,
    now: Date.now,
    webhookSecrets: [],
    publish: () => {},
    observe: { events: () => {}, order: () => {}, ledgerEntries: () => {} },
  };
  return { ctx, config, close: () => repo.close() };
}

/** Runs a service call, turning its problem into a CLI message. */
export function attempt<T>(fn: () => T): T {
  try {
    return fn();
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
