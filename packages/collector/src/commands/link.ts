import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { Problem } from '../errors.js';
import { checkDestination } from '../services/redirect.js';
import { subOf } from '../domain/click-signals.js';
import { isOrigin, resolveServeConfig, type ServeConfig } from '../config.js';
import { openProgram, PROGRAM_OPTIONS } from './shared.js';

const USAGE = 'usage: affil link TAG URL [--collector https://track.example] [--page SOURCE] [--sub SUB-ID]';

/**
 * The collector origin a link points at, and where it came from: `--collector`, then the
 * `publicUrl` that `affil serve` would use (AFFIL_PUBLIC_URL, then the config file), then the
 * address this machine's `affil serve` listens on with the same settings, so a first try works.
 */
export function linkCollector(flag: string | undefined, config: ServeConfig, env: NodeJS.ProcessEnv): { url: string; source: string; local: boolean } {
  if (flag !== undefined) {
    if (!isOrigin(flag)) throw new UsageError(`--collector "${flag}" must be an origin such as https://track.example.com`);
    return { url: flag.replace(/\/+$/, ''), source: '--collector', local: false };
  }
  if (config.publicUrl) return { url: config.publicUrl, source: env.AFFIL_PUBLIC_URL ? 'AFFIL_PUBLIC_URL' : 'publicUrl in the config file', local: false };
  // A wildcard listen address is not one a browser can open; this machine's loopback is.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host}:${config.port}`, source: "this machine's affil serve address (no --collector, AFFIL_PUBLIC_URL or publicUrl set)", local: true };
}

const help = (collector: { url: string; source: string }) => `${USAGE}

Prints a /go redirect link for TAG to URL, for places where no script runs.
--sub labels the link's clicks with a sub-ID (1-64 of A-Za-z0-9._-; reports: by=sub).
The link points at --collector, else the collector's public URL (AFFIL_PUBLIC_URL, else publicUrl
in the config file), else the address affil serve listens on here with the same settings.
Here that is ${collector.url}, from ${collector.source}.
`;

/** `affil link TAG URL`: the collector redirect link for places where no script runs. */
export async function linkCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...PROGRAM_OPTIONS, collector: { type: 'string' }, page: { type: 'string' }, sub: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  if (values.help) {
    const config = resolveServeConfig({ config: values.config }, proc.env);
    proc.stdout.write(help(linkCollector(values.collector, config, proc.env)));
    return 0;
  }
  const [tag, url] = positionals;
  if (!tag || !url || positionals.length !== 2) throw new UsageError(USAGE);
  if (values.sub !== undefined && subOf(values.sub) === null) throw new UsageError(`--sub "${values.sub}" must be 1 to 64 of A-Za-z0-9._-`);
  const program = await openProgram(proc, values);
  try {
    const owner = await program.ctx.storage.accounts.findTag(tag);
    if (!owner) throw new UsageError(`tag ${tag} is not registered`);
    let destination;
    try {
      destination = checkDestination(program.ctx, url);
    } catch (error) {
      if (error instanceof Problem) throw new UsageError(error.message);
      throw error;
    }
    // The link's own arguments first, then where it points.
    const collector = linkCollector(values.collector, program.config, proc.env);
    if (collector.local) {
      proc.stderr.write(`affil: note: the link points at ${collector.url}, ${collector.source}; only this machine can follow it. Set AFFIL_PUBLIC_URL or pass --collector for links to publish\n`);
    } else if (collector.source !== '--collector') {
      proc.stderr.write(`affil: collector ${collector.url} (from ${collector.source})\n`);
    }
    if (destination.marketplace !== owner.marketplace) {
      proc.stderr.write(`affil: warning: ${tag} is for marketplace ${owner.marketplace} but the link goes to ${destination.marketplace}\n`);
    }
    const link = `${collector.url}/go/${encodeURIComponent(tag)}?url=${encodeURIComponent(url)}${values.page ? `&page=${encodeURIComponent(values.page)}` : ''}${values.sub ? `&sub=${values.sub}` : ''}`;
    proc.stdout.write(values.json ? `${JSON.stringify({ tag, url, link, ...(values.sub ? { sub: values.sub } : {}), collector: collector.url, collectorFrom: collector.source })}\n` : `${link}\n`);
    return 0;
  } finally {
    await program.close();
  }
}
