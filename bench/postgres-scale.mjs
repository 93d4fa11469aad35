// Issue 17 budgets on PostgreSQL: with BENCH_CLICKS clicks (default 10 M) and BENCH_ORDERS
// orders (default 1 M) stored, attributing a 5-line order stays under 5 ms at the 99th
// percentile inside the server, and one account's one-year summary under 50 ms. Also prints the
// database's size, the load average, and the floor every order pays on this server: a round trip
// (`SELECT 1`) and a durable one-row commit (its WAL flush), measured in the same run.
// Clicks carry visitor hashes and SDK signals and accounts have sign-in visitors (issue 19), and
// attribution is timed with the integrity rules on (the default) and off, orders alternating, as
// in the SQLite bench (bench/attribution.mjs).
//
// The seed streams the rows with COPY … FROM STDIN (pg-copy-streams; the clicks and their event
// ids on two connections at once) into the monthly partitions; the per-day totals are then folded
// in from the raw rows on the server. The database `affil_bench_scale_v2_<clicks>_<orders>` is
// kept for later runs (as SQLite's .bench/ files are): drop it with `dropdb` when done.
// PostgreSQL: AFFIL_BENCH_PG or AFFIL_TEST_PG.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Webhook } from 'standardwebhooks';
import { startCollector } from '../packages/collector/dist/server.js';
import { DEFAULT_PROGRAM } from '../packages/collector/dist/config.js';
import { receiveOrder } from '../packages/collector/dist/services/orders.js';
import { summary } from '../packages/collector/dist/services/reports.js';
import { createPostgresStorage } from '../packages/collector/dist/storage/postgres/index.js';
import { ensureMonths } from '../packages/collector/dist/storage/postgres/partitions.js';
import { percentile } from './stats.mjs';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 10_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const SERVER = process.env.AFFIL_BENCH_PG ?? process.env.AFFIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ACCOUNTS = 1000;
const DAYS = 365;
const END = Date.parse('2026-11-20T00:00:00Z');
const START = END - DAYS * 86_400_000;
const ATTRIBUTIONS = 2000;
const SUMMARIES = 200;
/** About five clicks per visitor, each on one tag (a multiple of the accounts), weeks apart: as bench/seed.mjs. */
const VISITORS = Math.max(ACCOUNTS, Math.floor(CLICKS / 5 / ACCOUNTS) * ACCOUNTS);
const OFF = { selfReferral: false, burst: false, stuffing: false, orderVelocity: false };

const withDatabase = (name) => {
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return u.toString();
};
/** The seeded click n: its time and id, as the seed SQL makes them. */
const clickAt = (n) => START + Number((BigInt(n) * BigInt(DAYS * 86_400_000)) / BigInt(CLICKS));
const clickId = (n) => `${clickAt(n).toString(16).padStart(12, '0')}-${n.toString(16).padStart(12, '0')}`;

/** `count` rows made by `row(n)` (tab-separated COPY text, `\N` for NULL) in chunks of 10,000, for a COPY FROM STDIN. */
function* rows(count, row) {
  for (let n0 = 0; n0 < count; n0 += 10_000) {
    let chunk = '';
    for (let n = n0; n < Math.min(count, n0 + 10_000); n++) chunk += row(n);
    yield chunk;
  }
}

/** COPY … FROM STDIN on one connection of `pool`, fed by `chunks`. */
async function copyIn(pool, sql, chunks) {
  const c = await pool.connect();
  try {
    await c.query('SET statement_timeout = 0');
    await pipeline(Readable.from(chunks), c.query(copyFrom(sql)));
  } finally {
    c.release();
  }
}

const pad8 = (n) => String(n).padStart(8, '0');
const orderAt = (n) => START + Number((BigInt(n) * BigInt(DAYS * 86_400_000)) / BigInt(ORDERS)) + 3_600_000;

