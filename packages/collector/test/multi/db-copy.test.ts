import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { DEFAULT_PROGRAM, DEFAULT_SERVER, type ServeConfig } from '../../src/config.js';
import { startCollector, type Collector } from '../../src/server.js';
import { dropDatabase, freshDatabase, ON_POSTGRES } from '../helpers/backend.js';
import { newWebhookSecret, type Json } from '../helpers/collector.js';
import { clickEvent, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { query } from '../storage/pg-helpers.js';

/**
 * `affil db copy`: a SQLite database filled through real HTTP traffic (its collector still taking
 * beacons during the copy) into PostgreSQL, verified, then served from PostgreSQL with the same
 * reports; the non-empty target refused without --force; and back into a new SQLite file.
 */
const ADMIN = `affil_admin_${randomBytes(12).toString('hex')}`;
const SECRET = newWebhookSecret();
const dir = mkdtempSync(join(tmpdir(), 'affil-copy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run({ argv: ['node', 'affil', ...argv], env: {}, stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) }, once: () => undefined });
  return { code, out, err };
}

async function collector(db: string): Promise<Collector> {
  const config: ServeConfig = { ...DEFAULT_PROGRAM, ...DEFAULT_SERVER, marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0, port: 0, host: '127.0.0.1', db, adminKey: ADMIN, webhookSecrets: [SECRET], publicUrl: undefined, dbPoolSize: 3 };
  return startCollector(config, { log: () => undefined });
}

async function call(c: Collector, method: string, path: string, body?: unknown, key = ADMIN): Promise<{ status: number; body: Json }> {
  const r = await fetch(c.url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function signed(c: Collector, path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const payload = JSON.stringify(body);
  const id = `msg_${randomUUID()}`;
  const now = new Date();
  const r = await fetch(c.url + path, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign(id, now, payload) } });
  return { status: r.status, body: await r.json() };
}

const beacon = (c: Collector, event: unknown) => fetch(`${c.url}/v1/events`, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' } }).then((r) => r.status);

/** What the program's reports say about Jane: the numbers a move must keep. */
async function reports(c: Collector, jane: { id: string; key: string }, orderIds: string[]) {
  const day = new Date().toISOString().slice(0, 10);
  return {
    summary: (await call(c, 'GET', `/v1/reports/summary?from=${day}&to=${day}`, undefined, jane.key)).body,
    byDay: (await call(c, 'GET', `/v1/reports/breakdown?by=day&from=${day}&to=${day}`, undefined, jane.key)).body,
    byCategory: (await call(c, 'GET', `/v1/reports/breakdown?by=category&from=${day}&to=${day}`, undefined, jane.key)).body,
    orders: await Promise.all(orderIds.map(async (id) => (await call(c, 'GET', `/v1/orders/${id}`)).body)),
    clicks: (await call(c, 'GET', '/v1/clicks?limit=100', undefined, jane.key)).body.clicks,
    accounts: (await call(c, 'GET', '/v1/accounts')).body,
  };
}

describe.skipIf(!ON_POSTGRES)('affil db copy', () => {
  it('moves a running SQLite program to PostgreSQL, verified, and PostgreSQL serves the same reports; and back', async () => {
    const file = join(dir, 'affil.db');
    const lite = await collector(file);
    const pgUrl = await freshDatabase();
    let pgCollector: Collector | undefined;
    let stopNoise = false;
    try {
      // A program with history, through real HTTP.
      const jane = (await call(lite, 'POST', '/v1/accounts', { name: 'Jane' })).body;
      expect((await call(lite, 'POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' })).status).toBe(201);
      jane.key = (await call(lite, 'POST', `/v1/accounts/${jane.id}/keys`)).body.key;
      const noise = (await call(lite, 'POST', '/v1/accounts', { name: 'Noise' })).body;
      expect((await call(lite, 'POST', `/v1/accounts/${noise.id}/tags`, { tag: 'noisy-20', marketplace: 'us' })).status).toBe(201);
      const orderIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const click = clickEvent('janesblog-20');
        expect(await beacon(lite, click)).toBeLessThan(300);
        const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: click.id, tag: 'janesblog-20' } });
        expect((await signed(lite, '/v1/orders', order)).status).toBe(201);
        orderIds.push(order.orderId);
      }
      expect((await signed(lite, `/v1/orders/${orderIds[0]}/events`, { type: 'shipped', at: new Date().toISOString() })).status).toBe(200);
      expect((await signed(lite, `/v1/orders/${orderIds[1]}/events`, { type: 'shipped', at: new Date().toISOString() })).status).toBe(200);
      expect((await signed(lite, `/v1/orders/${orderIds[1]}/events`, { type: 'returned', at: new Date().toISOString(), items: [{ lineId: '2', quantity: 1 }] })).status).toBe(200);
      const before = await reports(lite, jane, orderIds);
      expect(before.summary.byCurrency.USD.earnings).toBe(2113 + 2113 - 59);

      // The SQLite collector keeps taking beacons (another account's) while the copy runs.
      let noiseSent = 0;
      const noisy = (async () => {
        while (!stopNoise) if ((await beacon(lite, clickEvent('noisy-20'))) < 300) noiseSent++;
      })();
      await new Promise((r) => setTimeout(r, 200));
      const copy = await cli('db', 'copy', '--from', file, '--to', pgUrl);
      stopNoise = true;
      await noisy;
      expect(copy.err).toBe('');
      expect(copy.code, copy.out).toBe(0);
      expect(copy.out).toMatch(/^copying SQLite .* → PostgreSQL /m);
      expect(copy.out).toMatch(/^ {2}ledger_entries: 5 rows$/m);
      expect(copy.out).toMatch(/^ {2}event_ids: derived/m);
      expect(copy.out).toContain('copy verified: every table and every ledger sum match');
      expect(copy.out).toMatch(new RegExp(`ledger ${jane.id} USD: 4167 in 5 entries \\| 4167 in 5 entries`));
      // Consistent: the noise clicks copied are one snapshot's, counted the same in event_ids.
      const [copied] = await query<{ clicks: number; ids: number }>(pgUrl, 'SELECT (SELECT count(*)::int FROM clicks) AS clicks, (SELECT count(*)::int FROM event_ids) AS ids');
      expect(copied!.clicks).toBe(copied!.ids);
      expect(noiseSent).toBeGreaterThan(0);
      expect(copied!.clicks).toBeGreaterThanOrEqual(3);
      expect(copied!.clicks).toBeLessThanOrEqual(3 + noiseSent);
      expect(copy.out).toMatch(new RegExp(`^ {2}clicks +${copied!.clicks} +${copied!.clicks}$`, 'm'));

      // A second copy into the now non-empty database is refused without --force.
      const again = await cli('db', 'copy', '--from', file, '--to', pgUrl);
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/is not empty .*--force/);
      const forced = await cli('db', 'copy', '--from', file, '--to', pgUrl, '--force');
      expect(forced.code, forced.out + forced.err).toBe(0);
      expect(forced.out).toContain('copy verified');
      await lite.close();

      // Served from PostgreSQL: the same reports, and new writes get new ids (sequences set past the max).
      pgCollector = await collector(pgUrl);
      const after = await reports(pgCollector, jane, orderIds);
      expect(after.summary).toEqual(before.summary);
      expect(after.byDay).toEqual(before.byDay);
      expect(after.byCategory).toEqual(before.byCategory);
      expect(after.orders).toEqual(before.orders);
      expect(after.clicks).toEqual(before.clicks);
      expect(after.accounts).toEqual(before.accounts);
      const shipped = await signed(pgCollector, `/v1/orders/${orderIds[2]}/events`, { type: 'shipped', at: new Date().toISOString() });
      expect(shipped.status).toBe(200);
      expect(shipped.body.ledger.map((e: { id?: number }) => e.id)).not.toContain(undefined);
      expect((await call(pgCollector, 'GET', '/v1/me', undefined, jane.key)).status).toBe(200);
      await pgCollector.close();
      pgCollector = undefined;

      // And back: PostgreSQL into a new SQLite file.
      const back = join(dir, 'back.db');
      const reverse = await cli('db', 'copy', '--from', pgUrl, '--to', back);
      expect(reverse.code, reverse.out + reverse.err).toBe(0);
      expect(reverse.out).toContain('copy verified');
      const liteAgain = await collector(back);
      try {
        const third = await reports(liteAgain, jane, orderIds);
        expect(third.orders[2].earned).toBe(2113);
        expect(third.summary.byCurrency.USD.earnings).toBe(before.summary.byCurrency.USD.earnings + 2113);
      } finally {
        await liteAgain.close();
      }
      // --force is for PostgreSQL targets; a SQLite target must be new.
      const overwrite = await cli('db', 'copy', '--from', pgUrl, '--to', back, '--force');
      expect(overwrite.code).toBe(2);
    } finally {
      stopNoise = true;
      await lite.close();
      await pgCollector?.close();
      await dropDatabase(pgUrl);
    }
  }, 60_000);

  it('refuses bad arguments with a message and exit 2', async () => {
    expect((await cli('db', 'copy', '--from', join(dir, 'none.db'))).code).toBe(2);
    const missing = await cli('db', 'copy', '--from', join(dir, 'none.db'), '--to', join(dir, 'x.db'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no database at');
    expect((await cli('db', 'move')).code).toBe(2);
  });

  it.skipIf(spawnSync('pg_dump', ['--version']).status !== 0)('affil backup on PostgreSQL writes a pg_dump archive (mode 0600) that pg_restore reads', async () => {
    const db = await freshDatabase();
    try {
      await (await collector(db)).close();
      const target = join(dir, 'pg.dump');
      const r = await cli('backup', target, '--db', db);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^backed up .* to .*pg\.dump in \d+ ms$/m);
      expect(statSync(target).mode & 0o777).toBe(0o600);
      expect(execFileSync('pg_restore', ['--list', target]).toString()).toMatch(/TABLE public ledger_entries/);
    } finally {
      await dropDatabase(db);
    }
  });
});
