import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Problem, StorageUnavailable, UsageError } from '../../src/errors.js';
import type { Storage, TrackingEvent } from '../../src/storage/port.js';
import { createPostgresStorage } from '../../src/storage/postgres/index.js';
import { MIGRATIONS } from '../../src/storage/postgres/migrations/index.js';
import { ensureMonths, listPartitions, monthStart, partitionName } from '../../src/storage/postgres/partitions.js';
import { ON_POSTGRES } from '../helpers/backend.js';
import { cuttableProxy, PG_URL, query, scratchDatabase, withDatabase } from './pg-helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** A fresh database and `n` adapters on it (closed and dropped after the test). */
async function setup(n = 1, options: Parameters<typeof createPostgresStorage>[1] = {}): Promise<{ url: string; adapters: Storage[] }> {
  const db = await scratchDatabase();
  cleanups.push(() => db.drop());
  const adapters = await Promise.all(Array.from({ length: n }, () => createPostgresStorage(db.url, options)));
  for (const a of adapters) cleanups.push(() => a.close());
  return { url: db.url, adapters };
}

const click = (id: string, at: number, extra: Partial<TrackingEvent> = {}): TrackingEvent => ({
  type: 'click', id, tag: 'pub-20', accountId: 'acc_1', marketplace: 'amazon.com', url: 'https://www.amazon.com/dp/B0TEST',
  product: 'B0TEST', page: 'https://blog.example/post', session: 's1', via: 'beacon', bot: false, registered: true, at, clientAt: null,
  ...extra,
} as TrackingEvent);

const T0 = Date.UTC(2026, 11, 3, 12);
const DAY = 86_400_000;

