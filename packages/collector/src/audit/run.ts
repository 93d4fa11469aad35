import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { classifyLink, LEAKS, type AuditProgram, type AuditStatus } from './classify.js';
import { scanHtml, scanText, type PageFacts } from './scan.js';

export interface AuditedLink { source: string; line: number; href: string; marketplace: string | null; tag: string | null; status: AuditStatus; leaks: boolean; detail: string }
export interface AuditProblem { source: string; detail: string }
export interface AuditReport { links: AuditedLink[]; problems: AuditProblem[] }

/** Files larger than this are reported and skipped. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const HTML = new Set(['.html', '.htm', '.xhtml', '.php', '.erb', '.hbs', '.njk', '.liquid', '.vue', '.svelte', '.jsx', '.tsx']);
const TEXT = new Set([...HTML, '.md', '.markdown', '.mdx', '.txt', '.json', '.xml', '.csv', '.yml', '.yaml', '.rss', '.atom', '']);
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

/** Audits files, folders (recursively) and http(s) pages; one problem per unreadable item, never a stop. */
export async function audit(targets: readonly string[], program: AuditProgram, options: { timeoutMs?: number } = {}): Promise<AuditReport> {
  const report: AuditReport = { links: [], problems: [] };
  for (const target of targets) {
    if (/^https?:\/\//i.test(target)) await auditUrl(target, program, report, options.timeoutMs ?? 10_000);
    else await auditPath(target, program, report, true);
  }
  return report;
}

function record(report: AuditReport, source: string, facts: PageFacts, program: AuditProgram): void {
  for (const link of facts.links) {
    const c = classifyLink(link.href, program, facts.snippetTag);
    if (c) report.links.push({ source, line: link.line, href: link.href, ...c, leaks: LEAKS.has(c.status) });
  }
}

async function auditPath(path: string, program: AuditProgram, report: AuditReport, explicit: boolean): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    report.problems.push({ source: path, detail: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return;
  }
  if (info.isDirectory()) {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      report.problems.push({ source: path, detail: `cannot list: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue;
      await auditPath(join(path, entry.name), program, report, false);
    }
    return;
  }
  if (!info.isFile()) return;
  const ext = extname(path).toLowerCase();
  if (!explicit && !TEXT.has(ext)) return; // images, archives … in a folder are not pages
  if (info.size > MAX_FILE_BYTES) {
    report.problems.push({ source: path, detail: `skipped: ${info.size} bytes is over the ${MAX_FILE_BYTES}-byte limit` });
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    report.problems.push({ source: path, detail: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return;
  }
  if (bytes.subarray(0, 8192).includes(0)) {
    report.problems.push({ source: path, detail: 'skipped: binary file' });
    return;
  }
  const text = bytes.toString('utf8');
  record(report, path, HTML.has(ext) || /<a\s/i.test(text.slice(0, 65536)) ? scanHtml(text) : scanText(text), program);
}

async function auditUrl(url: string, program: AuditProgram, report: AuditReport, timeoutMs: number): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    if (!res.ok) {
      report.problems.push({ source: url, detail: `HTTP ${res.status}` });
      return;
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_FILE_BYTES) {
      report.problems.push({ source: url, detail: `skipped: ${length} bytes is over the ${MAX_FILE_BYTES}-byte limit` });
      await res.body?.cancel();
      return;
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    record(report, url, type.includes('html') || /<a\s/i.test(text.slice(0, 65536)) ? scanHtml(text, res.url) : scanText(text), program);
  } catch (error) {
    report.problems.push({ source: url, detail: `cannot fetch: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}` });
  }
}