async function seed(url, log) {
  // Schema and partitions through the adapter itself.
  const storage = await createPostgresStorage(url);
  await storage.close();
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  try {
    const { rows: seeded } = await pool.query("SELECT value FROM settings WHERE key = 'bench_seeded'");
    if (seeded[0]) return false;
    await ensureMonths(pool, START, 13);
    const step = async (what, work) => {
      const t = Date.now();
      await work();
      log(`  ${what}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
    };
    const run = async (sql, params = []) => {
      const c = await pool.connect();
      try {
        await c.query('SET statement_timeout = 0');
        await c.query("SET work_mem = '256MB'");
        await c.query(sql, params);
      } finally {
        c.release();
      }
    };
    await step('accounts and tags', async () => {
      await copyIn(pool, 'COPY accounts (id, name, created_at) FROM STDIN', rows(ACCOUNTS, (a) => `acc_bench${a}\tBench ${a}\t${START}\n`));
      await copyIn(pool, 'COPY tags (tag, account_id, marketplace, created_at) FROM STDIN', rows(ACCOUNTS, (a) => `bench${a}-20\tacc_bench${a}\tus\t${START}\n`));
    });
    // The clicks and their event ids side by side, on two connections (two server processes).
    await step(`${CLICKS.toLocaleString()} clicks and their event ids`, () =>
      Promise.all([
        copyIn(pool, `COPY clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at,
            visitor, trusted, visible, framed, dwell) FROM STDIN`,
          rows(CLICKS, (n) => {
            const a = n % ACCOUNTS;
            const product = `B0${pad8(n % 50000)}`;
            return `${clickId(n)}\tbench${a}-20\tacc_bench${a}\tus\thttps://www.amazon.com/dp/${product}?tag=bench${a}-20\t${product}\thttps://blog${a}.example/post-${n % 100}\t\\N\tclick\t${n % 50 === 0 ? 't' : 'f'}\tt\t${clickAt(n)}\t\\N\tv${String(n % VISITORS).padStart(21, '0')}\tt\tt\tf\t${800 + (n % 20000)}\n`;
          })),
        copyIn(pool, 'COPY event_ids (id, at) FROM STDIN', rows(CLICKS, (n) => `${clickId(n)}\t${clickAt(n)}\n`)),
      ]));
    await step('sign-in visitors (90 days per account)', () =>
      copyIn(pool, 'COPY key_visitors (account_id, day, visitor, key_id, first_seen) FROM STDIN',
        rows(ACCOUNTS * 90, (k) => {
          const a = Math.floor(k / 90);
          const d = (k % 90) + 1;
          const at = END - d * 86_400_000;
          return `acc_bench${a}\t${new Date(at).toISOString().slice(0, 10)}\tk${String(a * 100 + d).padStart(21, '0')}\tkey_bench\t${at}\n`;
        })));
    // 1 M orders of one line each; every odd one shipped (an order event and its ledger entry).
    await step(`${ORDERS.toLocaleString()} orders (half shipped) with lines, events, ledger entries`, async () => {
      await copyIn(pool, `COPY orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag, credited_tag, account_id,
          unverified_referral, response, received_at) FROM STDIN`,
        rows(ORDERS, (n) => {
          const a = n % ACCOUNTS;
          return `BENCH-${n}\tus\tUSD\t${orderAt(n)}\tx\t{}\tt\tclick_window\t\\N\tbench${a}-20\tbench${a}-20\tacc_bench${a}\tf\t{"commission":1996}\t${orderAt(n)}\n`;
        }));
      const shippedEvent = (n) => (n - 1) / 2 + 1; // order_events.id of odd order n
      await Promise.all([
        copyIn(pool, `COPY order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at, attributed, direct, reason,
            rate_bp, commission, pending, cancelled, shipped, returned, revenue) FROM STDIN`,
          rows(ORDERS, (n) => `BENCH-${n}\t1\t0\tB0${pad8(n % 50000)}\t\\N\telectronics\t1\t49900\t\\N\tt\tt\tordered_within_click_window\t400\t1996\t${n % 2 === 1 ? 0 : 1996}\t0\t${n % 2}\t0\t49900\n`)),
        (async () => {
          await copyIn(pool, 'COPY order_events (id, order_id, type, at, items, received_at) FROM STDIN',
            rows(ORDERS >> 1, (k) => {
              const n = 2 * k + 1;
              return `${shippedEvent(n)}\tBENCH-${n}\tshipped\t${orderAt(n) + 86_400_000}\t[]\t${orderAt(n) + 86_400_000}\n`;
            }));
          await pool.query("SELECT setval(pg_get_serial_sequence('order_events', 'id'), (SELECT max(id) FROM order_events))");
          await copyIn(pool, 'COPY ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at) FROM STDIN',
            rows(ORDERS >> 1, (k) => {
              const n = 2 * k + 1;
              const a = n % ACCOUNTS;
              return `${shippedEvent(n)}\tBENCH-${n}\t1\tacc_bench${a}\tbench${a}-20\tus\tUSD\tshipment\t1\t1996\t${orderAt(n) + 86_400_000}\n`;
            }));
        })(),
      ]);
    });
    // The per-day totals the adapter keeps on every write, folded in once from the raw rows
    // (sums of the lines' stored revenue and pending, as the domain made them).
    const day = (c) => `(to_timestamp(${c} / 1000) AT TIME ZONE 'UTC')::date`;
    await step('per-day totals', () => run(`
        INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, clicks, bot_clicks)
        SELECT coalesce(account_id, ''), ${day('at')}, tag, coalesce(marketplace, ''), '', count(*) FILTER (WHERE NOT bot AND registered), count(*) FILTER (WHERE bot)
        FROM clicks GROUP BY 1, 2, 3, 4;
        INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, orders, items_ordered, direct_items, revenue, pending)
        SELECT o.account_id, ${day('o.ordered_at')}, o.credited_tag, o.marketplace, o.currency, count(*), sum(l.quantity), sum(l.quantity), sum(l.revenue), sum(l.pending)
        FROM orders o JOIN order_lines l USING (order_id) GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET orders = excluded.orders, items_ordered = excluded.items_ordered,
          direct_items = excluded.direct_items, revenue = excluded.revenue, pending = excluded.pending;
        INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, items_shipped, earnings)
        SELECT account_id, ${day('at')}, tag, marketplace, currency, sum(quantity), sum(amount) FROM ledger_entries GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET items_shipped = excluded.items_shipped, earnings = excluded.earnings`));
    await step('analyze', () => run('ANALYZE'));
    await pool.query("INSERT INTO settings (key, value) VALUES ('bench_seeded', '1')");
    return true;
  } finally {
    await pool.end();
  }
}

