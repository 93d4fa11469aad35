// SQLite-specific by nature (it builds an old schema by hand): migrations 002 and 004 fill in
// amounts with the domain's functions, in TypeScript, and the result equals what live writes keep.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { openDatabase, rebuildDailyTotals } from '../../src/db/database.js';
import { openSqliteStorage, serial } from '../../src/storage/sqlite.js';
import { pendingCommission } from '../../src/domain/lifecycle.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database as version `upTo` left it (the migrations' own SQL, without their data steps). */
function oldDatabase(name: string, upTo: number): string {
  const file = join(dir, name);
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS.filter((m) => m.version <= upTo)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 0);
  }
  return Object.assign(db, { file }) && (db.close(), file);
}

const AT = Date.parse('2026-11-20T10:00:00Z');

function seedOrder(file: string, lines: { unit: number; qty: number; rate: number | null; cancelled: number; shipped: number }[]) {
  const db = new Database(file);
  db.prepare("INSERT INTO accounts VALUES ('acc_1', 'Jane', 0)").run();
  db.prepare(`INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag, credited_tag, account_id, unverified_referral, response, received_at)
    VALUES ('O-1', 'us', 'USD', ?, 'h', '{}', 1, 'click_window', NULL, 'jane-20', 'jane-20', 'acc_1', 0, '{}', ?)`).run(AT, AT);
  const line = db.prepare(`INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at, attributed, direct, reason, rate_bp, commission, cancelled, shipped, returned)
    VALUES ('O-1', ?, ?, 'SKU', NULL, 'books', ?, ?, NULL, ?, 1, 'ordered_within_click_window', ?, 0, ?, ?, 0)`);
  lines.forEach((l, i) => line.run(String(i + 1), i, l.qty, l.unit, l.rate === null ? 0 : 1, l.rate, l.cancelled, l.shipped));
  db.close();
}

// Half-even edge cases: 1250 × 1 × 400 / 10000 = 50 exactly; 125 × 3 × 450 / 10000 = 16.875 → 17;
// 2500 × 1 × 50 / 10000 = 12.5 → 12 (even); 7500 × 1 × 50 / 10000 = 37.5 → 38 (even).
const LINES = [
  { unit: 1250, qty: 1, rate: 400, cancelled: 0, shipped: 0 },
  { unit: 125, qty: 5, rate: 450, cancelled: 1, shipped: 1 },
  { unit: 2500, qty: 1, rate: 50, cancelled: 0, shipped: 0 },
  { unit: 7500, qty: 1, rate: 50, cancelled: 0, shipped: 0 },
  { unit: 999, qty: 2, rate: null, cancelled: 0, shipped: 0 },
];
const expected = LINES.map((l, i) => pendingCommission({ lineId: String(i + 1), unitAmount: l.unit, quantity: l.qty, cancelled: l.cancelled, shipped: l.shipped, returned: 0, rateBp: l.rate }));

