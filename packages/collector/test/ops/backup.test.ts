// SPEC §7: `affil backup FILE` takes a consistent online copy, under write load; restoring is
// putting the copy in place of the database file (README).
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { spawnServe } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  const code = await run({ argv: ['node', 'affil', ...args], env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, once: (s: 'SIGTERM' | 'SIGINT', l: () => void) => signals.once(s, l) });
  return { code, out: out.join(''), err: err.join('') };
}

describe('affil backup', () => {
  it('copies the live database consistently while clicks keep arriving, and the copy restores', async () => {
    const db = join(dir, 'live.db');
    const adminKey = `affil_admin_${randomBytes(12).toString('base64url')}`;
    const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    const server = await spawnServe(['--db', db], env);
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const account = (await (await fetch(`${server.url}/v1/accounts`, { method: 'POST', headers, body: JSON.stringify({ name: 'Jane' }) })).json()) as { id: string };
    await fetch(`${server.url}/v1/accounts/${account.id}/tags`, { method: 'POST', headers, body: JSON.stringify({ tag: 'janesblog-20', marketplace: 'us' }) });

    let stop = false;
    let acked = 0;
    const load = (async () => {
      while (!stop) {
        const events = Array.from({ length: 20 }, () => ({ type: 'click', id: randomUUID(), tag: 'janesblog-20', url: 'https://www.amazon.com/dp/B08XYZ1234', via: 'click', at: Date.now() }));
        const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': UA }, body: JSON.stringify({ events }) });
        if (res.status === 202) acked += 20;
      }
    })();
    while (acked < 400) await new Promise((r) => setTimeout(r, 20));

    const copy = join(dir, 'backup.db');
    const result = await cli('backup', copy, '--db', db);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/backed up .* to .*backup\.db in \d+ ms/);
    // The database, its WAL and shared-memory files and the copy hold the signing secret: owner only.
    const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
    expect([db, `${db}-wal`, `${db}-shm`, copy].map(mode)).toEqual(['600', '600', '600', '600']);
    const ackedAtBackup = acked;
    while (acked < ackedAtBackup + 200) await new Promise((r) => setTimeout(r, 20)); // writes went on meanwhile
    stop = true;
    await load;

    // One snapshot: raw rows and per-day totals agree inside the copy.
    const backup = new Database(copy, { readonly: true });
    expect(backup.pragma('integrity_check', { simple: true })).toBe('ok');
    const clicks = backup.prepare('SELECT count(*) FROM clicks').pluck().get() as number;
    const totals = backup.prepare('SELECT sum(clicks) FROM daily_totals').pluck().get() as number;
    backup.close();
    expect(clicks).toBeGreaterThanOrEqual(400);
    expect(clicks).toBe(totals);
    expect(clicks).toBeLessThan(acked);

    server.child.kill('SIGTERM');
    await server.exited;

    // Restore: put the copy in place and start the collector on it.
    const restored = join(dir, 'restored.db');
    copyFileSync(copy, restored);
    const again = await spawnServe(['--db', restored], env);
    const today = new Date().toISOString().slice(0, 10);
    const summary = (await (await fetch(`${again.url}/v1/reports/summary?from=${today}&to=${today}`, { headers })).json()) as { clicks: number };
    expect(summary.clicks).toBe(clicks);
    again.child.kill('SIGTERM');
    await again.exited;
  }, 60_000);

  it('refuses to overwrite a file or read a missing database', async () => {
    expect((await cli('backup', join(dir, 'x.db'), '--db', join(dir, 'missing.db'))).err).toContain('no database at');
    const live = join(dir, 'small.db');
    new Database(live).close();
    const target = join(dir, 'exists.db');
    new Database(target).close();
    const result = await cli('backup', target, '--db', live);
    expect(result.code).toBe(2);
    expect(result.err).toContain('exists; choose a new file name');
  });
});
