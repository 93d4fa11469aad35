// Issue 17: the PostgreSQL backend measured against SQLite and a bare Express 204 route, in the
// same run. Durable click ingest (POST /v1/events, one click per request, acknowledged only
// after its transaction commits: group commit on both backends) for a bare route, a SQLite
// collector, one PostgreSQL collector and two PostgreSQL collectors on one database, taking
// turns in short interleaved rounds (the shared machine's speed drifts within minutes), with the
// CPU each request cost the collectors and, for PostgreSQL, the database's server processes (read
// from /proc where the server runs on this machine); then the storage port alone: recordSoon
// events/s with one adapter and with two adapters on one database.
//
// PostgreSQL: AFFIL_BENCH_PG or AFFIL_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres);
// the bench makes a database of its own, affil_bench_<random>, and drops it at the end.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, clickLoad, cpuMs, startProcess } from './processes.mjs';
import { pgOnce } from './pg-once.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SERVER = process.env.AFFIL_BENCH_PG ?? process.env.AFFIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADAPTER = new URL('../packages/collector/dist/storage/postgres/index.js', import.meta.url).href;


/** CPU ms of the database's server processes serving `database` (read where the server runs on this machine). */
const load = (url, seconds, connections = CONNECTIONS) => clickLoad(url, { seconds, connections });

async function databaseCpuMs(client, database) {
  const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return rows.reduce((n, r) => n + cpuMs(r.pid), 0);
}

