// Issue 14.11: a full disk. Reads keep working, so the collector used to say "ok" while every write
// failed, logged a full stack per failed request and exited 1 when its final checkpoint failed. The
// collector runs here with a cap on the size of any file it writes (RLIMIT_FSIZE): past it, writes
// fail exactly as they do on a full disk.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServe, type ServeProcess } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-diskfull-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

describe('disk full', () => {
  it('reports unhealthy with a reason, logs the repeated failure once with a count, loses nothing acknowledged and exits 0 on SIGTERM', async () => {
    const db = join(dir, 'affil.db');
    const adminKey = `affil_admin_${randomBytes(12).toString('base64url')}`;
    const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    const config = join(dir, 'affil.json');
    writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0 }));
    const spawned: ServeProcess[] = [];
    const serve = async (...args: Parameters<typeof spawnServe>) => {
      const p = await spawnServe(...args);
      spawned.push(p);
      return p;
    };
    try {
      await fillAndStop(serve, { db, config, adminKey, env });
    } finally {
      // A failed expectation must not leave a collector running.
      for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  }, 60_000);
});

async function fillAndStop(serve: typeof spawnServe, o: { db: string; config: string; adminKey: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const { db, config, adminKey, env } = o;
  // 4,096 blocks of 512 bytes: 2 MiB per file.
  const server = await serve(['--db', db, '--config', config], env, { fileSizeBlocks: 4096 });
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const account = (await (await fetch(`${server.url}/v1/accounts`, { method: 'POST', headers, body: JSON.stringify({ name: 'Jane' }) })).json()) as { id: string };
  expect((await fetch(`${server.url}/v1/accounts/${account.id}/tags`, { method: 'POST', headers, body: JSON.stringify({ tag: 'janesblog-20', marketplace: 'us' }) })).status).toBe(201);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

  const acked: string[] = [];
  const statuses = new Map<number, number>();
  const batch = async () => {
    const events = Array.from({ length: 8 }, () => ({ type: 'click', id: randomUUID(), tag: 'janesblog-20', url: `https://www.amazon.com/dp/B08XYZ1234?x=${'y'.repeat(1500)}`, page: 'https://blog.example/p', via: 'click', at: Date.now() }));
    const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': UA }, body: JSON.stringify({ events }) });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 202) acked.push(...events.map((e) => e.id));
    else await res.text();
    return res;
  };
  // Fill it. (While the database file still has room, the next checkpoint (once a second) frees
  // the write-ahead log again, so the first failures come and go: wait until they last 3 s.)
  let refused: Response | undefined;
  let failingSince: number | undefined;
  for (let i = 0; i < 5000 && (failingSince === undefined || Date.now() - failingSince < 3000); i++) {
    const res = await batch();
    if (res.status === 202) failingSince = undefined;
    else {
      refused = res;
      failingSince ??= Date.now();
    }
  }
  expect([...statuses.keys()].sort(), JSON.stringify([...statuses])).toEqual([202, 503]);
  expect(refused!.headers.get('retry-after')).toBe('30');

  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(503);
  const body = (await health.json()) as { status: string; reason: string };
  expect(body.status).toBe('unavailable');
  expect(body.reason).toMatch(/SQLITE_(FULL|IOERR)/);
  // Reads still answer.
  expect((await fetch(`${server.url}/v1/accounts`, { headers })).status).toBe(200);

  // Many identical failures: one line (no stack) so far.
  const storageLines = () => server.output().split('\n').filter((l) => l.includes('error: storage:'));
  expect(storageLines()).toHaveLength(1);
  expect(server.output()).not.toMatch(/\n\s+at /);

  server.child.kill('SIGTERM');
  const { code } = await server.exited;
  expect(code).toBe(0);
  expect(server.output()).toMatch(/final checkpoint failed .*write-ahead log/);
  // The repeats are counted when the interval ends, or at shutdown at the latest.
  expect(storageLines()).toEqual([expect.stringMatching(/SQLITE_/), expect.stringMatching(/\(repeated \d+ more times in the last 60 s\)/)]);

  // Room again: everything acknowledged is there, nothing twice.
  const again = await serve(['--db', db], env);
  expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
  const today = new Date().toISOString().slice(0, 10);
  const summary = (await (await fetch(`${again.url}/v1/reports/summary?from=${today}&to=${today}`, { headers })).json()) as { clicks: number };
  expect(acked.length).toBeGreaterThan(0);
  expect(summary.clicks).toBe(acked.length);
  again.child.kill('SIGTERM');
  expect((await again.exited).code).toBe(0);
}
