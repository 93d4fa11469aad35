import type { Db } from './database.js';
import type { MoneyEntryRow, PayoutDetailsRow, PayoutRow, PendingRow, UnchainedEntryRow } from '../storage/payouts-port.js';

const PAYOUT_COLUMNS = `id, account_id AS accountId, currency, amount, through, generation, status, reference,
  created_at AS createdAt, paid_at AS paidAt, cancelled_at AS cancelledAt`;

/** SQL for money out: chained ledger entries, payouts and their entries, payout details (the chain is written by `ledger-chain.ts`). */
export function payoutStore(db: Db) {
  const s = {
    unchained: db.prepare<[number], UnchainedEntryRow>(`SELECT e.id, e.account_id AS accountId, e.currency, e.kind, e.amount, e.quantity,
        e.order_id AS orderId, e.line_id AS lineId, coalesce(ev.received_at, e.at) AS recordedAt
      FROM ledger_entries e LEFT JOIN order_events ev ON ev.id = e.event_id
      WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT ?`),
    entries: db.prepare<{ accountId: string | null; currency: string | null }, MoneyEntryRow>(`SELECT e.id, e.account_id AS accountId, e.currency, e.kind,
        e.amount, e.quantity, e.order_id AS orderId, e.line_id AS lineId, e.at, c.recorded_at AS recordedAt, c.reverses,
        c.prev_hash AS prevHash, c.hash, o.rule, l.rate_bp AS rateBp
      FROM ledger_chain c JOIN ledger_entries e ON e.id = c.entry_id
      LEFT JOIN orders o ON o.order_id = e.order_id
      LEFT JOIN order_lines l ON l.order_id = e.order_id AND l.line_id = e.line_id
      WHERE (@accountId IS NULL OR c.account_id = @accountId) AND (@currency IS NULL OR c.currency = @currency)
      ORDER BY c.entry_id`),
    pending: db.prepare<{ accountId: string | null }, PendingRow>(`SELECT o.account_id AS accountId, o.currency, l.pending
      FROM order_lines l JOIN orders o ON o.order_id = l.order_id
      WHERE l.pending <> 0 AND o.account_id IS NOT NULL AND (@accountId IS NULL OR o.account_id = @accountId)`),
    payouts: db.prepare<{ accountId: string | null; through: string | null }, Omit<PayoutRow, 'entries'>>(`SELECT ${PAYOUT_COLUMNS} FROM payouts
      WHERE (@accountId IS NULL OR account_id = @accountId) AND (@through IS NULL OR through = @through) ORDER BY created_at, id`),
    payoutEntries: db.prepare<{ accountId: string | null; through: string | null }, { payoutId: string; entryId: number }>(`SELECT pe.payout_id AS payoutId, pe.entry_id AS entryId
      FROM payout_entries pe JOIN payouts p ON p.id = pe.payout_id
      WHERE (@accountId IS NULL OR p.account_id = @accountId) AND (@through IS NULL OR p.through = @through) ORDER BY pe.entry_id`),
    payout: db.prepare<[string], Omit<PayoutRow, 'entries'>>(`SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = ?`),
    entriesOf: db.prepare<[string], number>('SELECT entry_id FROM payout_entries WHERE payout_id = ? ORDER BY entry_id').pluck(),
    insertPayout: db.prepare(`INSERT INTO payouts (id, account_id, currency, amount, through, generation, status, reference, created_at, paid_at, cancelled_at)
      VALUES (@id, @accountId, @currency, @amount, @through, @generation, @status, @reference, @createdAt, @paidAt, @cancelledAt) ON CONFLICT DO NOTHING`),
    insertPayoutEntry: db.prepare('INSERT INTO payout_entries (payout_id, entry_id) VALUES (?, ?)'),
    updatePayout: db.prepare('UPDATE payouts SET status = @status, reference = @reference, paid_at = @paidAt, cancelled_at = @cancelledAt WHERE id = @id'),
    details: db.prepare<{ accountId: string | null }, PayoutDetailsRow>(`SELECT a.id AS accountId, a.name, d.payout_method AS payoutMethod, d.payout_email AS payoutEmail
      FROM accounts a LEFT JOIN payout_details d ON d.account_id = a.id WHERE @accountId IS NULL OR a.id = @accountId ORDER BY a.id`),
    setDetails: db.prepare(`INSERT INTO payout_details (account_id, payout_method, payout_email) VALUES (?, ?, ?)
      ON CONFLICT (account_id) DO UPDATE SET payout_method = excluded.payout_method, payout_email = excluded.payout_email`),
  };
  const withEntries = (rows: Omit<PayoutRow, 'entries'>[], links: { payoutId: string; entryId: number }[]): PayoutRow[] => {
    const byPayout = new Map<string, number[]>();
    for (const l of links) {
      const list = byPayout.get(l.payoutId);
      if (list) list.push(l.entryId);
      else byPayout.set(l.payoutId, [l.entryId]);
    }
    return rows.map((r) => ({ ...r, entries: byPayout.get(r.id) ?? [] }));
  };
  return {
    unchainedEntries: (limit: number): UnchainedEntryRow[] => s.unchained.all(limit),
    moneyEntries: (accountId: string | null, currency?: string): MoneyEntryRow[] => s.entries.all({ accountId, currency: currency ?? null }),
    pendingLines: (accountId: string | null): PendingRow[] => s.pending.all({ accountId }),
    listPayouts: (accountId: string | null, through?: string): PayoutRow[] => {
      const q = { accountId, through: through ?? null };
      return withEntries(s.payouts.all(q), s.payoutEntries.all(q));
    },
    getPayout: (id: string): PayoutRow | undefined => {
      const row = s.payout.get(id);
      return row && { ...row, entries: s.entriesOf.all(id) };
    },
    insertPayouts: (rows: readonly PayoutRow[]): void => {
      for (const { entries, ...row } of rows) {
        if (s.insertPayout.run(row).changes === 0) continue;
        for (const entryId of entries) s.insertPayoutEntry.run(row.id, entryId);
      }
    },
    updatePayout: (row: PayoutRow): void => void s.updatePayout.run({ id: row.id, status: row.status, reference: row.reference, paidAt: row.paidAt, cancelledAt: row.cancelledAt }),
    payoutDetails: (accountId: string | null): PayoutDetailsRow[] => s.details.all({ accountId }),
    setPayoutDetails: (accountId: string, method: 'paypal' | 'wise' | null, email: string | null): void => void s.setDetails.run(accountId, method, email),
  };
}