// On the PostgreSQL half of the matrix only (the collector-pg project, which AFFIL_TEST_PG enables).
describe.skipIf(!ON_POSTGRES || !PG_URL)('PostgreSQL adapter', () => {
  it('migrates once when two collectors start at the same moment', async () => {
    const { url, adapters } = await setup(2);
    // Every migration once, later features' ranges included.
    const versions = MIGRATIONS.map((m) => m.version);
    const rows = await query<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(versions);
    expect(adapters.map((a) => a.migrations.applied).sort()).toEqual([[], versions]);
    expect(adapters.every((a) => a.migrations.current === Math.max(...versions) && a.migrations.dialect === 'postgres')).toBe(true);
    // And a third start later applies nothing.
    const again = await createPostgresStorage(url);
    expect(again.migrations.applied).toEqual([]);
    await again.close();
  });

  it('counts an event id once across two adapters recording it at the same moment', async () => {
    const { url, adapters } = await setup(2);
    const [a, b] = adapters as [Storage, Storage];
    const ids = Array.from({ length: 200 }, (_, i) => `evt-${i}`);
    // Both see every id, in opposite orders, through both write paths, at once.
    const results = await Promise.all([
      a.events.record(ids.map((id) => click(id, T0))),
      b.events.record([...ids].reverse().map((id) => click(id, T0))),
      ...ids.map((id) => a.events.recordSoon([click(id, T0)])),
      ...ids.map((id) => b.events.recordSoon([click(id, T0)])),
    ]);
    const fresh = new Map<string, number>();
    const tally = (list: string[], answers: boolean[]) => list.forEach((id, i) => answers[i] && fresh.set(id, (fresh.get(id) ?? 0) + 1));
    tally(ids, results[0]!);
    tally([...ids].reverse(), results[1]!);
    ids.forEach((id, i) => tally([id], results[2 + i]!));
    ids.forEach((id, i) => tally([id], results[2 + ids.length + i]!));
    expect(fresh.size).toBe(ids.length);
    expect([...fresh.values()].every((n) => n === 1)).toBe(true);
    expect((await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM clicks'))[0]!.n).toBe(ids.length);
    const totals = await a.reports.summaryTotals({ from: T0 - DAY, to: T0 + DAY });
    expect(totals.clicks).toBe(ids.length);
    // A repeat inside one batch counts once too.
    expect(await a.events.record([click('dup', T0), click('dup', T0)])).toEqual([true, false]);
  });

  it('records every event type of one batch in one statement, with the per-day totals of the new ones only', async () => {
    const { adapters } = await setup(1);
    const [s] = adapters as [Storage];
    const batch: TrackingEvent[] = [
      click('k1', T0),
      click('k2', T0, { bot: true }),
      click('k3', T0, { registered: false, accountId: null }),
      { type: 'pageview', id: 'v1', tag: 'pub-20', accountId: 'acc_1', page: 'https://blog.example/post', session: 's1', links: 7, at: T0 },
      { type: 'landing', id: 'g1', clickId: 'k1', tag: 'pub-20', page: 'https://www.amazon.com/dp/B0TEST', at: T0 + 1 },
      { type: 'cart_add', id: 'a1', clickId: 'k1', sku: 'B0TEST', at: T0 + 2 },
      { type: 'cart_add', id: 'a2', clickId: 'k1', sku: 'B0TEST', at: T0 + 3 },
    ];
    expect(await s.events.record(batch)).toEqual([true, true, true, true, true, true, true]);
    expect(await s.events.record(batch)).toEqual([false, false, false, false, false, false, false]);
    const totals = await s.reports.summaryTotals({ from: T0, to: T0, accountId: 'acc_1' });
    expect(totals).toMatchObject({ clicks: 1, botClicks: 1, pageviews: 1, linkImpressions: 7 });
    expect((await s.reports.summaryTotals({ from: T0, to: T0 })).clicks).toBe(1);
    expect(await s.events.cartAddsFor('k1')).toEqual(new Map([['B0TEST', [T0 + 2, T0 + 3]]]));
    expect(await s.events.findClick('k3')).toMatchObject({ id: 'k3', registered: false, accountId: null, bot: false, clientAt: null });
  });

  it('makes monthly partitions, moves rows out of the default one, and drops whole months for retention', async () => {
    const { url, adapters } = await setup(1);
    const [s] = adapters as [Storage];
    const jan = Date.UTC(2025, 0, 15);
    const feb = Date.UTC(2025, 1, 10);
    const mar = Date.UTC(2025, 2, 20);
    // No partition for early 2025 yet: the default partition takes them.
    await s.events.record([click('jan-1', jan), click('jan-2', jan + 1), click('feb-1', feb), click('mar-1', mar), click('mar-2', mar + DAY)]);
    const inDefault = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM clicks_default');
    expect(inDefault[0]!.n).toBe(5);
    const made = await ensureMonths(poolOf(url), jan, 2);
    expect(made).toContain(partitionName('clicks', monthStart(jan)));
    expect((await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM clicks_default'))[0]!.n).toBe(0);
    expect((await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${partitionName('clicks', monthStart(jan))}`))[0]!.n).toBe(2);
    expect((await s.events.findClick('jan-1'))?.at).toBe(jan);

    // Cut in the middle of March: January and February go whole, March loses rows before the cut.
    const cut = mar + DAY / 2;
    const removed = await s.events.purgeBefore(cut);
    expect(removed).toBe(4);
    const names = (await listPartitions(poolOf(url), 'clicks')).map((p) => p.name);
    expect(names).not.toContain(partitionName('clicks', monthStart(jan)));
    expect(names).not.toContain(partitionName('clicks', monthStart(feb)));
    expect(names).toContain(partitionName('clicks', monthStart(mar)));
    expect(names).toContain('clicks_default');
    expect(await s.events.purgeBefore(cut)).toBe(0);
    const left = await query<{ id: string }>(url, 'SELECT id FROM event_ids ORDER BY id');
    expect(left.map((r) => r.id)).toEqual(['mar-2']);
    // Reports keep their numbers: the per-day totals are not purged.
    expect((await s.reports.summaryTotals({ from: jan, to: mar + DAY })).clicks).toBe(5);
  });

  it('group commit: concurrent recordSoon calls share transactions and each resolves after its commit', async () => {
    const { url, adapters } = await setup(1);
    const [s] = adapters as [Storage];
    const commits = async () => (await query<{ n: number }>(url, 'SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n;
    const before = await commits();
    const n = 300;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        s.events.recordSoon([click(`gc-${i}`, T0)]).then(async (r) => {
          // Resolved: already visible to any other connection.
          if (i % 50 === 0) expect((await query(url, 'SELECT 1 FROM event_ids WHERE id = $1', [`gc-${i}`])).length).toBe(1);
          return r;
        }),
      ),
    );
    expect(answers.flat()).toEqual(Array(n).fill(true));
    // Far fewer transactions than calls (the checks above and the stats reads add a few of their own).
    expect((await commits()) - before).toBeLessThan(n / 3);
    // One bad event rejects its own caller only.
    const mixed = await Promise.allSettled([s.events.recordSoon([click('ok-1', T0)]), s.events.recordSoon([click('bad', T0, { page: 'a\u0000b' })]), s.events.recordSoon([click('ok-2', T0)])]);
    expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('signals reach the other adapter within a second, large payloads too, and the publisher once', async () => {
    const { adapters } = await setup(2);
    const [a, b] = adapters as [Storage, Storage];
    const gotB: string[] = [];
    const gotA: string[] = [];
    b.signals.subscribe('live', (p) => gotB.push(p));
    a.signals.subscribe('live', (p) => gotA.push(p));
    await waitFor(async () => {
      await a.signals.publish('live', 'ping');
      return gotB.includes('ping');
    }, 3000);
    gotA.length = 0;
    gotB.length = 0;
    const started = Date.now();
    const big = 'x'.repeat(20_000);
    await a.signals.publish('live', '{"order":1}');
    await a.signals.publish('live', big);
    const fresh = (got: string[]) => got.filter((p) => p !== 'ping');
    await waitFor(() => fresh(gotB).length === 2, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fresh(gotB)[0]).toBe('{"order":1}');
    expect(fresh(gotB)[1] === big).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    // The publisher's own subscribers got each once (in-process, not again through the database).
    expect(fresh(gotA).length).toBe(2);
    // Other channels are not mixed in.
    const revoked: string[] = [];
    b.signals.subscribe('key_revoked', (p) => revoked.push(p));
    await waitFor(async () => {
      await a.signals.publish('key_revoked', 'key_1');
      return revoked.includes('key_1');
    }, 3000);
    expect(gotB.filter((p) => p === 'key_1')).toEqual([]);
  });

  it('signals published close together share a NOTIFY statement, in order, none lost', async () => {
    const { adapters } = await setup(2);
    const [a, b] = adapters as [Storage, Storage];
    const got: string[] = [];
    b.signals.subscribe('live', (p) => got.push(p));
    await waitFor(async () => {
      await a.signals.publish('live', 'ping');
      return got.includes('ping');
    }, 3000);
    got.length = 0;
    let notifies = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (/pg_notify/.test(String((args[0] as { text?: string }).text ?? args[0]))) notifies++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      // 300 clicks' worth of live updates (about 400 bytes each, as the collector sends them), one
      // per turn of the event loop, as beacons arrive.
      const payloads = Array.from({ length: 300 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(380) }));
      const sent: Promise<void>[] = [];
      for (const p of payloads) {
        sent.push(a.signals.publish('live', p));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(sent);
      // (A late 'ping' of the wait above may come too.)
      const fresh = () => got.filter((p) => p !== 'ping');
      await waitFor(() => fresh().length === payloads.length, 3000);
      expect(fresh()).toEqual(payloads);
      // A few statements (each several notifications of at most 7,900 bytes), not one per turn.
      expect(notifies).toBeLessThanOrEqual(3);
    } finally {
      pg.Client.prototype.query = original;
    }
  });

  it('exclusive runs a job on one adapter at a time', async () => {
    const { adapters } = await setup(2);
    const [a, b] = adapters as [Storage, Storage];
    let running = 0;
    let most = 0;
    const job = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 300));
      running--;
      return 'done';
    };
    const results = await Promise.all([a.exclusive('retention', job), b.exclusive('retention', job), a.exclusive('retention', job)]);
    expect(results.filter((r) => r === 'done')).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(2);
    expect(most).toBe(1);
    // Released afterwards; another name never waits for it.
    expect(await b.exclusive('retention', async () => 'again')).toBe('again');
    expect(await Promise.all([a.exclusive('one', async () => 1), b.exclusive('two', async () => 2)])).toEqual([1, 2]);
  });

  it('transactions: locks serialize two instances on one key; a throw rolls back', async () => {
    const { adapters } = await setup(2);
    const [a, b] = adapters as [Storage, Storage];
    const order: string[] = [];
    const run = (s: Storage, name: string) =>
      s.transaction(async (tx) => {
        await tx.lock('webhook:abc');
        // (The adapter may send the lock with the next statement: what the lock orders is statements.)
        const seen = await tx.accounts.getSetting('counter');
        order.push(`${name}:in`);
        await new Promise((r) => setTimeout(r, 100));
        await tx.accounts.putSetting('counter', String(Number(seen ?? 0) + 1));
        order.push(`${name}:out`);
      });
    await Promise.all([run(a, 'a'), run(b, 'b')]);
    expect(await a.accounts.getSetting('counter')).toBe('2');
    expect(order[0]!.endsWith(':in') && order[1]!.endsWith(':out') && order[0]!.split(':')[0] === order[1]!.split(':')[0]).toBe(true);
    await expect(
      a.transaction(async (tx) => {
        await tx.accounts.insertAccount({ id: 'acc_x', name: 'X', createdAt: T0 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await b.accounts.getAccount('acc_x')).toBeUndefined();
  });

  it('transactions: reads asked for together share one round trip, each its own answer, in the order asked', async () => {
    const { adapters } = await setup(1, { poolSize: 1 });
    const [a] = adapters as [Storage];
    await a.accounts.insertAccount({ id: 'acc_1', name: 'One', createdAt: T0 });
    await a.accounts.putSetting('k', 'v');
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      sent.push(String((args[0] as { text?: string }).text ?? args[0]));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const read = () =>
        a.transaction(async (tx) => {
          await tx.lock('k');
          const [account, setting, missing] = await Promise.all([tx.accounts.getAccount('acc_1'), tx.accounts.getSetting('k'), tx.accounts.getAccount('acc_none')]);
          await tx.accounts.putSetting('k', 'w');
          return { account, setting, missing, after: await tx.accounts.getSetting('k') };
        });
      const first = await read();
      expect(first).toEqual({ account: { id: 'acc_1', name: 'One', createdAt: T0 }, setting: 'v', missing: undefined, after: 'w' });
      sent.length = 0;
      // The second time the statements are prepared on the connection: BEGIN, the lock and the
      // three reads in one round trip; then the write, the read after it, COMMIT.
      expect((await read()).setting).toBe('w');
      expect(sent).toHaveLength(4);
      expect(sent[0]).toMatch(/^BEGIN;\nSELECT pg_advisory_xact_lock\(.*\);\nEXECUTE affilx_\w+\('acc_1'\);\nEXECUTE affilx_\w+\('k'\);\nEXECUTE affilx_\w+\('acc_none'\)$/);
    } finally {
      pg.Client.prototype.query = original;
    }
  });

  it('transactions: a statement that failed is never committed, even when the error was caught; the connection then serves the next one', async () => {
    const { adapters } = await setup(1, { poolSize: 1 });
    const [a] = adapters as [Storage];
    await a.accounts.insertAccount({ id: 'acc_1', name: 'One', createdAt: T0 });
    // The duplicate insert fails in the same round trip as a read (and the PREPAREs a first use
    // carries), and the caller goes on as if nothing happened: COMMIT must not answer success.
    await expect(
      a.transaction(async (tx) => {
        await tx.accounts.putSetting('seen', '1');
        await Promise.all([tx.accounts.insertAccount({ id: 'acc_1', name: 'Again', createdAt: T0 }), tx.accounts.getAccount('acc_1')]).catch(() => undefined);
        await tx.accounts.putSetting('after', '1').catch(() => undefined);
      }),
    ).rejects.toThrow();
    expect(await a.accounts.getSetting('seen')).toBeUndefined();
    expect(await a.accounts.getSetting('after')).toBeUndefined();
    // The one pooled connection works on: its prepared statements are known again.
    const again = await a.transaction(async (tx) => Promise.all([tx.accounts.getAccount('acc_1'), tx.accounts.getSetting('seen')]));
    expect(again).toEqual([{ id: 'acc_1', name: 'One', createdAt: T0 }, undefined]);
  });

  it('a total past 2^53 − 1 is a 422 naming the field, never a rounded number', async () => {
    const { url, adapters } = await setup(1);
    const [s] = adapters as [Storage];
    const big = 2n ** 52n + 1n;
    await query(url, `INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, revenue) VALUES
      ('acc_1', '2026-12-01', 't', 'amazon.com', 'USD', $1), ('acc_1', '2026-12-02', 't', 'amazon.com', 'USD', $1)`, [big.toString()]);
    const error = await s.reports.summaryTotals({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 3), accountId: 'acc_1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(422);
    expect((error as Problem).message).toMatch(/^revenue is 9007199254740994\b/);
    // One day alone is exact.
    const one = await s.reports.summaryTotals({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 1), accountId: 'acc_1' });
    expect(one.money).toEqual([{ currency: 'USD', revenue: 2 ** 52 + 1, pending: 0, earnings: 0 }]);
  });

  it('U+0000 in a text value is a 400 naming the field', async () => {
    const { adapters } = await setup(1);
    const [s] = adapters as [Storage];
    for (const attempt of [
      () => s.events.record([click('nul-1', T0, { page: 'https://x.example/\u0000' })]),
      () => s.accounts.insertAccount({ id: 'acc_n', name: 'A\u0000B', createdAt: T0 }),
      () => s.accounts.getSetting('k\u0000'),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Problem);
      expect((error as Problem).status).toBe(400);
    }
    const error = (await s.accounts.insertAccount({ id: 'acc_n', name: 'A\u0000B', createdAt: T0 }).catch((e: unknown) => e)) as Problem;
    expect(error.message).toMatch(/^name contains U\+0000/);
    expect(error.errors).toEqual([{ path: 'name', message: 'must not contain U+0000' }]);
  });

  it('a database that goes away answers StorageUnavailable (503, Retry-After), and the pool recovers when it is back', async () => {
    const db = await scratchDatabase();
    cleanups.push(() => db.drop());
    const target = new URL(PG_URL!);
    const proxy = await cuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const logs: string[] = [];
    const s = await createPostgresStorage(withDatabase(PG_URL!, db.name, `127.0.0.1:${proxy.port}`), { poolSize: 3, statementTimeoutMs: 1000, log: (m) => logs.push(m) });
    cleanups.push(() => s.close());
    // Another instance, straight to the server, to see the listener through the outage.
    const other = await createPostgresStorage(db.url);
    cleanups.push(() => other.close());
    const heard: string[] = [];
    s.signals.subscribe('live', (p) => heard.push(p));
    const hears = (word: string) => async () => {
      await other.signals.publish('live', word);
      return heard.includes(word);
    };
    await waitFor(hears('before'), 3000);
    await s.accounts.putSetting('a', '1');
    await proxy.cut();
    const started = Date.now();
    const errors = await Promise.all([
      s.accounts.getSetting('a').catch((e: unknown) => e),
      s.events.recordSoon([click('down-1', T0)]).catch((e: unknown) => e),
      s.transaction((tx) => tx.accounts.putSetting('b', '2')).catch((e: unknown) => e),
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(StorageUnavailable);
      expect((e as StorageUnavailable).retryAfter).toBe(2);
    }
    // Bounded: connection timeout (3 s) at most, never a hang.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await s.health()).toMatchObject({ ok: false });
    await proxy.restore();
    await waitFor(async () => (await s.health()).ok, 5000);
    expect(await s.accounts.getSetting('a')).toBe('1');
    expect(await s.events.recordSoon([click('up-1', T0)])).toEqual([true]);
    // The listener noticed, and listens again by itself.
    expect(logs.join('\n')).toMatch(/listener connection lost/);
    await waitFor(hears('after'), 8000);
  });

  it('a database that cannot be used at start is one UsageError line naming host and reason', async () => {
    const refused = await createPostgresStorage('postgres://postgres:secret@127.0.0.1:1/affil').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe('cannot use PostgreSQL 127.0.0.1:1/affil: connection refused (is PostgreSQL running and listening there?)');
    const missing = await createPostgresStorage(withDatabase(PG_URL!, 'affil_no_such_db')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as Error).message).toMatch(/^cannot use PostgreSQL .*\/affil_no_such_db: database "affil_no_such_db" does not exist$/);
    const nobody = new URL(PG_URL!);
    nobody.username = 'affil_no_such_role';
    const role = await createPostgresStorage(nobody.toString()).catch((e: unknown) => e);
    expect(role).toBeInstanceOf(UsageError);
    expect((role as Error).message).toMatch(/affil_no_such_role/);
    expect((role as Error).message).not.toMatch(/\n/);
  });

  it('describes itself without the password', async () => {
    const db = await scratchDatabase();
    cleanups.push(() => db.drop());
    const u = new URL(db.url);
    u.password = 'hunter2';
    const s = await createPostgresStorage(u.toString());
    cleanups.push(() => s.close());
    expect(s.describe()).toBe(`PostgreSQL ${u.hostname}:${u.port || 5432}/${db.name}`);
    expect(await s.health()).toEqual({ ok: true });
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const pools = new Map<string, pg.Pool>();
/** A plain pool on `url` for the partition functions (closed after the test). */
function poolOf(url: string): pg.Pool {
  let p = pools.get(url);
  if (!p) {
    pools.set(url, (p = new pg.Pool({ connectionString: url, max: 2 })));
    cleanups.push(async () => {
      pools.delete(url);
      await p!.end();
    });
  }
  return p;
}