const withDatabase = (name) => {
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Events/s through the port's recordSoon alone: `callers` concurrent writers on each adapter, one click per call. */
async function recordSoonRate(url, adapters, seconds, callers = 64) {
  const { createPostgresStorage } = await import(ADAPTER);
  const stores = await Promise.all(Array.from({ length: adapters }, () => createPostgresStorage(url, { poolSize: 4 })));
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const writer = async (s) => {
    while (Date.now() < until) {
      await s.events.recordSoon([{ type: 'click', id: randomUUID(), tag: 'bench-20', accountId: null, marketplace: 'amazon.com', url: 'https://www.amazon.com/dp/B0', product: 'B0', page: null, session: null, via: 'click', bot: false, registered: false, at: Date.now(), clientAt: null }]);
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(stores.flatMap((s) => Array.from({ length: callers }, () => writer(s))));
  const rate = done / ((Date.now() - started) / 1000);
  await Promise.all(stores.map((s) => s.close()));
  return rate;
}

export async function bench() {
  const name = `affil_bench_${randomBytes(5).toString('hex')}`;
  try {
    await pgOnce(SERVER, `CREATE DATABASE ${name}`);
  } catch (error) {
    return [{ name: `skipped: no PostgreSQL at ${new URL(SERVER).host} (${error.message}); set AFFIL_BENCH_PG`, value: '-', unit: '' }];
  }
  const pgUrl = withDatabase(name);
  const dir = mkdtempSync(join(tmpdir(), 'affil-pgbench-'));
  const config = join(dir, 'affil.json');
  const sqliteDb = join(dir, 'affil.db');
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0 }));
  const processes = [];
  const rows = [];
  let watcher;
  try {
    for (const db of [sqliteDb, pgUrl]) {
      const cli = (...args) => execFileSync(process.execPath, [CLI, ...args, '--db', db, '--config', config, '--json'], { encoding: 'utf8' });
      const account = JSON.parse(cli('accounts', 'create', 'Bench')).id;
      cli('tags', 'add', account, 'bench-20', 'us');
    }
    const bare = await startProcess([new URL('./bare-server.mjs', import.meta.url).pathname]);
    processes.push(bare);
    const sqlite = await startProcess([CLI, 'serve', '--port', '0', '--db', sqliteDb, '--config', config]);
    processes.push(sqlite);
    const pgA = await startProcess([CLI, 'serve', '--port', '0', '--db', pgUrl, '--config', config]);
    processes.push(pgA);
    const pgB = await startProcess([CLI, 'serve', '--port', '0', '--db', pgUrl, '--config', config]);
    processes.push(pgB);

    const targets = [
      { name: 'bare', urls: [bare.url], pids: [bare.child.pid] },
      { name: 'sqlite', urls: [sqlite.url], pids: [sqlite.child.pid] },
      { name: 'postgres', urls: [pgA.url], pids: [pgA.child.pid] },
      // The same total connections, split over two instances on one database.
      { name: 'postgres ×2', urls: [pgA.url, pgB.url], pids: [pgA.child.pid, pgB.child.pid] },
    ].map((t) => ({ ...t, requests: 0, p99: [], cpu: 0, dbCpu: 0 }));
    // Where the server runs here, its processes serving the bench database are measured too.
    watcher = new pg.Client({ connectionString: pgUrl });
    await watcher.connect();
    const everyPid = [bare, sqlite, pgA, pgB].map((p) => p.child.pid);
    for (const t of targets) await Promise.all(t.urls.map((u) => load(`${u}/v1/events`, 1, CONNECTIONS / t.urls.length)));
    const loadBefore = loadavg()[0];
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        // Every collector's CPU counts (an idle instance still hears the other's live signals).
        const cpu = everyPid.reduce((n, pid) => n + cpuMs(pid), 0);
        const dbCpu = await databaseCpuMs(watcher, name);
        const results = await Promise.all(t.urls.map((u) => load(`${u}/v1/events`, SECONDS, CONNECTIONS / t.urls.length)));
        t.cpu += everyPid.reduce((n, pid) => n + cpuMs(pid), 0) - cpu;
        t.dbCpu += (await databaseCpuMs(watcher, name)) - dbCpu;
        t.requests += results.reduce((n, r) => n + r['2xx'], 0);
        t.p99.push(Math.max(...results.map((r) => r.latency.p99)));
      }
    }
    const seconds = ROUNDS * SECONDS;
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const [base, lite, one, two] = targets;
    const row = (label, t) => [
      { name: label, value: Math.round(t.requests / seconds), unit: 'req/s' },
      { name: `  p99 latency (median of ${ROUNDS} rounds)`, value: median(t.p99), unit: 'ms' },
      { name: `  CPU per request: servers${t.name.startsWith('postgres') ? ' + database' : ''}`, value: t.name.startsWith('postgres') ? `${Math.round((t.cpu * 1000) / t.requests)} + ${Math.round((t.dbCpu * 1000) / t.requests)}` : Math.round((t.cpu * 1000) / t.requests), unit: 'µs' },
    ];
    const ratio = one.requests / base.requests;
    rows.push(
      { name: 'load average (1 min) before / after the rounds', value: `${loadBefore.toFixed(1)} / ${loadavg()[0].toFixed(1)}`, unit: '' },
      ...row(`bare Express 204 (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s)`, base),
      ...row('SQLite collector, click ingest, durable', lite),
      ...row('PostgreSQL collector, click ingest, durable', one),
      ...row('two PostgreSQL collectors, one database', two),
      { name: 'SQLite ingest / bare', value: (lite.requests / base.requests).toFixed(2), unit: '×' },
      { name: 'PostgreSQL ingest / bare', value: ratio.toFixed(2), unit: '×', budget: '≥ 0.85', ok: ratio >= 0.85 },
      { name: 'two PostgreSQL instances / one', value: (two.requests / one.requests).toFixed(2), unit: '×' },
    );
  } finally {
    await watcher?.end().catch(() => {});
    for (const { child } of processes) child.kill('SIGTERM');
    await Promise.all(processes.map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    const one = await recordSoonRate(pgUrl, 1, SECONDS * 2);
    const two = await recordSoonRate(pgUrl, 2, SECONDS * 2);
    rows.push(
      { name: 'recordSoon, one adapter (64 concurrent callers)', value: Math.round(one), unit: 'ev/s' },
      { name: 'recordSoon, two adapters on one database', value: Math.round(two), unit: 'ev/s' },
    );
  } finally {
    await pgOnce(SERVER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  return rows;
}
