// SPEC §7: SIGTERM stops accepting, finishes in-flight requests and closes the database cleanly.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServe } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-sigterm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

describe('SIGTERM', () => {
  it('answers every request already in flight, then exits 0 with the database closed cleanly', async () => {
    const db = join(dir, 'affil.db');
    const adminKey = `affil_admin_${randomBytes(12).toString('base64url')}`;
    const server = await spawnServe(['--db', db], { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` });

    // A live stream stays open until shutdown; it must not hold the process up.
    const stream = await fetch(`${server.url}/v1/stream`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(stream.status).toBe(200);

    // Requests whose bodies are still arriving when SIGTERM lands: the server has accepted them,
    // so it must finish them.
    const slow = Array.from({ length: 20 }, () => {
      const id = randomUUID();
      const body = JSON.stringify({ type: 'click', id, tag: 'nobody-20', url: 'https://www.amazon.com/dp/B08XYZ1234', via: 'click', at: Date.now() });
      return new Promise<{ id: string; status: number }>((resolve, reject) => {
        const req = request(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'user-agent': UA } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ id, status: res.statusCode ?? 0 }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => req.end(body.slice(10)), 300);
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));

    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(server.output()).toContain('stopping');
    // A clean close checkpoints and removes the write-ahead log.
    expect(existsSync(`${db}-wal`)).toBe(false);
    const store = new Database(db, { readonly: true });
    const stored = store.prepare('SELECT id FROM clicks').pluck().all() as string[];
    expect(store.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
    expect(new Set(stored)).toEqual(new Set(answers.map((a) => a.id)));
    // And it no longer accepts connections.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  }, 30_000);
});
