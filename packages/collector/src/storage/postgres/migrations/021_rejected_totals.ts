import type pg from 'pg';
import { pendingChange, type StoredLine } from '../../../domain/integrity/review.js';
import { dayOf } from '../rollups.js';

/**
 * A rejected order in the per-day totals (issue 19), as SQLite's migration 021. Until now a
 * rejection appended its reversing entries without adding them to the per-day earnings, and left
 * its lines' pending commission in place. No schema change: the data step below adds every
 * stored reversal to the earnings of the day it was recorded and withdraws rejected orders'
 * pending commission from their lines and from the day they were placed, with the domain's
 * `pendingChange` (SQL only adds up stored amounts).
 */
export const name = 'rejected_totals';

export const sql = '';

const BUMP = `INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, earnings, pending) VALUES ($1, $2::date, $3, $4, $5, $6, $7)
  ON CONFLICT (account_id, day, tag, marketplace, currency) DO UPDATE SET earnings = daily_totals.earnings + excluded.earnings, pending = daily_totals.pending + excluded.pending`;

export async function after(client: pg.ClientBase): Promise<void> {
  // The reversals: in `ledger_reversals` before migration 022, in the ledger after it (021 run again).
  const moved = (await client.query<{ t: string | null }>("SELECT to_regclass('ledger_reversals')::text AS t")).rows[0]?.t === null;
  const reversals = await client.query<{ accountId: string; day: string; tag: string; marketplace: string; currency: string; amount: number }>(
    `SELECT account_id AS "accountId", to_char(to_timestamp(at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, tag, marketplace, currency, sum(amount) AS amount
     FROM ${moved ? "ledger_entries WHERE kind = 'reversal'" : 'ledger_reversals'} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  );
  for (const r of reversals.rows) await client.query(BUMP, [r.accountId, r.day, r.tag, r.marketplace, r.currency, r.amount, 0]);
  type Row = StoredLine & { orderId: string; accountId: string | null; orderedAt: number; tag: string | null; marketplace: string; currency: string; attributed: boolean };
  const lines = await client.query<Row>(
    `SELECT o.order_id AS "orderId", o.account_id AS "accountId", o.ordered_at AS "orderedAt", o.credited_tag AS tag, o.marketplace, o.currency, o.attributed,
       l.line_id AS "lineId", l.unit_amount AS "unitAmount", l.quantity, l.cancelled, l.shipped, l.returned, l.rate_bp AS "rateBp", l.pending
     FROM order_holds h JOIN orders o ON o.order_id = h.order_id JOIN order_lines l ON l.order_id = o.order_id
     WHERE h.status = 'rejected' ORDER BY o.order_id, l.position`,
  );
  const byOrder = new Map<string, Row[]>();
  for (const r of lines.rows) {
    const list = byOrder.get(r.orderId);
    if (list) list.push(r);
    else byOrder.set(r.orderId, [r]);
  }
  for (const [orderId, rows] of byOrder) {
    const change = pendingChange('rejected', rows);
    for (const l of change.lines) await client.query('UPDATE order_lines SET pending = $1 WHERE order_id = $2 AND line_id = $3', [l.pending, orderId, l.lineId]);
    const o = rows[0]!;
    if (change.change !== 0 && o.attributed) {
      await client.query(BUMP, [o.accountId ?? '', dayOf(o.orderedAt), o.tag ?? '', o.marketplace, o.currency, 0, change.change]);
    }
  }
}
