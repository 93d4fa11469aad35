// Money out's storage on both halves of the matrix: one statement key for several instances,
// ledger entries chained as they are written, a ledger the previous version left unchained
// chained once on upgrade, a racing payout insert keeping the first payout and its entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { OrderRow, Storage } from '../../src/storage/port.js';
import { balance, ledgerProblems, statementKeys, statements } from '../../src/services/money-out.js';
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

describe('migration 022: a rejection\'s reversals move into the ledger', () => {
  const SHIPPED = t('2026-11-20T10:00:00Z');
  const REJECTED = t('2026-11-22T10:00:00Z');

  /**
   * A database as the version before migration 022 left it: order o1 of acc_1 shipped (entry 1,
   * 1996, chained) and rejected, its reversal (-1996) in `ledger_reversals`, outside the ledger and
   * its chain. Answers entry 1's link.
   */
  async function beforeMigration022(db: string) {
    await (await openStorage(db)).close();
    const [shipment] = chain([{ id: 1, account: 'acc_1', currency: 'USD', kind: 'shipment', amount: 1996, quantity: 1, orderId: 'o1', lineId: '1', recordedAt: SHIPPED }]);
    const pg = isPostgresUrl(db);
    await exec(db, [
      pg
        ? `CREATE TABLE ledger_reversals (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, order_id text NOT NULL REFERENCES orders (order_id), line_id text NOT NULL,
             account_id text NOT NULL, tag text NOT NULL, marketplace text NOT NULL, currency text NOT NULL, quantity bigint NOT NULL, amount bigint NOT NULL, at bigint NOT NULL)`
        : `CREATE TABLE ledger_reversals (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL REFERENCES orders (order_id), line_id TEXT NOT NULL,
             account_id TEXT NOT NULL, tag TEXT NOT NULL, marketplace TEXT NOT NULL, currency TEXT NOT NULL, quantity INTEGER NOT NULL, amount INTEGER NOT NULL, at INTEGER NOT NULL)`,
      ...(pg
        ? [
            "CREATE FUNCTION ledger_reversals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger_reversals is append-only'; END $$",
            'ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_event_check',
          ]
        : []),
      'DELETE FROM schema_migrations WHERE version = 22',
      "INSERT INTO accounts (id, name, created_at) VALUES ('acc_1', 'Ann', 0)",
      `INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag, credited_tag, account_id, unverified_referral, response, received_at)
        VALUES ('o1', 'us', 'USD', ${SHIPPED - 3_600_000}, 'h', '{}', true, 'click_window', NULL, 'jane-20', 'jane-20', 'acc_1', false, '{}', 0)`,
      `INSERT INTO order_holds (order_id, status, holds, held_at, decided_at, decided_by, note) VALUES ('o1', 'rejected', '[{"rule":"stuffing","detail":"script click"}]', ${SHIPPED}, ${REJECTED}, 'key_admin', 'fake')`,
      `INSERT INTO order_events (id, order_id, type, at, items, received_at) VALUES (1, 'o1', 'shipped', ${SHIPPED}, '[]', ${SHIPPED})`,
      `INSERT INTO ledger_entries (id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
        VALUES (1, 1, 'o1', '1', 'acc_1', 'jane-20', 'us', 'USD', 'shipment', 1, 1996, ${SHIPPED})`,
      `INSERT INTO ledger_chain (entry_id, account_id, currency, recorded_at, reverses, prev_hash, hash) VALUES (1, 'acc_1', 'USD', ${SHIPPED}, NULL, '${shipment!.prevHash}', '${shipment!.hash}')`,
      `INSERT INTO ledger_heads (account_id, currency, entry_id, hash, recorded_at) VALUES ('acc_1', 'USD', 1, '${shipment!.hash}', ${SHIPPED})`,
      `INSERT INTO ledger_reversals (order_id, line_id, account_id, tag, marketplace, currency, quantity, amount, at) VALUES ('o1', '1', 'acc_1', 'jane-20', 'us', 'USD', 1, -1996, ${REJECTED})`,
      ...(pg ? ["SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), 1)", "SELECT setval(pg_get_serial_sequence('order_events', 'id'), 1)"] : []),
    ]);
    return shipment!;
  }

  it('affil db copy from a database made before migration 022 (left as it is) moves its reversals into the target\'s ledger, chained; the copy verifies', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'affil-copy-022-'));
    try {
      const source = join(dir, 'old.db');
      const shipment = await beforeMigration022(source);
      const target = await freshDatabase();
      const lines: string[] = [];
      const report = await copyDatabase(source, target, { progress: (l) => void lines.push(l) });
      expect(report.ok, lines.join('\n')).toBe(true);
      expect(report.ledger).toEqual([{ accountId: 'acc_1', currency: 'USD', source: '0 in 2 entries', target: '0 in 2 entries' }]);
      expect(lines.join('\n')).toContain('ledger_reversals: 1 reversing entry of a source made before migration 022, moved into ledger_entries');
      const storage = await openStorage(target);
      open.push(storage);
      const rows = await storage.payouts.moneyEntries('acc_1');
      expect(rows.map((r) => [r.id, r.kind, r.amount, r.recordedAt, r.reverses])).toEqual([[1, 'shipment', 1996, SHIPPED, null], [2, 'reversal', -1996, REJECTED, 1]]);
      expect(rows[0]!.hash).toBe(shipment.hash);
      expect(await ledgerProblems(ctxOf(storage))).toEqual({ entries: 2, chains: 1, problems: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves each reversal into the ledger as kind reversal at its own time, chained after the head, naming its shipment; balances net it; ledger_reversals goes', { timeout: 60_000 }, async () => {
    const db = await freshDatabase();
    const shipment = await beforeMigration022(db);
    const storage = await openStorage(db);
    open.push(storage);
    expect(storage.migrations.applied).toContain(22);
    const rows = await storage.payouts.moneyEntries('acc_1');
    expect(rows.map((r) => [r.id, r.kind, r.amount, r.recordedAt, r.reverses])).toEqual([[1, 'shipment', 1996, SHIPPED, null], [2, 'reversal', -1996, REJECTED, 1]]);
    expect(rows[1]!.prevHash).toBe(shipment.hash);
    expect(await storage.payouts.unchainedEntries(10)).toEqual([]);
    const ctx = ctxOf(storage, () => t('2027-02-01T00:00:00Z'));
    expect(await ledgerProblems(ctx)).toEqual({ entries: 2, chains: 1, problems: [] });
    expect(((await balance(ctx, ADMIN, { account: 'acc_1' })) as { byCurrency: unknown }).byCurrency).toEqual({ USD: { pending: 0, maturing: 0, payable: 0, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 } });
    expect(await storage.integrity.reversals('o1')).toEqual([{ id: 2, orderId: 'o1', lineId: '1', accountId: 'acc_1', tag: 'jane-20', marketplace: 'us', currency: 'USD', quantity: 1, amount: -1996, at: REJECTED, kind: 'reversal' }]);
    const keys = jwkSet(await statementKeys(ctx));
    const november = (await statements(ctx, ADMIN, { month: '2026-11', account: 'acc_1', currency: 'USD' })).body as { entries: { id: number }[]; closingBalance: number };
    expect(verifyStatement(november, keys)).toEqual([]);
    expect([november.entries.map((e) => e.id), november.closingBalance]).toEqual([[1, 2], 0]);
    await expect(exec(db, ['SELECT count(*) FROM ledger_reversals'])).rejects.toThrow(/ledger_reversals/);
    // An entry's kind and its event agree: a reversal has none, a shipment must.
    await expect(exec(db, [`INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
      VALUES (NULL, 'o1', '1', 'acc_1', 'jane-20', 'us', 'USD', 'shipment', 1, 5, 0)`])).rejects.toThrow(/constraint|CHECK/i);
  });
});