describe('SQLite migrations that compute amounts do it in TypeScript, with the domain', () => {
  it('004 fills each existing line’s pending commission and revenue with the domain’s functions (half-even cases included)', () => {
    const file = oldDatabase('v3.db', 3);
    seedOrder(file, LINES);
    const db = openDatabase(file);
    const rows = db.prepare("SELECT pending FROM order_lines WHERE order_id = 'O-1' ORDER BY position").pluck().all();
    expect(rows).toEqual(expected);
    expect(expected).toEqual([50, 17, 12, 38, 0]);
    expect(db.prepare("SELECT revenue FROM order_lines WHERE order_id = 'O-1' ORDER BY position").pluck().all()).toEqual(LINES.map((l) => l.unit * l.qty));
    // Every migration applied, later features' ranges included.
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    db.close();
  });

  it('002 (from a version-1 database) and rebuildDailyTotals fold orders into the per-day totals with the domain’s pending and revenue', () => {
    const file = oldDatabase('v1.db', 1);
    seedOrder(file, LINES);
    const db = openDatabase(file);
    const totals = () => db.prepare("SELECT orders, items_ordered AS items, revenue, pending FROM daily_totals WHERE account_id = 'acc_1' AND currency = 'USD'").get();
    const credited = LINES.filter((l) => l.rate !== null);
    const want = { orders: 1, items: credited.reduce((n, l) => n + l.qty, 0), revenue: credited.reduce((n, l) => n + l.unit * l.qty, 0), pending: expected.reduce((a, b) => a + b, 0) };
    expect(totals()).toEqual(want);
    rebuildDailyTotals(db);
    expect(totals()).toEqual(want);
    db.close();
  });

  it('a breakdown sums the stored pending and revenue, equal to the summary’s', async () => {
    const file = oldDatabase('v1b.db', 1);
    seedOrder(file, LINES);
    const storage = openSqliteStorage(file);
    const scope = { from: AT - 86_400_000, to: AT + 86_400_000 };
    const summary = await storage.reports.summaryTotals(scope);
    const byCategory = await storage.reports.breakdownTotals('category', scope);
    const money = [...byCategory.values()].flatMap((r) => r.money);
    const revenue = LINES.filter((l) => l.rate !== null).reduce((n, l) => n + l.unit * l.qty, 0);
    expect(summary.money).toEqual([expect.objectContaining({ currency: 'USD', pending: 117, revenue })]);
    expect(money.reduce((n, m) => n + m.pending, 0)).toBe(117);
    expect(money.reduce((n, m) => n + m.revenue, 0)).toBe(revenue);
    await storage.close();
  });
});

describe('the SQLite adapter’s write mutex', () => {
  it('runs jobs one at a time in order, an idle one at once, and a failing job does not jam it', async () => {
    const mutex = serial();
    const order: string[] = [];
    let release!: () => void;
    const held = mutex.hold(() => new Promise<void>((r) => (release = () => (order.push('held'), r()))));
    const a = mutex.run(() => order.push('a'));
    const b = mutex.run(() => {
      throw new Error('b failed');
    });
    const c = mutex.run(() => order.push('c'));
    expect(order).toEqual([]);
    release();
    await held;
    await a;
    await expect(b).rejects.toThrow('b failed');
    await c;
    expect(order).toEqual(['held', 'a', 'c']);
    let ran = false;
    void mutex.run(() => (ran = true));
    expect(ran).toBe(true);
  });

  it('keeps another request’s write out of an open transaction: a rolled-back transaction loses only its own rows', async () => {
    const storage = openSqliteStorage(join(dir, 'tx.db'));
    let inside!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    const tx = storage.transaction(async (t) => {
      await t.accounts.insertAccount({ id: 'acc_tx', name: 'In tx', createdAt: 1 });
      inside();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll back');
    });
    await opened;
    const outside = storage.accounts.insertAccount({ id: 'acc_out', name: 'Outside', createdAt: 2 });
    await expect(tx).rejects.toThrow('roll back');
    await outside;
    expect((await storage.accounts.listAccounts()).map((a) => a.id)).toEqual(['acc_out']);
    await storage.close();
  });
});

describe('migrations by version, not by the newest', () => {
  it('applies a lower-numbered migration that arrives after a higher one was applied', () => {
    const file = oldDatabase('gap.db', 2);
    const db = new Database(file);
    // As if a feature's migration (numbered above 3) had been applied before 3 and 4 existed.
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(999, 'later feature', 0);
    db.close();
    const opened = openDatabase(file);
    const versions = (opened.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    const columns = (opened.prepare('PRAGMA table_info(order_lines)').all() as { name: string }[]).map((c) => c.name);
    opened.close();
    expect(versions).toEqual([...MIGRATIONS.map((m) => m.version), 999].sort((a, b) => a - b));
    expect(columns).toContain('pending');
  });
});
