// Money out's storage on both halves of the matrix: one statement key for several instances,
// the ledger chain append-only, a racing payout insert keeping the first payout and its entries.
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { Storage } from '../../src/storage/port.js';
import { statementKeys } from '../../src/services/money-out.js';
import type { Context } from '../../src/services/context.js';
import { DEFAULT_PROGRAM } from '../../src/config.js';
import { freshDatabase } from '../helpers/backend.js';

const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const ctxOf = (storage: Storage): Context => ({
  program: DEFAULT_PROGRAM,
  storage,
  now: Date.now,
  webhookSecrets: [],
  publish: () => {},
  observe: { events: () => {}, order: () => {}, ledgerEntries: () => {} },
});

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
});
