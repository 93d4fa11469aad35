// Money out's storage on both halves of the matrix: one statement key for several instances,
// ledger entries chained as they are written, a ledger the previous version left unchained
// chained once on upgrade, a racing payout insert keeping the first payout and its entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { OrderRow, Storage } from '../../src/storage/port.js';
import { ledgerProblems, statementKeys, statements } from '../../src/services/money-out.js';
import type { Context } from '../../src/services/context.js';
import { DEFAULT_PROGRAM } from '../../src/config.js';
import { chain, type ChainedContent } from '../../src/domain/ledger-chain.js';
import { jwkSet } from '../../src/domain/statement.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';
import { freshDatabase } from '../helpers/backend.js';
import { copyDatabase } from '../../src/storage/copy.js';
import { isPostgresUrl } from '../../src/storage/open.js';
import { query } from './pg-helpers.js';

/** Statements run as they are, outside the collector (one at a time): what a database holds, written by hand. */
async function exec(db: string, statements: string[]): Promise<void> {
  if (isPostgresUrl(db)) {
    for (const sql of statements) await query(db, sql);
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const handle = new Database(db);
  try {
    for (const sql of statements) handle.exec(sql);
  } finally {
    handle.close();
  }
}

const t = (iso: string) => Date.parse(iso);
const ADMIN = { role: 'admin' as const, keyId: 'test' };

const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const ctxOf = (storage: Storage, now = Date.now): Context => ({
  program: DEFAULT_PROGRAM,
  storage,
  now,
  webhookSecrets: [],
  publish: () => {},
  observe: { events: () => {}, order: () => {}, ledgerEntries: () => {} },
});

/**
 * A database as the version before migration 011 left it: no heads, no fork guard, 011 not applied.
 * acc_1 USD: entries 1, 2 and 4 chained lazily; 3 (committed late: below the head), 6 written since;
 * acc_2 USD: 5, never chained. Answers the lazily made links of 1, 2 and 4.
 */
async function previousVersion(db: string) {
  await (await openStorage(db)).close();
  const entry = (id: number, account: string, order: string, kind: string, quantity: number, amount: number, recorded: string) => ({ id, account, order, kind, quantity, amount, recordedAt: t(recorded) });
  const entries = [
    entry(1, 'acc_1', 'o1', 'shipment', 2, 180, '2026-11-10T10:00:00Z'),
    entry(2, 'acc_1', 'o2', 'shipment', 1, 90, '2026-11-11T10:00:00Z'),
    entry(3, 'acc_1', 'o1', 'return', 1, -90, '2026-11-11T11:00:00Z'),
    entry(4, 'acc_1', 'o3', 'shipment', 1, 90, '2026-11-12T10:00:00Z'),
    entry(5, 'acc_2', 'o4', 'shipment', 1, 90, '2026-11-12T11:00:00Z'),
    entry(6, 'acc_1', 'o3', 'return', 1, -90, '2026-12-02T10:00:00Z'),
  ];
  const old = chain(entries.filter((e) => [1, 2, 4].includes(e.id)).map((e) => ({ id: e.id, account: e.account, currency: 'USD', kind: e.kind, amount: e.amount, quantity: e.quantity, orderId: e.order, lineId: 'l1', recordedAt: e.recordedAt })));
  await exec(db, [
    'DROP TABLE ledger_heads',
    'DROP INDEX ledger_chain_one_successor',
    'DELETE FROM schema_migrations WHERE version = 11',
    "INSERT INTO accounts (id, name, created_at) VALUES ('acc_1', 'Ann', 0), ('acc_2', 'Bob', 0)",
    ...['o1', 'o2', 'o3', 'o4'].map((o) => `INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag, credited_tag, account_id, unverified_referral, response, received_at)
      VALUES ('${o}', 'us', 'USD', ${t('2026-11-09T10:00:00Z')}, 'h', '{}', true, 'click_window', NULL, 't-20', 't-20', '${o === 'o4' ? 'acc_2' : 'acc_1'}', false, '{}', 0)`),
    ...entries.flatMap((e) => [
      `INSERT INTO order_events (id, order_id, type, at, items, received_at) VALUES (${e.id}, '${e.order}', '${e.kind === 'return' ? 'returned' : 'shipped'}', ${e.recordedAt}, '[]', ${e.recordedAt})`,
      `INSERT INTO ledger_entries (id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
        VALUES (${e.id}, ${e.id}, '${e.order}', 'l1', '${e.account}', 't-20', 'us', 'USD', '${e.kind}', ${e.quantity}, ${e.amount}, ${e.recordedAt})`,
    ]),
    ...old.map((l) => `INSERT INTO ledger_chain (entry_id, account_id, currency, recorded_at, reverses, prev_hash, hash) VALUES (${l.id}, '${l.account}', 'USD', ${l.recordedAt}, NULL, '${l.prevHash}', '${l.hash}')`),
    ...(isPostgresUrl(db) ? ["SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), 6)", "SELECT setval(pg_get_serial_sequence('order_events', 'id'), 6)"] : []),
  ]);
  return old;
}

/** Both months of acc_1 in USD verify, the second continuing the first; answers their entry ids. */
async function acc1Statements(ctx: Context): Promise<number[][]> {
  const keys = jwkSet(await statementKeys(ctx));
  let previous: unknown;
  const ids: number[][] = [];
  for (const month of ['2026-11', '2026-12']) {
    const body = (await statements(ctx, ADMIN, { month, account: 'acc_1', currency: 'USD' })).body as { entries: { id: number }[] };
    expect(verifyStatement(body, keys, previous ? { previous } : {}), month).toEqual([]);
    ids.push(body.entries.map((e) => e.id));
    previous = body;
  }
  return ids;
}

/** A shipment of order o3 for acc_1 (90) through the port. */
const shipO3 = (storage: Storage, at: string) =>
  storage.transaction(async (tx) => tx.orders.appendEvent((await tx.orders.findOrder('o3'))!, { orderId: 'o3', type: 'shipped', at: t(at), items: '[]', receivedAt: t(at) }, [],
    [{ orderId: 'o3', lineId: 'l1', accountId: 'acc_1', tag: 't-20', marketplace: 'us', currency: 'USD', kind: 'shipment', quantity: 1, amount: 90, at: t(at) }], 0));

describe('money out storage', () => {
  it('several instances starting at once agree on one statement key', async () => {
    const db = await freshDatabase();
    const first = await openStorage(db);
    open.push(first);
    const others = await Promise.all([openStorage(db), openStorage(db)]);
    open.push(...others);
    const keys = await Promise.all([first, ...others].map((s) => statementKeys(ctxOf(s))));
    const kids = keys.map((k) => k.map((key) => key.kid));
    expect(kids[0]).toHaveLength(1);
    expect(kids[1]).toEqual(kids[0]);
    expect(kids[2]).toEqual(kids[0]);
  });

  it('a payout whose id exists is left as it was, with its entries; status changes update it alone', async () => {
    const storage = await openStorage(await freshDatabase());
    open.push(storage);
    await storage.accounts.insertAccount({ id: 'acc_1', name: 'Ann', createdAt: 1 });
    const row = { id: 'po_1', accountId: 'acc_1', currency: 'USD', amount: 1500, through: '2026-10-31', generation: 0, status: 'created' as const, reference: null, createdAt: 10, paidAt: null, cancelledAt: null, entries: [] as number[] };
    await storage.payouts.insertPayouts([row]);
    await storage.payouts.insertPayouts([{ ...row, amount: 9999, createdAt: 20 }]);
    expect(await storage.payouts.getPayout('po_1')).toEqual(row);
    await storage.payouts.updatePayout({ ...row, status: 'paid', reference: 'PP-1', paidAt: 30 });
    expect(await storage.payouts.getPayout('po_1')).toEqual({ ...row, status: 'paid', reference: 'PP-1', paidAt: 30 });
    expect(await storage.payouts.listPayouts('acc_1', '2026-10-31')).toHaveLength(1);
    expect(await storage.payouts.listPayouts('acc_1', '2026-11-30')).toEqual([]);
    expect(await storage.payouts.payoutDetails('acc_1')).toEqual([{ accountId: 'acc_1', name: 'Ann', payoutMethod: null, payoutEmail: null }]);
    await storage.payouts.setPayoutDetails('acc_1', 'wise', 'ann@example.com');
    expect(await storage.payouts.payoutDetails(null)).toEqual([{ accountId: 'acc_1', name: 'Ann', payoutMethod: 'wise', payoutEmail: 'ann@example.com' }]);
  });

  it('a shipment and a return are chained in the transaction that writes them; the return names its shipment', async () => {
    const storage = await openStorage(await freshDatabase());
    open.push(storage);
    await storage.accounts.insertAccount({ id: 'acc_1', name: 'Ann', createdAt: 1 });
    const order: OrderRow = {
      orderId: 'o1', marketplace: 'us', currency: 'USD', orderedAt: t('2026-11-10T10:00:00Z'), contentHash: 'h', request: '{}', attributed: true, rule: 'click_window',
      clickId: null, tag: 'ann-20', creditedTag: 'ann-20', accountId: 'acc_1', unverifiedReferral: false, response: '{}', receivedAt: t('2026-11-10T10:00:00Z'),
    };
    const line = { orderId: 'o1', lineId: 'l1', position: 0, sku: 'B0', name: null, category: 'books', quantity: 3, unitAmount: 2000, cartAddedAt: null, attributed: true, direct: true, reason: 'r', rateBp: 450, commission: 270, cancelled: 0, shipped: 0, returned: 0, pending: 270 };
    await storage.orders.insertOrder(order, [line]);
    const entry = (kind: 'shipment' | 'return', quantity: number, amount: number) => ({ orderId: 'o1', lineId: 'l1', accountId: 'acc_1', tag: 'ann-20', marketplace: 'us', currency: 'USD', kind, quantity, amount, at: t('2026-11-11T10:00:00Z') });
    const append = (type: string, receivedAt: string, entries: ReturnType<typeof entry>[], moved: Partial<typeof line>) =>
      storage.transaction((tx) => tx.orders.appendEvent(order, { orderId: 'o1', type, at: t(receivedAt), items: '[]', receivedAt: t(receivedAt) }, [{ ...line, ...moved }], entries, 0));
    await append('shipped', '2026-11-11T10:00:00Z', [entry('shipment', 2, 180)], { shipped: 2, pending: 90 });
    await append('shipped', '2026-11-12T10:00:00Z', [entry('shipment', 1, 90)], { shipped: 3, pending: 0 });
    await append('returned', '2026-11-13T10:00:00Z', [entry('return', 1, -90)], { returned: 1 });
    await append('cancelled', '2026-11-14T10:00:00Z', [], {});

    expect(await storage.payouts.unchainedEntries(10)).toEqual([]);
    const rows = await storage.payouts.moneyEntries('acc_1', 'USD');
    expect(rows.map((r) => [r.kind, r.amount, r.reverses, r.recordedAt])).toEqual([
      ['shipment', 180, null, t('2026-11-11T10:00:00Z')],
      ['shipment', 90, null, t('2026-11-12T10:00:00Z')],
      ['return', -90, rows[0]!.id, t('2026-11-13T10:00:00Z')],
    ]);
    const content = rows.map((r): ChainedContent => ({ id: r.id, account: r.accountId, currency: r.currency, kind: r.kind, amount: r.amount, quantity: r.quantity, orderId: r.orderId, lineId: r.lineId, recordedAt: r.recordedAt, reverses: r.reverses ?? undefined }));
    // The links are those of chaining the whole ledger at once.
    expect(rows.map((r) => [r.prevHash, r.hash])).toEqual(chain(content).map((l) => [l.prevHash, l.hash]));
    expect(await ledgerProblems(ctxOf(storage))).toEqual({ entries: 3, chains: 1, problems: [] });
  });

  it('upgrade: entries the previous version left unchained (one committed late, below its chain’s head) are chained once, at start; statements verify', { timeout: 60_000 }, async () => {
    const db = await freshDatabase();
    const old = await previousVersion(db);
    const storage = await openStorage(db);
    open.push(storage);
    expect(storage.migrations.applied).toContain(11);
    expect(await storage.payouts.unchainedEntries(10)).toEqual([]);
    const rows = await storage.payouts.moneyEntries(null);
    // The lazily chained links stay as they were; the rest follow the heads, returns naming their shipments.
    expect(rows.filter((r) => [1, 2, 4].includes(r.id)).map((r) => r.hash)).toEqual(old.map((l) => l.hash));
    expect(rows.map((r) => [r.id, r.reverses])).toEqual([[1, null], [2, null], [3, 1], [4, null], [5, null], [6, 4]]);
    expect(rows.find((r) => r.id === 3)!.prevHash).toBe(old[2]!.hash);
    const ctx = ctxOf(storage, () => t('2027-01-05T00:00:00Z'));
    expect(await ledgerProblems(ctx)).toEqual({ entries: 6, chains: 2, problems: [] });
    expect(await acc1Statements(ctx)).toEqual([[1, 2, 4, 3], [6]]);

    // New entries go on after the heads the upgrade left; a second start chains nothing again.
    await shipO3(storage, '2026-12-03T10:00:00Z');
    const after = await storage.payouts.moneyEntries('acc_1');
    expect(after.at(-1)).toMatchObject({ id: 7, prevHash: rows.find((r) => r.id === 6)!.hash });
    const again = await openStorage(db);
    open.push(again);
    expect(await ledgerProblems(ctxOf(again))).toEqual({ entries: 7, chains: 2, problems: [] });
  });

  it('affil db copy from a database made before migration 011: the target has every entry chained, heads where they belong', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'affil-copy-old-'));
    try {
      const source = join(dir, 'old.db');
      await previousVersion(source);
      const target = await freshDatabase();
      expect((await copyDatabase(source, target)).ok).toBe(true);
      const storage = await openStorage(target);
      open.push(storage);
      const ctx = ctxOf(storage, () => t('2027-01-05T00:00:00Z'));
      expect(await ledgerProblems(ctx)).toEqual({ entries: 6, chains: 2, problems: [] });
      expect(await acc1Statements(ctx)).toEqual([[1, 2, 4, 3], [6]]);
      await shipO3(storage, '2026-12-03T10:00:00Z');
      expect(await ledgerProblems(ctx)).toEqual({ entries: 7, chains: 2, problems: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a link added without moving the head (a collector of the previous version chaining lazily): the next entry goes after it, no fork', async () => {
    const db = await freshDatabase();
    await previousVersion(db);
    const storage = await openStorage(db);
    open.push(storage);
    // Entry 7 written and chained the old way: onto the last link, ledger_heads left as it was.
    const [last] = (await storage.payouts.moneyEntries('acc_1')).slice(-1);
    const seven = chain([{ id: 7, account: 'acc_1', currency: 'USD', kind: 'shipment', amount: 90, quantity: 1, orderId: 'o2', lineId: 'l1', recordedAt: t('2026-12-03T10:00:00Z') }], last!.hash)[0]!;
    await exec(db, [
      `INSERT INTO order_events (id, order_id, type, at, items, received_at) VALUES (7, 'o2', 'shipped', ${seven.recordedAt}, '[]', ${seven.recordedAt})`,
      `INSERT INTO ledger_entries (id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at) VALUES (7, 7, 'o2', 'l1', 'acc_1', 't-20', 'us', 'USD', 'shipment', 1, 90, ${seven.recordedAt})`,
      `INSERT INTO ledger_chain (entry_id, account_id, currency, recorded_at, reverses, prev_hash, hash) VALUES (7, 'acc_1', 'USD', ${seven.recordedAt}, NULL, '${seven.prevHash}', '${seven.hash}')`,
      ...(isPostgresUrl(db) ? ["SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), 7)", "SELECT setval(pg_get_serial_sequence('order_events', 'id'), 7)"] : []),
    ]);
    await shipO3(storage, '2026-12-04T10:00:00Z');
    const rows = await storage.payouts.moneyEntries('acc_1');
    expect(rows.at(-1)).toMatchObject({ id: 8, prevHash: seven.hash });
    expect(await ledgerProblems(ctxOf(storage))).toEqual({ entries: 8, chains: 2, problems: [] });
  });
});
