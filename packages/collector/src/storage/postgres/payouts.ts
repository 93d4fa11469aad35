import type { MoneyEntryRow, PayoutDetailsRow, PayoutRow, PayoutStore, PendingRow, UnchainedEntryRow } from '../payouts-port.js';
import type { Sql } from './sql.js';

const PAYOUT_COLUMNS = `id, account_id AS "accountId", currency, amount, through, generation, status, reference,
  created_at AS "createdAt", paid_at AS "paidAt", cancelled_at AS "cancelledAt"`;

const withEntries = (rows: Omit<PayoutRow, 'entries'>[], links: { payoutId: string; entryId: number }[]): PayoutRow[] => {
  const byPayout = new Map<string, number[]>();
  for (const l of links) {
    const list = byPayout.get(l.payoutId);
    if (list) list.push(l.entryId);
    else byPayout.set(l.payoutId, [l.entryId]);
  }
  return rows.map((r) => ({ ...r, entries: byPayout.get(r.id) ?? [] }));
};

/** SQL for money out: chained ledger entries, payouts and their entries, payout details (the chain is written by `ledger-chain.ts`). */
export function payoutStore(sql: Sql): PayoutStore {
  return {
    unchainedEntries: (limit) =>
      sql.all<UnchainedEntryRow>(
        `SELECT e.id, e.account_id AS "accountId", e.currency, e.kind, e.amount, e.quantity, e.order_id AS "orderId", e.line_id AS "lineId",
           coalesce(ev.received_at, e.at) AS "recordedAt"
         FROM ledger_entries e LEFT JOIN order_events ev ON ev.id = e.event_id
         WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT @limit`,
        { limit },
      ),
    moneyEntries: (accountId, currency) =>
      sql.all<MoneyEntryRow>(
        `SELECT e.id, e.account_id AS "accountId", e.currency, e.kind, e.amount, e.quantity, e.order_id AS "orderId", e.line_id AS "lineId", e.at,
           c.recorded_at AS "recordedAt", c.reverses, c.prev_hash AS "prevHash", c.hash, o.rule, l.rate_bp AS "rateBp"
         FROM ledger_chain c JOIN ledger_entries e ON e.id = c.entry_id
         LEFT JOIN orders o ON o.order_id = e.order_id
         LEFT JOIN order_lines l ON l.order_id = e.order_id AND l.line_id = e.line_id
         WHERE (@accountId::text IS NULL OR c.account_id = @accountId) AND (@currency::text IS NULL OR c.currency = @currency)
         ORDER BY c.entry_id`,
        { accountId, currency: currency ?? null },
      ),
    pendingLines: (accountId) =>
      sql.all<PendingRow>(
        `SELECT o.account_id AS "accountId", o.currency, l.pending FROM order_lines l JOIN orders o ON o.order_id = l.order_id
         WHERE l.pending <> 0 AND o.account_id IS NOT NULL AND (@accountId::text IS NULL OR o.account_id = @accountId)`,
        { accountId },
      ),
    listPayouts: async (accountId, through) => {
      const params = { accountId, through: through ?? null };
      const where = '(@accountId::text IS NULL OR p.account_id = @accountId) AND (@through::text IS NULL OR p.through = @through)';
      const rows = await sql.all<Omit<PayoutRow, 'entries'>>(`SELECT ${PAYOUT_COLUMNS} FROM payouts p WHERE ${where} ORDER BY created_at, id`, params);
      const links = await sql.all<{ payoutId: string; entryId: number }>(
        `SELECT pe.payout_id AS "payoutId", pe.entry_id AS "entryId" FROM payout_entries pe JOIN payouts p ON p.id = pe.payout_id WHERE ${where} ORDER BY pe.entry_id`,
        params,
      );
      return withEntries(rows, links);
    },
    getPayout: async (id) => {
      const row = await sql.get<Omit<PayoutRow, 'entries'>>(`SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = @id`, { id });
      if (!row) return undefined;
      const entries = await sql.all<{ entryId: number }>('SELECT entry_id AS "entryId" FROM payout_entries WHERE payout_id = @id ORDER BY entry_id', { id });
      return { ...row, entries: entries.map((e) => e.entryId) };
    },
    // A payout whose id exists (a racing run's) is left as it is, with its entries.
    insertPayouts: (rows) =>
      sql.atomic(async (s) => {
        for (const { entries, ...row } of rows) {
          const inserted = await s.run(
            `INSERT INTO payouts (id, account_id, currency, amount, through, generation, status, reference, created_at, paid_at, cancelled_at)
             VALUES (@id, @accountId, @currency, @amount, @through, @generation, @status, @reference, @createdAt, @paidAt, @cancelledAt) ON CONFLICT DO NOTHING`,
            { ...row },
          );
          if (inserted === 0 || entries.length === 0) continue;
          await s.run('INSERT INTO payout_entries (payout_id, entry_id) SELECT @id, unnest(@entries::bigint[])', { id: row.id, entries });
        }
      }),
    updatePayout: async (row) => {
      await sql.run('UPDATE payouts SET status = @status, reference = @reference, paid_at = @paidAt, cancelled_at = @cancelledAt WHERE id = @id', {
        id: row.id, status: row.status, reference: row.reference, paidAt: row.paidAt, cancelledAt: row.cancelledAt,
      });
    },
    payoutDetails: (accountId) =>
      sql.all<PayoutDetailsRow>(
        `SELECT a.id AS "accountId", a.name, d.payout_method AS "payoutMethod", d.payout_email AS "payoutEmail"
         FROM accounts a LEFT JOIN payout_details d ON d.account_id = a.id WHERE @accountId::text IS NULL OR a.id = @accountId ORDER BY a.id`,
        { accountId },
      ),
    setPayoutDetails: async (accountId, method, email) => {
      await sql.run(
        `INSERT INTO payout_details (account_id, payout_method, payout_email) VALUES (@accountId, @method, @email)
         ON CONFLICT (account_id) DO UPDATE SET payout_method = excluded.payout_method, payout_email = excluded.payout_email`,
        { accountId, method, email },
      );
    },
  };
}
