import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabase, ON_POSTGRES } from '../helpers/backend.js';
import { newWebhookSecret } from '../helpers/collector.js';
import { clickEvent, orderBody } from '../helpers/fixtures.js';
import { spawnServe, type ServeProcess } from '../ops/process.js';
import { cuttableProxy, passwordCluster, postgresBinaries, query, withDatabase } from '../storage/pg-helpers.js';

/**
 * Issue 17, "Faults", with real `affil serve` processes on PostgreSQL: the database goes away
 * under load (a TCP proxy between collector and database is cut, never the shared server), a
 * collector is killed with SIGKILL under load, and a database that cannot be used at start.
 */
const BIN = fileURLToPath(new URL('../../bin/affil.js', import.meta.url));
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const ADMIN = `affil_admin_${randomBytes(12).toString('hex')}`;

/**
 * The load below comes from one address and, during an outage, retries at once (a 503 takes
 * milliseconds): hundreds of requests a second, past the per-address limit (600 a minute) within
 * the outage, after which that address would be answered 429 until the minute turned, whatever
 * the database did. A load test from one address runs with the limit off (`0`: "for load tests", SPEC §3).
 */
const dir = mkdtempSync(join(tmpdir(), 'affil-faults-'));
const CONFIG = join(dir, 'affil.json');
writeFileSync(CONFIG, JSON.stringify({ rateLimitPerMinute: 0 }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** initdb and pg_ctl, for a cluster that checks passwords (the shared server trusts everyone). */
const PG_BIN = ON_POSTGRES ? postgresBinaries() : undefined;

const running: ServeProcess[] = [];
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  for (const c of cleanup.splice(0).reverse()) await c();
});

const env = (secret: string) => ({ AFFIL_ADMIN_KEY: ADMIN, AFFIL_WEBHOOK_SECRET: secret, AFFIL_DB: '', DATABASE_URL: '', AFFIL_CONFIG: '' });

async function serve(db: string, secret: string): Promise<ServeProcess> {
  const p = await spawnServe(['--db', db, '--config', CONFIG], env(secret));
  running.push(p);
  return p;
}

async function beacon(url: string, event: unknown): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  const started = Date.now();
  try {
    const r = await fetch(`${url}/v1/events`, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA } });
    await r.arrayBuffer();
    return { status: r.status, retryAfter: r.headers.get('retry-after'), ms: Date.now() - started };
  } catch {
    return { status: 0, retryAfter: null, ms: Date.now() - started }; // the connection failed: not acknowledged
  }
}

function signedOrder(url: string, secret: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  const id = `msg_${randomUUID()}`;
  const now = new Date();
  return fetch(`${url}/v1/orders`, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, payload) },
  }).then(
    async (r) => (await r.arrayBuffer(), r.status),
    () => 0,
  );
}