export async function bench() {
  const name = `affil_bench_scale_v2_${CLICKS}_${ORDERS}`;
  const admin = new pg.Client({ connectionString: SERVER });
  try {
    await admin.connect();
  } catch (error) {
    return [{ name: `skipped: no PostgreSQL at ${new URL(SERVER).host} (${error.message}); set AFFIL_BENCH_PG`, value: '-', unit: '' }];
  }
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rows[0]) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(name);
  const started = Date.now();
  const seeded = await seed(url, console.log);
  const seedSeconds = (Date.now() - started) / 1000;

  const size = new pg.Client({ connectionString: url });
  await size.connect();
  const [{ bytes }] = (await size.query('SELECT pg_database_size(current_database())::bigint AS bytes')).rows;
  // Every table and index read once into the OS cache (as the SQLite benches read their file
  // first), so the timed runs measure a running server, not a cold disk: pg_prewarm where the
  // server has it, else the hot tables by scans.
  const warm = Date.now();
  await size.query('SET statement_timeout = 0');
  let warmed = 'pg_prewarm';
  try {
    await size.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    await size.query("SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 't')");
  } catch {
    warmed = 'scans';
    await size.query('SELECT count(*) FROM daily_totals');
    await size.query('SELECT count(*) FROM (SELECT id FROM clicks ORDER BY id) s');
  }
  const warmSeconds = (Date.now() - warm) / 1000;
  await size.end();

  // The floor under every order on this server, now: a round trip, and a durable commit.
  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  const floor = { trip: [], commit: [] };
  await probe.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (n int)');
  for (let i = 0; i < 300; i++) {
    let t0 = process.hrtime.bigint();
    await probe.query('SELECT 1');
    floor.trip.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    await probe.query('INSERT INTO bench_commit_probe VALUES (1)');
    floor.commit.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await probe.query('DROP TABLE bench_commit_probe');
  await probe.end();
  const loadBefore = loadavg()[0];

  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const collector = await startCollector({ ...DEFAULT_PROGRAM, port: 0, host: '127.0.0.1', db: url, adminKey: 'bench-admin', webhookSecrets: [secret], publicUrl: undefined }, { log: () => {} });
  const webhook = new Webhook(secret);
  const sides = {
    on: { context: collector.context, timings: [], held: 0 },
    off: { context: { ...collector.context, program: { ...collector.context.program, integrity: OFF } }, timings: [], held: 0 },
  };
  const attribution = sides.on.timings;
  const WARMUP = 100;
  // A shift per run, so runs on one database do not pile orders onto the same clicks (order velocity).
  const shift = Math.floor(Math.random() * CLICKS);
  // Each order through a click of its own; the rules on and off alternate, the first of each pair switching sides.
  for (let j = 0; j < 2 * (ATTRIBUTIONS + WARMUP); j++) {
    const i = j >> 1;
    const side = (j + i) % 2 === 0 ? sides.on : sides.off;
    let n = (j * 7919 * 1009 + shift) % CLICKS;
    if (n % 50 === 0) n++; // a human click, not a bot's
    const a = n % ACCOUNTS;
    const body = JSON.stringify({
      orderId: `ATTR-${i}-${randomBytes(4).toString('hex')}`,
      marketplace: 'us',
      currency: 'USD',
      orderedAt: new Date(clickAt(n) + 3_600_000).toISOString(),
      referral: { clickId: clickId(n), tag: `bench${a}-20`, clickedAt: new Date(clickAt(n)).toISOString() },
      items: Array.from({ length: 5 }, (_, k) => ({ lineId: String(k + 1), sku: `B0SKU0000${k}`, category: ['electronics', 'books', 'toys', 'grocery', 'garden'][k], quantity: 1 + k, unitAmount: 999 + k * 1000 })),
    });
    const id = `msg_${i}_${randomBytes(6).toString('hex')}`;
    const now = new Date();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': webhook.sign(id, now, body) };
    const t0 = process.hrtime.bigint();
    const answer = await receiveOrder(side.context, { body, headers });
    if (i >= WARMUP) {
      side.timings.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (answer.body.status === 'on_hold') side.held++;
    }
    if (answer.status !== 201 || !answer.body.attributed) throw new Error(`order ${i} not attributed: ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
  const off = sides.off.timings;
  const p99Off = percentile(off, 99);
  const summaries = [];
  let body;
  for (let i = 0; i < SUMMARIES + 10; i++) {
    const account = `acc_bench${(i * 37) % ACCOUNTS}`;
    const t0 = process.hrtime.bigint();
    body = await summary(collector.context, { role: 'account', keyId: 'bench', accountId: account }, { from: '2025-11-21', to: '2026-11-20' });
    if (i >= 10) summaries.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await collector.close();
  const p99a = percentile(attribution, 99);
  const p99s = percentile(summaries, 99);
  return [
    { name: 'PostgreSQL: stored clicks / orders', value: `${(CLICKS / 1e6).toFixed(1)}M / ${(ORDERS / 1e6).toFixed(2)}M`, unit: '' },
    { name: seeded ? '  seeded now (COPY)' : `  seeded before (database ${name})`, value: seeded ? seedSeconds.toFixed(0) : '-', unit: 's' },
    { name: '  database size', value: (Number(bytes) / 2 ** 30).toFixed(2), unit: 'GiB' },
    { name: `  database read into the OS cache first (${warmed})`, value: warmSeconds.toFixed(1), unit: 's' },
    { name: 'load average (1 min) before / after the timed runs', value: `${loadBefore.toFixed(1)} / ${loadavg()[0].toFixed(1)}`, unit: '' },
    { name: '  a round trip (SELECT 1) p50 / p99', value: `${percentile(floor.trip, 50).toFixed(2)} / ${percentile(floor.trip, 99).toFixed(2)}`, unit: 'ms' },
    { name: '  a durable one-row commit p50 / p99', value: `${percentile(floor.commit, 50).toFixed(2)} / ${percentile(floor.commit, 99).toFixed(2)}`, unit: 'ms' },
    { name: `attribute 5-line order p50 (${ATTRIBUTIONS} orders)`, value: percentile(attribution, 50).toFixed(3), unit: 'ms' },
    { name: 'attribute 5-line order p99', value: p99a.toFixed(3), unit: 'ms', budget: '5 ms', ok: p99a < 5 },
    { name: '  of them held by a rule', value: sides.on.held, unit: '' },
    { name: `integrity rules off: p50 (${ATTRIBUTIONS} orders, interleaved)`, value: percentile(off, 50).toFixed(3), unit: 'ms' },
    { name: 'integrity rules off: p99', value: p99Off.toFixed(3), unit: 'ms' },
    { name: 'integrity rules on / off, p50', value: (percentile(attribution, 50) / percentile(off, 50)).toFixed(2), unit: '×' },
    { name: 'integrity rules on / off, p99', value: (p99a / p99Off).toFixed(2), unit: '×' },
    { name: "integrity rules' cost at p99 (on − off)", value: (p99a - p99Off).toFixed(3), unit: 'ms' },
    { name: `one account's one-year summary p50 (e.g. ${body.clicks} clicks)`, value: percentile(summaries, 50).toFixed(2), unit: 'ms' },
    { name: "one account's one-year summary p99", value: p99s.toFixed(2), unit: 'ms', budget: '50 ms', ok: p99s < 50 },
  ];
}
