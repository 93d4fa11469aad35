// Seeds a collector database with many clicks (and optionally orders) for the benchmarks, and
// keeps it in .bench/ so later runs reuse it. Click IDs are time-ordered (UUIDv7 layout) so the
// seeding itself is fast; lookups by ID cost the same for any UUID. Clicks carry what a live
// collector stores since issue 19 (a visitor hash, the SDK's signals) and accounts have sign-in
// visitors, so the integrity rules' lookups run against indexes of a real size.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openDatabase, rebuildDailyTotals } from '../packages/collector/dist/db/database.js';

export const BENCH_DIR = new URL('../.bench/', import.meta.url).pathname;
/** Part of every seeded file's name: a file seeded by an older layout (v1: clicks without visitors) is not reused. */
const LAYOUT = 'v2';

/** A visitor hash's shape (22 base64url characters) for visitor number `v`. */
export const visitorOf = (v) => `v${v.toString(36).padStart(21, '0')}`;

export function uuidAt(ms, n) {
  const hex = ms.toString(16).padStart(12, '0') + n.toString(16).padStart(12, '0').slice(-12);
  const r = randomBytes(4).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${(8 | (n & 3)).toString(16)}${r.slice(0, 3)}-${hex.slice(12, 24)}`;
}

/**
 * Returns the path of a database holding `clicks` clicks spread over `days` days before `end`,
 * across `accounts` accounts with one us tag each, plus `orders` attributed orders.
 */
export function seededDatabase({ name, clicks, orders = 0, accounts = 1000, days = 365, end = Date.parse('2026-11-20T00:00:00Z'), log = console.log }) {
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = `${BENCH_DIR}${name}-${LAYOUT}.db`;
  if (existsSync(file)) return file;
  const tmp = `${file}.seeding`;
  for (const s of ['', '-wal', '-shm']) rmSync(tmp + s, { force: true });
  const started = Date.now();
  const db = openDatabase(tmp);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -2000000');
  const start = end - days * 86_400_000;
  db.transaction(() => {
    const account = db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)');
    const tag = db.prepare("INSERT INTO tags (tag, account_id, marketplace, created_at) VALUES (?, ?, 'us', ?)");
    for (let a = 0; a < accounts; a++) {
      account.run(`acc_bench${a}`, `Bench ${a}`, start);
      tag.run(`bench${a}-20`, `acc_bench${a}`, start);
    }
  })();
  const insertClick = db.prepare(`INSERT INTO clicks (id, tag, account_id, marketplace, url, product, page, session, via, bot, registered, at,
      visitor, trusted, visible, framed, dwell)
    VALUES (?, ?, ?, 'us', ?, ?, ?, NULL, 'click', ?, 1, ?, ?, 1, 1, 0, ?)`);
  // About five clicks per visitor, each on the same tag (the visitor count is a multiple of the
  // accounts) and weeks apart: a click-burst lookup finds the click itself.
  const visitors = Math.max(accounts, Math.floor(clicks / 5 / accounts) * accounts);
  const batch = 200_000;
  for (let i = 0; i < clicks; i += batch) {
    db.transaction(() => {
      for (let n = i; n < Math.min(clicks, i + batch); n++) {
        const at = start + Math.floor((n / clicks) * days * 86_400_000);
        const a = n % accounts;
        const product = `B0${String(n % 50_000).padStart(8, '0')}`;
        insertClick.run(uuidAt(at, n), `bench${a}-20`, `acc_bench${a}`, `https://www.amazon.com/dp/${product}?tag=bench${a}-20`, product, `https://blog${a}.example/post-${n % 100}`, n % 50 === 0 ? 1 : 0, at,
          visitorOf(n % visitors), 800 + (n % 20_000));
      }
    })();
    if ((i / batch) % 10 === 0) log(`  seeding ${name}: ${i.toLocaleString()} of ${clicks.toLocaleString()} clicks (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  // Every account signed in to the dashboard on each of the last 90 days, from visitors none of its clicks came from.
  const signIn = db.prepare("INSERT INTO key_visitors (account_id, day, visitor, key_id, first_seen) VALUES (?, ?, ?, 'key_bench', ?)");
  db.transaction(() => {
    for (let a = 0; a < accounts; a++) {
      for (let d = 1; d <= 90; d++) {
        const at = end - d * 86_400_000;
        signIn.run(`acc_bench${a}`, new Date(at).toISOString().slice(0, 10), `k${String(a * 100 + d).padStart(21, '0')}`, at);
      }
    }
  })();
  if (orders > 0) seedOrders(db, { orders, accounts, start, days, log });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(tmp, file);
  for (const s of ['-wal', '-shm']) rmSync(tmp + s, { force: true });
  log(`  seeded ${name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return file;
}

export function seedOrders(db, { orders, accounts, start, days, log, from = 0 }) {
  const insertOrder = db.prepare(`INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag,
    credited_tag, account_id, unverified_referral, response, received_at) VALUES (?, 'us', 'USD', ?, 'x', '{}', 1, 'click_window', ?, ?, ?, ?, 0, '{"commission":2000}', ?)`);
  const insertLine = db.prepare(`INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at,
    attributed, direct, reason, rate_bp, commission, cancelled, shipped, returned) VALUES (?, '1', 0, ?, NULL, 'electronics', 1, 49900, NULL, 1, 1, 'ordered_within_click_window', 400, 1996, 0, ?, 0)`);
  // The line's pending commission (the domain's pendingCommission: 1996 until shipped) and revenue; columns since migration 004.
  const hasAmounts = db.prepare("SELECT count(*) AS n FROM pragma_table_info('order_lines') WHERE name = 'revenue'").get().n > 0;
  const setPending = hasAmounts ? db.prepare("UPDATE order_lines SET pending = ?, revenue = 49900 WHERE order_id = ? AND line_id = '1'") : undefined;
  const insertEvent = db.prepare(`INSERT INTO order_events (order_id, type, at, items, received_at) VALUES (?, 'shipped', ?, '[]', ?)`);
  const insertEntry = db.prepare(`INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
    VALUES (?, ?, '1', ?, ?, 'us', 'USD', 'shipment', 1, 1996, ?)`);
  const batch = 100_000;
  for (let i = from; i < orders; i += batch) {
    db.transaction(() => {
      for (let n = i; n < Math.min(orders, i + batch); n++) {
        const at = start + Math.floor((n / orders) * days * 86_400_000) + 3_600_000;
        const a = n % accounts;
        const orderId = `BENCH-${n}`;
        const shipped = n % 2;
        insertOrder.run(orderId, at, null, `bench${a}-20`, `bench${a}-20`, `acc_bench${a}`, at);
        insertLine.run(orderId, `B0${String(n % 50_000).padStart(8, '0')}`, shipped);
        setPending?.run(shipped ? 0 : 1996, orderId);
        if (shipped) {
          const eventId = insertEvent.run(orderId, at + 86_400_000, at + 86_400_000).lastInsertRowid;
          insertEntry.run(eventId, orderId, `acc_bench${a}`, `bench${a}-20`, at + 86_400_000);
        }
      }
    })();
    log(`  seeding orders: ${(i + batch).toLocaleString()} of ${orders.toLocaleString()}`);
  }
}

/**
 * Adds `orders` attributed orders (half of them shipped) to a seeded database when it has fewer,
 * then recomputes the per-day totals, since the seeding writes raw rows directly.
 */
export function ensureOrders(file, { orders, accounts = 1000, days = 365, end = Date.parse('2026-11-20T00:00:00Z'), log = console.log }) {
  const db = openDatabase(file);
  try {
    const have = db.prepare("SELECT count(*) AS n FROM orders WHERE order_id LIKE 'BENCH-%'").get().n;
    if (have >= orders) return;
    const started = Date.now();
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -2000000');
    seedOrders(db, { orders, accounts, start: end - days * 86_400_000, days, log, from: have });
    log('  rebuilding per-day totals');
    rebuildDailyTotals(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    log(`  seeded ${orders - have} orders in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    db.close();
  }
}

/**
 * Reads the whole file once, so the OS caches it as it would for a collector that has been running
 * (a timed run right after other disk-heavy work otherwise measures the disk: p99 7–14 ms instead
 * of ~2 ms for attribution, seen on this machine). Answers the seconds it took.
 */
export function warmFile(file) {
  const started = Date.now();
  const buffer = Buffer.allocUnsafe(16 * 1024 * 1024);
  for (const path of [file, `${file}-wal`]) {
    if (!existsSync(path)) continue;
    const fd = openSync(path, 'r');
    try {
      while (readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
  return (Date.now() - started) / 1000;
}