/** `workers` loops sending one click each until `stop()`; every acknowledged (2xx) id is kept. */
function load(url: string, workers = 6) {
  const acknowledged: string[] = [];
  const replies: { status: number; retryAfter: string | null; ms: number }[] = [];
  let stopped = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      const click = clickEvent('janesblog-20');
      const r = await beacon(url, click);
      replies.push(r);
      if (r.status >= 200 && r.status < 300) acknowledged.push(click.id);
      if (r.status === 0) await new Promise((res) => setTimeout(res, 20));
    }
  });
  return {
    acknowledged,
    replies,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function stored(db: string, ids: string[]): Promise<number> {
  const rows = await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM event_ids WHERE id = ANY($1::text[])', [ids]);
  return rows[0]!.n;
}

describe.skipIf(!ON_POSTGRES)('a collector on PostgreSQL under faults', () => {
  // Once skipped as a known defect (session 8): it failed for two reasons, neither in the pool.
  // Retention's first round (1 s after start) fell in the outage and its rejection went unhandled:
  // the process died. And the load ran past the per-address rate limit (see CONFIG): 429 for up
  // to a minute after the database was back.
  it('the database goes away under load: 503 with Retry-After, never a hang past the statement timeout or a crash; it recovers by itself; nothing acknowledged is lost', async () => {
    const db = await freshDatabase();
    cleanup.push(() => dropDatabase(db));
    const server = new URL(db);
    const proxy = await cuttableProxy({ host: server.hostname, port: Number(server.port || 5432) });
    cleanup.push(() => proxy.close());
    const secret = newWebhookSecret();
    const p = await serve(withDatabase(db, server.pathname.slice(1), `127.0.0.1:${proxy.port}`), secret);

    const traffic = load(p.url);
    const orders: { id: string; status: number }[] = [];
    const placeOrder = async () => {
      const order = orderBody({ orderedAt: new Date().toISOString() });
      orders.push({ id: order.orderId, status: await signedOrder(p.url, secret, order) });
    };
    const warm = Date.now();
    while (traffic.acknowledged.length < 20 && Date.now() - warm < 10_000) await new Promise((r) => setTimeout(r, 50));
    await placeOrder();
    const before = traffic.replies.length;

    await proxy.cut();
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 2500));
    await placeOrder();
    const during = traffic.replies.slice(before);
    await proxy.restore();

    // Recovers by itself: beacons are acknowledged again within a few seconds, no restart.
    const restoredAt = Date.now();
    let recovered = false;
    while (!recovered && Date.now() - restoredAt < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      recovered = traffic.replies.slice(-3).every((r) => r.status >= 200 && r.status < 300) && traffic.replies.length > 3;
    }
    await placeOrder();
    await traffic.stop();
    // A failure says what the collector answered and logged (status × count, in order, since the cut).
    const since = traffic.replies.slice(before).reduce<[number, number][]>((runs, r) => {
      const last = runs[runs.length - 1];
      if (last?.[0] === r.status) last[1]++;
      else runs.push([r.status, 1]);
      return runs;
    }, []);
    expect(recovered, `answers since the cut: ${since.map(([s, n]) => `${s}×${n}`).join(' ')}; alive: ${p.child.exitCode === null && p.child.signalCode === null}; log:\n${p.output()}`).toBe(true);

    const failed = during.filter((r) => r.status >= 300);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      // The default statement timeout is 5 s: nothing waits longer than that.
      expect(r.ms).toBeLessThan(5000);
    }
    expect(Date.now() - cutAt).toBeGreaterThan(2500);
    expect(orders.map((o) => o.status)).toEqual([201, 503, 201]);
    expect(p.child.exitCode).toBeNull();

    // Nothing acknowledged is lost.
    expect(traffic.acknowledged.length).toBeGreaterThanOrEqual(20);
    expect(await stored(db, traffic.acknowledged)).toBe(traffic.acknowledged.length);
    const kept = await query<{ order_id: string }>(db, 'SELECT order_id FROM orders ORDER BY received_at');
    expect(kept.map((o) => o.order_id)).toEqual(orders.filter((o) => o.status === 201).map((o) => o.id));
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  }, 40_000);

  it('kill -9 of a collector under load loses nothing acknowledged', async () => {
    const db = await freshDatabase();
    cleanup.push(() => dropDatabase(db));
    const secret = newWebhookSecret();
    const p = await serve(db, secret);
    const traffic = load(p.url, 8);
    const orders: { id: string; status: number }[] = [];
    const orderLoop = (async () => {
      while (p.child.exitCode === null && p.child.signalCode === null) {
        const order = orderBody({ orderedAt: new Date().toISOString() });
        orders.push({ id: order.orderId, status: await signedOrder(p.url, secret, order) });
      }
    })();
    // Under load (a loaded machine takes longer to get there): killed mid-stream, requests in flight.
    const started = Date.now();
    while (traffic.acknowledged.length < 40 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
    p.child.kill('SIGKILL');
    expect((await p.exited).signal).toBe('SIGKILL');
    await traffic.stop();
    await orderLoop;
    expect(traffic.acknowledged.length).toBeGreaterThanOrEqual(40);
    expect(await stored(db, traffic.acknowledged)).toBe(traffic.acknowledged.length);
    const accepted = orders.filter((o) => o.status === 201).map((o) => o.id);
    expect(accepted.length).toBeGreaterThan(0);
    const kept = await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::text[])', [accepted]);
    expect(kept[0]!.n).toBe(accepted.length);
    // A new collector on the same database serves them.
    const again = await serve(db, secret);
    const view = await fetch(`${again.url}/v1/orders/${accepted[0]}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(view.status).toBe(200);
  }, 30_000);

  async function start(db: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], { env: { ...process.env, ...env(newWebhookSecret()) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, stderr, stdout };
  }

  it.each([
    ['an unreachable host', (u: URL) => ((u.port = '1'), u), /127\.0\.0\.1:1\/.*(ECONNREFUSED|refused|unreachable)/i],
    ['a role that does not exist', (u: URL) => ((u.username = 'no_such_role_affil'), (u.password = 'hunter2'), u), /:\d+\/.*role .*no_such_role_affil/i],
    ['a database that does not exist', (u: URL) => ((u.pathname = '/affil_missing_db_x'), u), /:\d+\/affil_missing_db_x.*does not exist/i],
  ])('starting on %s: one line naming host and reason, exit 2, no password', async (_what, change, reason) => {
    const url = change(new URL(process.env.AFFIL_TEST_PG!)).toString();
    const { code, stderr, stdout } = await start(url);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(reason);
    expect(stderr).not.toContain('hunter2');
  }, 20_000);

  it.skipIf(!PG_BIN)('starting with a wrong password: one line naming host and reason, exit 2, no password', async () => {
    const cluster = await passwordCluster(PG_BIN!);
    cleanup.push(() => cluster.stop());
    // The right password is let in: the refusal below is the password's, not the cluster's.
    expect(await query<{ one: number }>(cluster.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const wrong = new URL(cluster.url);
    wrong.password = 'hunter2';
    const { code, stderr, stdout } = await start(wrong.toString());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/127\.0\.0\.1:\d+\/postgres: password authentication failed/);
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toContain(cluster.password);
  }, 60_000);
});
