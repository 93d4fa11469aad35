import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { verifyStatement } from '../domain/verify-statement.js';
import { UsageError } from '../errors.js';

const USAGE = 'affil verify STATEMENT.json --key <JWK set file or URL> [--previous PREVIOUS.json] [--json] | affil verify --db FILE|URL [--json]';

async function readJson(what: string, source: string): Promise<unknown> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
    } catch (error) {
      throw new UsageError(`cannot fetch ${what} ${source}: ${(error as Error).message}`);
    }
    if (!res.ok) throw new UsageError(`cannot fetch ${what} ${source}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} ${source} is not JSON`);
  }
}

/**
 * `affil verify FILE --key KEYS`: checks a downloaded statement offline. Exit 0 when intact,
 * 1 with one line per problem, 2 for a usage error or a file that cannot be read.
 */
export async function verifyCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { key: { type: 'string' }, previous: { type: 'string' }, json: { type: 'boolean' }, db: { type: 'string' }, config: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0 && !values.key && (values.db !== undefined || values.config !== undefined)) return verifyDatabase(proc, values);
  if (positionals.length !== 1 || !values.key) throw new UsageError(`usage: ${USAGE}`);
  const file = positionals[0]!;
  const statement = await readJson('statement', file);
  const keys = await readJson('key set', values.key);
  const previous = values.previous === undefined ? undefined : await readJson('previous statement', values.previous);
  const problems = verifyStatement(statement, keys, previous === undefined ? {} : { previous });
  if (values.json) proc.stdout.write(`${JSON.stringify({ file, valid: problems.length === 0, problems }, null, 2)}\n`);
  else if (problems.length === 0) proc.stdout.write(`${file}: valid (signature, chain and sums check out)\n`);
  else proc.stdout.write(problems.map((p) => `${file}: ${p}\n`).join(''));
  return problems.length === 0 ? 0 : 1;
}

/**
 * `affil verify --db`: on the collector host, every stored ledger entry against its chain link
 * (per account and currency): an entry edited, removed or reordered in the database is named.
 * Exit 0 when every chain is intact, 1 with one line per problem.
 */
async function verifyDatabase(proc: CliProcess, flags: { db?: string | undefined; config?: string | undefined; json?: boolean | undefined }): Promise<number> {
  const { openProgram } = await import('./shared.js');
  const { ledgerProblems } = await import('../services/money-out.js');
  const program = await openProgram(proc, flags);
  try {
    const { entries, chains, problems } = await ledgerProblems(program.ctx);
    if (flags.json) proc.stdout.write(`${JSON.stringify({ valid: problems.length === 0, entries, chains, problems }, null, 2)}\n`);
    else if (problems.length === 0) proc.stdout.write(`ledger: ${entries} entries in ${chains} chains, every link intact\n`);
    else proc.stdout.write(problems.map((p) => `ledger: ${p}\n`).join(''));
    return problems.length === 0 ? 0 : 1;
  } finally {
    await program.close();
  }
}
