import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { retireWebhookSecrets, rotateWebhookSecret, storedWebhookSecrets } from '../services/signing-secrets.js';
import { openProgram, print, PROGRAM_OPTIONS } from './shared.js';

const USAGE = 'usage: affil secrets rotate | affil secrets retire';

/**
 * `affil secrets rotate | retire`: a new order-callback signing secret when the printed one is
 * lost or leaked. Rotate prints a new secret and keeps the old ones verifying; once the shop signs
 * with the new one, retire stops the old ones. The collector reads the secrets when it starts.
 */
export async function secretsCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: PROGRAM_OPTIONS, strict: true, allowPositionals: true });
  const [action, ...rest] = positionals;
  if ((action !== 'rotate' && action !== 'retire') || rest.length > 0) throw new UsageError(USAGE);
  if (proc.env.AFFIL_WEBHOOK_SECRET) {
    throw new UsageError('the signing secrets come from AFFIL_WEBHOOK_SECRET here: put a new whsec_… secret first in it, keep the old one after it (space-separated) until the shop signs with the new one, then remove the old one');
  }
  const program = await openProgram(proc, values);
  try {
    if ((await storedWebhookSecrets(program.ctx.storage)).length === 0) throw new UsageError('no signing secret yet: "affil serve" generates one on first start');
    if (action === 'rotate') {
      const { secret, verifying } = await rotateWebhookSecret(program.ctx.storage);
      print(proc, values.json, { secret, verifying }, [
        `new order-callback signing secret (shown once, store it now): ${secret}`,
        `Restart affil serve to use it. Until "affil secrets retire", the ${verifying - 1} older one(s) keep verifying too:`,
        'give the shop the new secret (AFFIL_WEBHOOK_SECRET for the merchant kit), then run "affil secrets retire" and restart.',
      ].join('\n'));
    } else {
      const retired = await retireWebhookSecrets(program.ctx.storage);
      print(proc, values.json, { retired }, retired === 0 ? 'only one secret is in use: nothing to retire' : `retired ${retired} older secret(s); restart affil serve to stop accepting them`);
    }
    return 0;
  } finally {
    await program.close();
  }
}
