import { parseArgs } from 'node:util';
import type { CliProcess } from '../cli.js';
import { UsageError } from '../errors.js';
import { Problem } from '../errors.js';
import { checkDestination } from '../services/redirect.js';
import { isOrigin } from '../config.js';
import { openProgram, PROGRAM_OPTIONS } from './shared.js';

/** `affil link TAG URL`: the collector redirect link for places where no script runs. */
export function linkCommand(proc: CliProcess, args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { ...PROGRAM_OPTIONS, collector: { type: 'string' }, page: { type: 'string' } }, strict: true, allowPositionals: true });
  const [tag, url] = positionals;
  if (!tag || !url || positionals.length !== 2) throw new UsageError('usage: affil link TAG URL [--collector https://track.example] [--page SOURCE]');
  const program = openProgram(proc, values);
  try {
    const owner = program.ctx.repo.accounts.findTag(tag);
    if (!owner) throw new UsageError(`tag ${tag} is not registered`);
    let destination;
    try {
      destination = checkDestination(program.ctx, url);
    } catch (error) {
      if (error instanceof Problem) throw new UsageError(error.message);
      throw error;
    }
    // The link's own arguments first, then where it points.
    const collector = values.collector ?? program.config.publicUrl;
    if (!collector) throw new UsageError('the collector URL is unknown: pass --collector https://… or set AFFIL_PUBLIC_URL');
    if (!isOrigin(collector)) throw new UsageError(`--collector "${collector}" must be an origin such as https://track.example.com`);
    const base = collector.replace(/\/+$/, '');
    if (destination.marketplace !== owner.marketplace) {
      proc.stderr.write(`affil: warning: ${tag} is for marketplace ${owner.marketplace} but the link goes to ${destination.marketplace}\n`);
    }
    const link = `${base}/go/${encodeURIComponent(tag)}?url=${encodeURIComponent(url)}${values.page ? `&page=${encodeURIComponent(values.page)}` : ''}`;
    proc.stdout.write(values.json ? `${JSON.stringify({ tag, url, link })}\n` : `${link}\n`);
    return 0;
  } finally {
    program.close();
  }
}
