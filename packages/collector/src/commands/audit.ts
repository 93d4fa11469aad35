import { parseArgs } from 'node:util';
import type { CliProcess } from '../cli.js';
import { UsageError } from '../errors.js';
import { audit, type AuditReport } from '../audit/run.js';
import type { AuditProgram } from '../audit/classify.js';
import { openProgram, PROGRAM_OPTIONS } from './shared.js';

const USAGE = 'usage: affil audit FILE|DIR|URL … [--tag TAG …] [--json] [--db FILE] [--config FILE]';

/**
 * `affil audit`: every merchant link in local files, folders or pages on this machine, with what
 * it earns. Exit 2 on a usage error or when an item could not be read (a missing file, a page that
 * could not be fetched: the report is incomplete), else 1 when any link leaks revenue, else 0.
 * Files a folder scan skips (binary, over the size limit) are listed but do not fail the run.
 */
export async function auditCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...PROGRAM_OPTIONS, tag: { type: 'string', multiple: true } }, strict: true, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError(USAGE);
  const program = openProgram(proc, values);
  let auditProgram: AuditProgram;
  try {
    const tags = new Map(program.ctx.repo.accounts.allTags().map((t) => [t.tag, t.marketplace]));
    for (const tag of values.tag ?? []) if (!tags.has(tag)) throw new UsageError(`--tag ${tag} is not registered in this program`);
    auditProgram = { marketplaces: program.config.marketplaces, tagPattern: program.config.tagPattern, tags, ownTags: new Set(values.tag ?? []) };
  } finally {
    program.close();
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
