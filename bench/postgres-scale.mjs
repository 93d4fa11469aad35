// Issue 17 budgets on PostgreSQL: with BENCH_CLICKS clicks (default 10 M) and BENCH_ORDERS
// orders (default 1 M) stored, attributing a 5-line order stays under 5 ms at the 99th
// percentile inside the server, and one account's one-year summary under 50 ms. Also prints the
// database's size. The seed is set-based on the server (INSERT … SELECT FROM generate_series: no
// row crosses the network; faster than COPY, and never row by row) into the monthly partitions;
// the database `affil_bench_scale_v2_<clicks>_<orders>` is kept for later runs (as SQLite's .bench/
// files are): drop it with `dropdb` when done. PostgreSQL: AFFIL_BENCH_PG or AFFIL_TEST_PG.
// Clicks carry visitor hashes and SDK signals and accounts have sign-in visitors (issue 19), and
// attribution is timed with the integrity rules on (the default) and off, orders alternating, as
// in the SQLite bench (bench/attribution.mjs).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
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

async function seed(url, log) {
  // Schema and partitions through the adapter itself.
  const storage = await createPostgresStorage(url);
  await storage.close();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const { rows } = await pool.query("SELECT value FROM settings WHERE key = 'bench_seeded'");
    if (rows[0]) return false;
    await ensureMonths(pool, START, 13);
    const c = await pool.connect();
    const step = async (what, sql, params = []) => {
      const t = Date.now();
      await c.query(sql, params);
      log(`  ${what}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
    };
    try {
      await c.query('SET statement_timeout = 0');
      await c.query("SET maintenance_work_mem = '512MB'");
      await c.query("SET work_mem = '256MB'");
      await step('accounts and tags', `
        WITH a AS (INSERT INTO accounts (id, name, created_at) SELECT 'acc_bench' || a, 'Bench ' || a, $1::bigint FROM generate_series(0, $2 - 1) a RETURNING id)
        INSERT INTO tags (tag, account_id, marketplace, created_at) SELECT replace(id, 'acc_', '') || '-20', id, 'us', $1::bigint FROM a`, [START, ACCOUNTS]);
      await step(`${CLICKS.toLocaleString()} clicks`, `
        INSERT INTO clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at, client_at,
          visitor, trusted, visible, framed, dwell)
        SELECT lpad(to_hex(at), 12, '0') || '-' || lpad(to_hex(n), 12, '0'), 'bench' || (n % $4) || '-20', 'acc_bench' || (n % $4), 'us',
          'https://www.amazon.com/dp/B0' || lpad((n % 50000)::text, 8, '0') || '?tag=bench' || (n % $4) || '-20', 'B0' || lpad((n % 50000)::text, 8, '0'),
          'https://blog' || (n % $4) || '.example/post-' || (n % 100), NULL, 'click', n % 50 = 0, true, at, NULL,
          'v' || lpad((n % $5)::text, 21, '0'), true, true, false, 800 + n % 20000
        FROM (SELECT n, $1::bigint + (n::bigint * $3 * 86400000) / $2 AS at FROM generate_series(0, $2 - 1) n) s`, [START, CLICKS, DAYS, ACCOUNTS, VISITORS]);
      await step('sign-in visitors (90 days per account)', `
        INSERT INTO key_visitors (account_id, day, visitor, key_id, first_seen)
        SELECT 'acc_bench' || a, to_char(to_timestamp(($1::bigint - d::bigint * 86400000) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
          'k' || lpad((a * 100 + d)::text, 21, '0'), 'key_bench', $1::bigint - d::bigint * 86400000
        FROM generate_series(0, $2 - 1) a, generate_series(1, 90) d`, [END, ACCOUNTS]);
      await step('event ids', 'INSERT INTO event_ids (id, at) SELECT id, at FROM clicks');
      await step(`${ORDERS.toLocaleString()} orders (half shipped) with lines, events, ledger entries`, `
        WITH o AS (
          INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag, credited_tag, account_id,
            unverified_referral, response, received_at)
          SELECT 'BENCH-' || n, 'us', 'USD', at, 'x', '{}', true, 'click_window', NULL, 'bench' || (n % $4) || '-20', 'bench' || (n % $4) || '-20',
            'acc_bench' || (n % $4), false, '{"commission":1996}', at
          FROM (SELECT n, $1::bigint + (n::bigint * $3 * 86400000) / $2 + 3600000 AS at FROM generate_series(0, $2 - 1) n) s
          RETURNING order_id, ordered_at, account_id, credited_tag),
        l AS (
          INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at, attributed, direct, reason,
            rate_bp, commission, pending, cancelled, shipped, returned, revenue)
          SELECT order_id, '1', 0, 'B0' || lpad((substr(order_id, 7)::int % 50000)::text, 8, '0'), NULL, 'electronics', 1, 49900, NULL, true, true,
            'ordered_within_click_window', 400, 1996, CASE WHEN substr(order_id, 7)::int % 2 = 1 THEN 0 ELSE 1996 END, 0,
            substr(order_id, 7)::int % 2, 0, 49900
          FROM o RETURNING order_id),
        e AS (
          INSERT INTO order_events (order_id, type, at, items, received_at)
          SELECT order_id, 'shipped', ordered_at + 86400000, '[]', ordered_at + 86400000 FROM o WHERE substr(order_id, 7)::int % 2 = 1
          RETURNING id, order_id, at)
        INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
        SELECT e.id, e.order_id, '1', o.account_id, o.credited_tag, 'us', 'USD', 'shipment', 1, 1996, e.at FROM e JOIN o USING (order_id)`,
        [START, ORDERS, DAYS, ACCOUNTS]);
      // The per-day totals the adapter keeps on every write, folded in once from the raw rows
      // (sums of the lines' stored revenue and pending, as the domain made them).
      const day = (c) => `(to_timestamp(${c} / 1000) AT TIME ZONE 'UTC')::date`;
      await step('per-day totals', `
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
        ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET items_shipped = excluded.items_shipped, earnings = excluded.earnings`);
      await step('analyze', 'ANALYZE');
      await c.query("INSERT INTO settings (key, value) VALUES ('bench_seeded', '1')");
    } finally {
      c.release();
    }
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
  // Read the hot tables once so the timed runs measure a running server, not a cold disk.
  const warm = Date.now();
  await size.query("SET statement_timeout = 0");
  await size.query('SELECT count(*) FROM daily_totals');
  await size.query('SELECT count(*) FROM (SELECT id FROM clicks ORDER BY id) s');
  const warmSeconds = (Date.now() - warm) / 1000;
  await size.end();

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
    { name: seeded ? '  seeded now (set-based, on the server)' : `  seeded before (database ${name})`, value: seeded ? seedSeconds.toFixed(0) : '-', unit: 's' },
    { name: '  database size', value: (Number(bytes) / 2 ** 30).toFixed(2), unit: 'GiB' },
    { name: '  hot tables read once first', value: warmSeconds.toFixed(1), unit: 's' },
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
