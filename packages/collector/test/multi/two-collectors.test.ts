import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, DEFAULT_SERVER, type ServeConfig } from '../../src/config.js';
import { startCollector } from '../../src/server.js';
import { createPostgresStorage } from '../../src/storage/postgres/index.js';
import { dropDatabase, freshDatabase, ON_POSTGRES } from '../helpers/backend.js';
import { createClock, DAY, type Json } from '../helpers/collector.js';
import { clickEvent, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { spawnServe, type ServeProcess } from '../ops/process.js';
import { query } from '../storage/pg-helpers.js';

/**
 * Issue 17, "Several collectors, one database": two real `affil serve` processes (the built CLI)
 * on one fresh PostgreSQL database. Runs on the collector-pg half only (AFFIL_TEST_PG).
 */
describe.skipIf(!ON_POSTGRES)('two collectors on one PostgreSQL database', () => {
  let db: string;
  let dir: string;
  let a: ServeProcess;
  let b: ServeProcess;
  let adminKey: string;
  let secret: string;
  const aborts: AbortController[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'affil-multi-'));
    const config = join(dir, 'affil.json');
    writeFileSync(config, JSON.stringify({ marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0, dbPoolSize: 4 }));
    // First start of both at the same moment, no admin key or signing secret given.
    const env = { AFFIL_ADMIN_KEY: '', AFFIL_WEBHOOK_SECRET: '', AFFIL_DB: '', DATABASE_URL: '' };
    [a, b] = await Promise.all([spawnServe(['--db', db, '--config', config], env), spawnServe(['--db', db, '--config', config], env)]);
    // The start lines after "listening on" (database, secrets) are written right after it.
    const started = Date.now();
    while (Date.now() - started < 3000 && ![a, b].every((p) => /marketplace\(s\)/.test(p.output()))) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
  }, 30_000);

  afterAll(async () => {
    for (const abort of aborts) abort.abort();
    await Promise.all(
      [a, b].map(async (p) => {
        if (p && p.child.exitCode === null) {
          p.child.kill('SIGTERM');
          await p.exited;
        }
      }),
    );
    if (db) await dropDatabase(db);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const request = async (base: string, method: string, path: string, o: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Json; text: string }> => {
    const response = await fetch(base + path, {
      method,
      headers: { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
      ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
    });
    const text = await response.text();
    let body: Json;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text };
  };
  const signed = (base: string, path: string, body: unknown, id = `msg_${randomUUID()}`) => {
    const payload = JSON.stringify(body);
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, payload);
    return request(base, 'POST', path, {
      body: payload,
      headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature },
    });
  };
  const beacon = (base: string, event: unknown) => request(base, 'POST', '/v1/events', { body: JSON.stringify(event), headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' } });
  const account = async (name: string, tag: string) => {
    const acc = await request(a.url, 'POST', '/v1/accounts', { key: adminKey, body: { name } });
    expect(acc.status, acc.text).toBe(201);
    expect((await request(a.url, 'POST', `/v1/accounts/${acc.body.id}/tags`, { key: adminKey, body: { tag, marketplace: 'us' } })).status).toBe(201);
    const key = await request(a.url, 'POST', `/v1/accounts/${acc.body.id}/keys`, { key: adminKey });
    expect(key.status).toBe(201);
    return { id: acc.body.id as string, tag, keyId: key.body.id as string, key: key.body.key as string };
  };

  /** Opens `/v1/stream`; `next(type)` resolves with the next frame of that type and when it arrived. */
  async function stream(base: string, key: string) {
    const abort = new AbortController();
    aborts.push(abort);
    const response = await fetch(`${base}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let ended = false;
    const frame = async (): Promise<{ event: string; data: Json; at: number } | undefined> => {
      for (;;) {
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length > 0) return { event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: JSON.parse(data.join('\n')), at: Date.now() };
        }
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) {
          ended = true;
          return undefined;
        }
        buffer += value;
      }
    };
    return {
      async next(type: string) {
        for (;;) {
          const f = await frame();
          if (!f) throw new Error(`stream ended before a "${type}" event`);
          if (f.event === type) return f;
        }
      },
      async ended(): Promise<number> {
        while (!ended) await frame();
        return Date.now();
      },
    };
  }

  it('first start of two at once creates one admin key and one signing secret, each printed by one instance only', async () => {
    const outputs = [a.output(), b.output()];
    const keys = outputs.map((o) => /admin key \(shown once, store it now\): (\S+)/.exec(o)?.[1]).filter((k): k is string => k !== undefined);
    const secrets = outputs.map((o) => /signing secret \(shown once\): (\S+)/.exec(o)?.[1]).filter((s): s is string => s !== undefined);
    expect(keys).toHaveLength(1);
    expect(secrets).toHaveLength(1);
    adminKey = keys[0]!;
    secret = secrets[0]!;
    // The other instance prints neither.
    expect(outputs.filter((o) => o.includes(adminKey))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes(secret))).toHaveLength(1);
    const n = (await query<{ n: number }>(db, "SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin'"))[0]!.n;
    expect(n).toBe(1);
    // Both instances know the key (it is in the shared database).
    expect((await request(b.url, 'GET', '/v1/accounts', { key: adminKey })).status).toBe(200);
  });

  it('the same order callback (same webhook-id) to both at the same moment: one 201, one 200 replay, one set of lines, one ledger', async () => {
    const jane = await account('Jane', 'janesblog-20');
    const click = clickEvent(jane.tag);
    expect((await beacon(a.url, click)).status).toBeLessThan(300);
    const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: click.id, tag: jane.tag } });
    const id = `msg_${randomUUID()}`;
    const replies = await Promise.all([signed(a.url, '/v1/orders', order, id), signed(b.url, '/v1/orders', order, id)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(replies[0]!.body).toEqual(replies[1]!.body);
    // The same shipment to both at once: one ledger.
    const shipId = `msg_${randomUUID()}`;
    const shipment = { type: 'shipped', at: new Date().toISOString() };
    const shipped = await Promise.all([signed(a.url, `/v1/orders/${order.orderId}/events`, shipment, shipId), signed(b.url, `/v1/orders/${order.orderId}/events`, shipment, shipId)]);
    expect(shipped.map((r) => r.status)).toEqual([200, 200]);
    const lines = await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM order_lines WHERE order_id = $1', [order.orderId]);
    expect(lines[0]!.n).toBe(2);
    const ledger = await query<{ n: number; amount: number }>(db, 'SELECT count(*)::int AS n, sum(amount)::int AS amount FROM ledger_entries WHERE order_id = $1', [order.orderId]);
    expect(ledger[0]).toEqual({ n: 2, amount: 2113 });
    const events = await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM order_events WHERE order_id = $1', [order.orderId]);
    expect(events[0]!.n).toBe(1);
    // Both instances show the same order.
    const [viewA, viewB] = await Promise.all([a, b].map((p) => request(p.url, 'GET', `/v1/orders/${order.orderId}`, { key: adminKey })));
    expect(viewA!.body).toEqual(viewB!.body);
    expect(viewA!.body.earned).toBe(2113);
  });

  it('the same beacon event id sent to both at the same moment counts once', async () => {
    const bob = await account('Bob', 'bobsreviews-20');
    const click = clickEvent(bob.tag);
    const replies = await Promise.all([beacon(a.url, click), beacon(b.url, click)]);
    expect(replies.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
    const rows = await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM clicks WHERE id = $1', [click.id]);
    expect(rows[0]!.n).toBe(1);
    const listed = await request(b.url, 'GET', '/v1/clicks', { key: bob.key });
    expect(listed.body.clicks.map((c: { id: string }) => c.id)).toEqual([click.id]);
    const day = new Date().toISOString().slice(0, 10);
    const summary = await request(a.url, 'GET', `/v1/reports/summary?from=${day}&to=${day}`, { key: bob.key });
    expect(summary.body.clicks).toBe(1);
  });

  it("an order accepted by A reaches B's /v1/stream within a second, each account seeing only its own", async () => {
    const carol = await account('Carol', 'carolcams-20');
    const dave = await account('Dave', 'davesdeals-20');
    const carolOnB = await stream(b.url, carol.key);
    const daveOnB = await stream(b.url, dave.key);
    const adminOnB = await stream(b.url, adminKey);
    const click = clickEvent(carol.tag);
    expect((await beacon(a.url, click)).status).toBeLessThan(300);
    const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: click.id, tag: carol.tag } });
    const reply = await signed(a.url, '/v1/orders', order);
    expect(reply.status).toBe(201);
    const accepted = Date.now();
    const seen = await carolOnB.next('order');
    expect(seen.data).toMatchObject({ orderId: order.orderId, account: carol.id });
    expect(seen.at - accepted).toBeLessThan(1000);
    expect((await adminOnB.next('order')).data.orderId).toBe(order.orderId);
    // Dave's stream on B skips Carol's order: the next order it carries is Dave's own.
    const daveClick = clickEvent(dave.tag);
    expect((await beacon(a.url, daveClick)).status).toBeLessThan(300);
    const daves = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: daveClick.id, tag: dave.tag } });
    expect((await signed(a.url, '/v1/orders', daves)).status).toBe(201);
    expect((await daveOnB.next('order')).data).toMatchObject({ orderId: daves.orderId, account: dave.id });
  });

  it("revoking a key on A ends its access and its streams on B within a second", async () => {
    const erin = await account('Erin', 'erinsedits-20');
    const onB = await stream(b.url, erin.key);
    expect((await request(b.url, 'GET', '/v1/clicks', { key: erin.key })).status).toBe(200);
    const ended = onB.ended();
    expect((await request(a.url, 'DELETE', `/v1/keys/${erin.keyId}`, { key: adminKey })).status).toBe(204);
    const revoked = Date.now();
    expect((await ended) - revoked).toBeLessThan(1000);
    let status = 200;
    while (Date.now() - revoked < 1000 && status === 200) status = (await request(b.url, 'GET', '/v1/clicks', { key: erin.key })).status;
    expect(status).toBe(401);
    // Neither collector answered a 5xx or crashed meanwhile.
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});

/**
 * Retention (and any periodic job) runs on one instance at a time: while another holder has the
 * `retention` exclusive lock a collector skips its round; once released, it purges.
 */
describe.skipIf(!ON_POSTGRES)('periodic work on one instance at a time', () => {
  it('a collector skips retention while another instance holds the lock, and purges after', async () => {
    const db = await freshDatabase();
    const clock = createClock(Date.now() - 500 * DAY);
    const config: ServeConfig = { ...DEFAULT_PROGRAM, ...DEFAULT_SERVER, marketplaces: TEST_MARKETPLACES, rateLimitPerMinute: 0, port: 0, host: '127.0.0.1', db, adminKey: `affil_admin_${randomUUID()}`, webhookSecrets: undefined, publicUrl: undefined, dbPoolSize: 3 };
    const first = await startCollector(config, { log: () => {}, now: clock.now });
    const second = await startCollector(config, { log: () => {}, now: clock.now });
    const other = await createPostgresStorage(db, { poolSize: 2 });
    try {
      const old = [clickEvent('janesblog-20'), clickEvent('janesblog-20')];
      for (const click of old) {
        const r = await fetch(`${first.url}/v1/events`, { method: 'POST', body: JSON.stringify(click), headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 Chrome/131.0' } });
        expect(r.status).toBeLessThan(300);
      }
      clock.set(Date.now());
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const taken = new Promise<void>((resolve) => (holding = resolve));
      const holder = other.exclusive('retention', async () => {
        holding();
        await held;
        return 'held';
      });
      await taken;
      // Both collectors skip while the lock is held elsewhere: nothing purged.
      expect(await Promise.all([first.purgeExpired(), second.purgeExpired()])).toEqual([0, 0]);
      expect((await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM clicks'))[0]!.n).toBe(2);
      release();
      expect(await holder).toBe('held');
      const purged = await Promise.all([first.purgeExpired(), second.purgeExpired()]);
      // One instance purged (the two old clicks, and the old day's visitor salt of issue 19); the other found nothing left.
      expect(purged.filter((n) => n > 0)).toHaveLength(1);
      expect(purged.reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(2);
      expect((await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM clicks'))[0]!.n).toBe(0);
    } finally {
      await other.close();
      await first.close();
      await second.close();
      await dropDatabase(db);
    }
  });
});
