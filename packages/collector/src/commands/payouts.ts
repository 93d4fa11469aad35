import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { formatMinor } from '../domain/money.js';
import { exportFile, runPayouts } from '../services/money-out.js';
import { attempt, openProgram, print, PROGRAM_OPTIONS } from './shared.js';

const USAGE = 'usage: affil payouts run --through YYYY-MM-DD [--dry-run] | affil payouts export [--through YYYY-MM-DD] [--format csv|paypal|wise] [--currency USD] [--out FILE]';

/**
 * `affil payouts run --through DATE`: the payout run of `POST /v1/payouts` (idempotent: the same
 * date again prints the same payouts). `affil payouts export`: the batch file of
 * `GET /v1/payouts/export` on stdout or in `--out`; payouts left out are listed on stderr.
 */
export async function payoutsCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...PROGRAM_OPTIONS, through: { type: 'string' }, format: { type: 'string' }, currency: { type: 'string' }, out: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const [action, ...rest] = positionals;
  if ((action !== 'run' && action !== 'export') || rest.length > 0) throw new UsageError(USAGE);
  if (action === 'run' && values.through === undefined) throw new UsageError(`--through is required; ${USAGE}`);
  const program = await openProgram(proc, values);
  try {
    if (action === 'run') {
      const run = await attempt(() => runPayouts(program.ctx, { through: values.through }, { store: !values['dry-run'] }));
      const lines = run.body.payouts.map((p) => `${p.id}  ${p.account}  ${formatMinor(p.amount, p.currency)} ${p.currency}  ${p.status}  (${p.entries.length} entries)`);
      for (const s of run.body.belowMinimum) lines.push(`below minimum: ${s.account}  ${formatMinor(s.net, s.currency)} ${s.currency} (minimum ${formatMinor(s.minimum, s.currency)}): rolls over`);
      const head = values['dry-run'] ? `would pay through ${run.body.through}:` : `${run.created} new payout(s) through ${run.body.through}:`;
      print(proc, values.json, run.body, [head, ...lines].join('\n'));
      return 0;
    }
    const query = { format: values.format ?? 'csv', ...(values.through !== undefined ? { through: values.through } : {}), ...(values.currency !== undefined ? { currency: values.currency } : {}) };
    const file = await attempt(() => exportFile(program.ctx, query));
    if (values.out !== undefined) await writeFile(values.out, file.body);
    else proc.stdout.write(file.body);
    for (const n of file.notPayable) proc.stderr.write(`not payable: ${n.payout} ${n.account} ${n.amount} ${n.currency}: ${n.reason}\n`);
    return 0;
  } finally {
    await program.close();
  }
}
