// Migration 021 on whichever backend the matrix runs: a database written before a rejection
// counted in the per-day totals is brought to what the collector now writes.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOrderEvent, pendingCommission } from '../../src/domain/lifecycle.js';
import { reviewOrder } from '../../src/domain/integrity/review.js';
import { openDatabase, rebuildDailyTotals } from '../../src/db/database.js';
import { openStorage } from '../../src/storage/open.js';
import type { OrderLineRow, OrderRow, Storage } from '../../src/storage/port.js';
import { freshDatabase, ON_POSTGRES } from '../helpers/backend.js';

const ORDERED = Date.parse('2026-11-20T09:00:00Z');
const REJECTED = Date.parse('2026-11-22T10:00:00Z');

const order: OrderRow = {
  orderId: 'O-1', marketplace: 'us', currency: 'USD', orderedAt: ORDERED, contentHash: 'h', request: '{}', attributed: true, rule: 'ordered_within_click_window',
  clickId: null, tag: 'jane-20', creditedTag: 'jane-20', accountId: 'acc_1', unverifiedReferral: true, sub: null, response: '{}', receivedAt: ORDERED,
};
// SPEC §5 worked example: camera 1996, two books 117.
const line = (lineId: string, position: number, sku: string, category: string, quantity: number, unitAmount: number, rateBp: number): OrderLineRow => {
  const state = { lineId, unitAmount, quantity, cancelled: 0, shipped: 0, returned: 0, rateBp };
  return { ...state, orderId: 'O-1', position, sku, name: null, category, cartAddedAt: null, attributed: true, direct: position === 0, reason: 'ordered_within_click_window', commission: pendingCommission(state), pending: pendingCommission(state) };
};
const LINES = [line('1', 0, 'CAMERA', 'electronics', 1, 49900, 400), line('2', 1, 'BOOK', 'books', 2, 1299, 450)];

/** Held order O-1 placed on 20 Nov, its camera shipped that day, rejected on 22 Nov, written by the current code. */
async function rejectedOrder(storage: Storage): Promise<void> {
  await storage.accounts.insertAccount({ id: 'acc_1', name: 'Jane', createdAt: 0 });
  await storage.transaction(async (tx) => {
    await tx.orders.insertOrder(order, LINES);
    await tx.integrity.putHold({ orderId: 'O-1', holds: [{ rule: 'stuffing', detail: 'click not trusted (script click)' }], at: ORDERED });
  });
  const shipped = applyOrderEvent(LINES, { type: 'shipped', items: [{ lineId: '1', quantity: 1 }] });
  if (!shipped.ok) throw new Error(shipped.detail);
  const updated = shipped.lines.map((l) => ({ ...l, pending: pendingCommission(l) }));
  const entries = shipped.adjustments.map((a) => ({ orderId: 'O-1', lineId: a.lineId, accountId: 'acc_1', tag: 'jane-20', marketplace: 'us', currency: 'USD', kind: 'shipment' as const, quantity: a.quantity, amount: a.amount, at: ORDERED + 1000 }));
  await storage.transaction(async (tx) => {
    await tx.orders.appendEvent(order, { orderId: 'O-1', type: 'shipped', at: ORDERED + 1000, items: '[]', receivedAt: ORDERED + 1000 }, updated, entries, -1996);
  });
  await storage.transaction(async (tx) => {
    const outcome = reviewOrder({ orderId: 'O-1', hold: 'on_hold', entries: await tx.orders.entries('O-1'), lines: await tx.orders.lines('O-1') }, { decision: 'reject' }, { by: 'key_admin', at: REJECTED });
    if (!outcome.ok) throw new Error(outcome.detail);
    await tx.integrity.decide({ record: outcome.record, status: outcome.hold, reversals: outcome.reversals, pending: outcome.pending, order });
  });
}

/** Per day, earnings and pending; and the lines' stored pending. */
async function snapshot(storage: Storage) {
  const day = async (at: number) => (await storage.reports.summaryTotals({ from: at, to: at, accountId: 'acc_1' })).money.map((m) => [m.earnings, m.pending]);
  return { d20: await day(ORDERED), d22: await day(REJECTED), lines: (await storage.orders.lines('O-1')).map((l) => l.pending) };
}

/** Statements run straight on the database (what the code before migration 021 left behind). */
async function raw(db: string, statements: string[]): Promise<void> {
  if (!ON_POSTGRES) {
    const sqlite = new Database(db);
    for (const s of statements) sqlite.prepare(s).run();
    sqlite.close();
    return;
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

const open: Storage[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

describe(`migration 021: a rejected order in the per-day totals (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('adds stored reversals to their day\'s earnings and withdraws rejected orders\' pending, as a rejection now does', async () => {
    const db = await freshDatabase();
    const storage = await openStorage(db);
    await rejectedOrder(storage);
    const now = await snapshot(storage);
    // What the collector writes now: the reversal on 22 Nov, nothing pending for the rejected order.
    expect(now).toEqual({ d20: [[1996, 0]], d22: [[-1996, 0]], lines: [0, 0] });
    await storage.close();

    // The same history as the code before this migration stored it: no reversal in the totals, the books still pending.
    await raw(db, [
      "UPDATE daily_totals SET earnings = earnings + 1996 WHERE day = '2026-11-22'",
      "UPDATE daily_totals SET pending = pending + 117 WHERE day = '2026-11-20'",
      "UPDATE order_lines SET pending = 117 WHERE order_id = 'O-1' AND line_id = '2'",
      'DELETE FROM schema_migrations WHERE version = 21',
    ]);

    const migrated = await openStorage(db);
    open.push(migrated);
    expect(migrated.migrations.applied).toContain(21);
    expect(await snapshot(migrated)).toEqual(now);
    await migrated.close();
    open.pop();

    if (!ON_POSTGRES) {
      // A rebuild from the raw rows agrees (its fold takes reversals and rejections too).
      const sqlite = openDatabase(db);
      rebuildDailyTotals(sqlite);
      sqlite.close();
      const rebuilt = await openStorage(db);
      open.push(rebuilt);
      expect(await snapshot(rebuilt)).toEqual(now);
    }
  });

  it('a database with no rejected order is left as it was', async () => {
    const db = await freshDatabase();
    const storage = await openStorage(db);
    open.push(storage);
    await storage.accounts.insertAccount({ id: 'acc_1', name: 'Jane', createdAt: 0 });
    await storage.transaction((tx) => tx.orders.insertOrder(order, LINES));
    const before = await snapshot(storage);
    expect(before).toEqual({ d20: [[0, 2113]], d22: [], lines: [1996, 117] });
    await storage.close();
    open.pop();
    await raw(db, ['DELETE FROM schema_migrations WHERE version = 21']);
    const migrated = await openStorage(db);
    open.push(migrated);
    expect(migrated.migrations.applied).toContain(21);
    expect(await snapshot(migrated)).toEqual(before);
  });
});
