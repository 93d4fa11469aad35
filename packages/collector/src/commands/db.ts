import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { copyDatabase } from '../storage/copy.js';

const USAGE = 'usage: affil db copy --from FILE|URL --to FILE|URL [--force]';

/**
 * `affil db copy --from ./data/affil.db --to postgres://…`: every table into an empty database
 * (the target is migrated first; `--force` replaces a PostgreSQL target's contents), read from one
 * snapshot of the source while its collector keeps running, written in one transaction, verified
 * (rows per table, ledger sums per account and currency). Exit 1 when the verification differs.
 */
export async function dbCommand(proc: CliProcess, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'copy') throw new UsageError(USAGE);
  const { values, positionals } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (!values.from || !values.to || positionals.length > 0) throw new UsageError(USAGE);
  const report = await copyDatabase(values.from, values.to, { force: values.force === true, progress: (line) => proc.stdout.write(`${line}\n`) });
  return report.ok ? 0 : 1;
}
