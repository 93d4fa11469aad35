import { missingDatabase } from '../storage/open.js';
import { parseArgs } from 'node:util';
import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { audit, type AuditReport } from '../audit/run.js';
import type { AuditProgram } from '../audit/classify.js';
import { collectorTags, fromCollector, tagsOnly, unknownMarketplaces } from '../audit/registry.js';
import { isOrigin, resolveServeConfig } from '../config.js';
import { openProgram, PROGRAM_OPTIONS } from './shared.js';

const USAGE = 'usage: affil audit FILE|DIR|URL … [--tag TAG[,TAG…]] [--collector URL --key KEY | --db FILE] [--config FILE] [--json]';

/**
 * `affil audit`: every merchant link in local files, folders or pages, with what it earns. The tags
 * it checks against come from, in order: a collector (`--collector URL --key KEY`, `GET /v1/tags`),
 * the program's database (`--db`, `AFFIL_DB`, or `./data/affil.db` where it exists: the collector's
 * host), or `--tag` alone (a blogger's laptop, no database: marketplaces from `--config` or the
 * built-ins). Exit 2 on a usage error or when an item could not be read (a missing file, a page that
 * could not be fetched: the report is incomplete), else 1 when any link leaks revenue, else 0.
 * Files a folder scan skips (binary, over the size limit) are listed but do not fail the run.
 */
export async function auditCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...PROGRAM_OPTIONS, tag: { type: 'string', multiple: true }, collector: { type: 'string' }, key: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError(USAGE);
  // `--tag a,b` and `--tag a --tag b` alike.
  const own = (values.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const config = resolveServeConfig({ db: values.db, config: values.config }, proc.env);
  const local = { marketplaces: config.marketplaces, tagPattern: config.tagPattern };
  let auditProgram: AuditProgram;
  const key = values.key ?? proc.env.AFFIL_KEY;
  if (values.collector !== undefined || values.key !== undefined) {
    if (values.db !== undefined) throw new UsageError('pass either --collector (with --key) or --db, not both');
    if (values.collector === undefined) throw new UsageError('--key needs --collector https://… (the collector to ask)');
    if (!isOrigin(values.collector)) throw new UsageError(`--collector "${values.collector}" must be an origin such as https://track.example.com`);
    if (!key) throw new UsageError('--collector needs --key KEY (or AFFIL_KEY): your account key, or the admin key');
    const tags = await collectorTags(values.collector, key);
    const unknown = unknownMarketplaces(local, tags);
    if (unknown.length > 0) proc.stderr.write(`affil: warning: the collector's tags are for marketplace(s) ${unknown.join(', ')}, unknown here; pass --config with the program's marketplaces\n`);
    auditProgram = fromCollector(local, tags, key, own);
  } else if (values.db !== undefined || proc.env.AFFIL_DB !== undefined || missingDatabase(config.db) === undefined || own.length === 0) {
    if (missingDatabase(config.db) !== undefined) {
      throw new UsageError(`no database at ${config.db}: on the collector's host pass --db FILE; elsewhere pass --tag YOUR_TAG, or --collector URL --key KEY`);
    }
    const program = await openProgram(proc, values);
    try {
      const tags = new Map((await program.ctx.storage.accounts.allTags()).map((t) => [t.tag, t.marketplace]));
      for (const tag of own) if (!tags.has(tag)) throw new UsageError(`--tag ${tag} is not registered in this program`);
      auditProgram = { ...local, tags, ownTags: new Set(own), registry: 'all' };
    } finally {
      await program.close();
    }
  } else {
    auditProgram = tagsOnly(local, own);
  }
  const report = await audit(positionals, auditProgram);
  proc.stdout.write(values.json ? `${JSON.stringify({ ...report, summary: summarize(report) }, null, 2)}\n` : render(report));
  const unread = report.problems.filter((p) => p.detail.startsWith('cannot '));
  if (unread.length > 0) {
    proc.stderr.write(`affil: ${unread.length} item(s) could not be audited: ${unread.map((p) => p.source).join(', ')}\n`);
    return 2;
  }
  return report.links.some((l) => l.leaks) ? 1 : 0;
}

function summarize(report: AuditReport) {
  const byStatus: Record<string, number> = {};
  for (const l of report.links) byStatus[l.status] = (byStatus[l.status] ?? 0) + 1;
  return { links: report.links.length, leaking: report.links.filter((l) => l.leaks).length, problems: report.problems.length, byStatus };
}

function render(report: AuditReport): string {
  const lines = report.links.map((l) => `${l.leaks ? '✗' : '✓'} ${l.status.padEnd(17)} ${l.source}:${l.line}  ${l.href}\n    ${l.detail}`);
  for (const p of report.problems) lines.push(`! ${p.source}: ${p.detail}`);
  const s = summarize(report);
  const counts = Object.entries(s.byStatus).map(([k, n]) => `${n} ${k.replace('_', ' ')}`).join(', ');
  lines.push(`${s.links} merchant link(s)${counts ? `: ${counts}` : ''}; ${s.leaking} leak revenue${s.problems ? `; ${s.problems} item(s) could not be audited` : ''}`);
  return `${lines.join('\n')}\n`;
}
