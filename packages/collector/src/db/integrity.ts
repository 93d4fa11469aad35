import type { Db } from './database.js';
import type { Hold, IntegrityRule } from '../domain/integrity/rules.js';
import { holdRow, type HeldOrderRow, type OrderHoldRow, type ReversalRow, type ReviewWrite, type StoredHold } from '../storage/integrity-port.js';
import { rollupWriter } from './rollups.js';
import { chainWriter } from './ledger-chain.js';

/** SQL for program integrity (issue 19): salts, sign-in visitors, holds, reviews, reversals. */
export function integrityStore(db: Db) {
  const insertSalt = db.prepare('INSERT INTO visitor_salts (day, salt, created_at) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING');
  const salt = db.prepare<[string], string>('SELECT salt FROM visitor_salts WHERE day = ?').pluck();
  const purgeSalts = db.prepare('DELETE FROM visitor_salts WHERE day < ?');
  const purgeKeyVisitors = db.prepare('DELETE FROM key_visitors WHERE first_seen < ?');
  const insertKeyVisitor = db.prepare(`INSERT INTO key_visitors (account_id, day, visitor, key_id, first_seen)
    VALUES (@accountId, @day, @visitor, @keyId, @at) ON CONFLICT (account_id, day, visitor) DO NOTHING`);
  const signedIn = db.prepare<[string, string], { day: string }>('SELECT day FROM key_visitors WHERE account_id = ? AND visitor = ? ORDER BY day LIMIT 1');
  const landing = db.prepare<[string], { id: string; tag: string; visitor: string | null; at: number }>('SELECT id, tag, visitor, at FROM landings WHERE click_id = ? ORDER BY at, id LIMIT 1');
  const sameVisitor = db.prepare<[string, string, number, number], { id: string; at: number }>(
    'SELECT id, at FROM clicks WHERE visitor = ? AND tag = ? AND at BETWEEN ? AND ? ORDER BY at, id',
  );
  const beacons = db.prepare<Record<string, unknown>, { others: number; clicksOnTag: number }>(`SELECT
      (SELECT count(*) FROM clicks WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id != @except)
      + (SELECT count(*) FROM pageviews WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id != @except)
      + (SELECT count(*) FROM landings WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id != @except)
      + (SELECT count(*) FROM cart_adds WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id != @except) AS others,
      (SELECT count(*) FROM clicks WHERE visitor = @visitor AND tag = @tag AND at BETWEEN @from AND @to AND id != @except) AS clicksOnTag`);
  const throughClick = db.prepare<[string], number>('SELECT count(*) FROM orders WHERE click_id = ? AND attributed = 1').pluck();
  const insertHold = db.prepare("INSERT INTO order_holds (order_id, status, holds, held_at) VALUES (?, 'on_hold', ?, ?)");
  const HOLD_COLUMNS = 'order_id AS orderId, status, holds, held_at AS heldAt, decided_at AS decidedAt, decided_by AS decidedBy, note';
  const holdOf = db.prepare<[string], StoredHold>(`SELECT ${HOLD_COLUMNS} FROM order_holds WHERE order_id = ?`);
  const decide = db.prepare<Record<string, unknown>>(`UPDATE order_holds SET status = @status, decided_at = @at, decided_by = @by, note = @note
    WHERE order_id = @orderId AND status = 'on_hold'`);
  // A reversal is a ledger entry of kind `reversal` without an order event (migration 022), chained like every entry.
  const insertReversal = db.prepare(`INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
    VALUES (NULL, @orderId, @lineId, @accountId, @tag, @marketplace, @currency, 'reversal', @quantity, @amount, @at)`);
  const chain = chainWriter(db);
  const setLinePending = db.prepare('UPDATE order_lines SET pending = @pending WHERE order_id = @orderId AND line_id = @lineId');
  const bump = rollupWriter(db);
  const reversals = db.prepare<[string], Omit<ReversalRow, 'kind'>>(`SELECT id, order_id AS orderId, line_id AS lineId, account_id AS accountId, tag, marketplace,
    currency, quantity, amount, at FROM ledger_entries WHERE order_id = ? AND kind = 'reversal' ORDER BY id`);
  const heldOrders = db.prepare<[number, number], { orderId: string; orderedAt: number; tag: string; accountId: string; currency: string; holds: string; status: OrderHoldRow['status']; commissions: string }>(
    `SELECT o.order_id AS orderId, o.ordered_at AS orderedAt, o.credited_tag AS tag, o.account_id AS accountId, o.currency, h.holds, h.status,
       (SELECT json_group_array(l.commission) FROM order_lines l WHERE l.order_id = o.order_id) AS commissions
     FROM order_holds h JOIN orders o ON o.order_id = h.order_id
     WHERE o.ordered_at BETWEEN ? AND ? ORDER BY o.ordered_at, o.order_id`,
  );
  const visitorClicks = db.prepare<[number, number], { id: string; tag: string; accountId: string | null; visitor: string | null; at: number; trusted: number | null; visible: number | null; framed: number | null; dwell: number | null }>(
    `SELECT id, tag, account_id AS accountId, visitor, at, trusted, visible, framed, dwell FROM clicks
     WHERE at BETWEEN ? AND ? AND (visitor IS NOT NULL OR trusted = 0 OR visible = 0 OR framed = 1 OR dwell IS NOT NULL) ORDER BY visitor, tag, at, id`,
  );
  const flag = (v: number | null): boolean | null => (v === null ? null : v === 1);

  return {
    saltFor: (day: string, fresh: () => string, now: number): string => {
      const known = salt.get(day);
      if (known !== undefined) return known;
      insertSalt.run(day, fresh(), now);
      return salt.get(day)!;
    },
    purgeSalts: (beforeDay: string): number => purgeSalts.run(beforeDay).changes,
    purgeKeyVisitors: (before: number): number => purgeKeyVisitors.run(before).changes,
    recordKeyVisitor: (v: { accountId: string; day: string; visitor: string; keyId: string; at: number }): void => void insertKeyVisitor.run(v),
    signedInFrom: (accountId: string, visitor: string): { day: string } | undefined => signedIn.get(accountId, visitor),
    landingFor: (clickId: string) => landing.get(clickId),
    sameVisitorClicks: (visitor: string, tag: string, from: number, to: number) => sameVisitor.all(visitor, tag, from, to),
    beaconsFrom: (visitor: string, from: number, to: number, tag: string, exceptId: string) => beacons.get({ visitor, from, to, tag, except: exceptId })!,
    attributedOrdersThroughClick: (clickId: string): number => throughClick.get(clickId) ?? 0,
    putHold: (row: { orderId: string; holds: readonly Hold[]; at: number }): void => void insertHold.run(row.orderId, JSON.stringify(row.holds), row.at),
    holdOf: (orderId: string): OrderHoldRow | undefined => {
      const r = holdOf.get(orderId);
      return r && holdRow(r);
    },
    heldAmong: (orderIds: readonly string[]): string[] => {
      const out: string[] = [];
      // Chunks keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < orderIds.length; i += 500) {
        const chunk = orderIds.slice(i, i + 500);
        const rows = db
          .prepare<string[], string>(`SELECT order_id FROM order_holds WHERE status IN ('on_hold', 'rejected') AND order_id IN (${chunk.map(() => '?').join(',')})`)
          .pluck()
          .all(...chunk);
        out.push(...rows);
      }
      return out;
    },
    decide: ({ record, status, reversals: entries, pending, order }: ReviewWrite): void => {
      const changed = decide.run({ status, at: record.at, by: record.by, note: record.note, orderId: record.orderId }).changes;
      if (changed !== 1) throw new Error(`order ${record.orderId} is not on hold`);
      const written = entries.map((e) => {
        const id = Number(insertReversal.run({ ...e, orderId: record.orderId, at: record.at }).lastInsertRowid);
        // The reversal's earnings count on the day it was recorded, like a return's.
        bump({ ...e, at: record.at }, { earnings: e.amount });
        return { id, account: e.accountId, currency: e.currency, kind: e.kind, amount: e.amount, quantity: e.quantity, orderId: record.orderId, lineId: e.lineId, recordedAt: record.at };
      });
      chain(written);
      for (const l of pending.lines) setLinePending.run({ orderId: record.orderId, lineId: l.lineId, pending: l.pending });
      if (pending.change !== 0) bump({ accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency }, { pending: pending.change });
    },
    reversals: (orderId: string): ReversalRow[] => reversals.all(orderId).map((r) => ({ ...r, kind: 'reversal' as const })),
    heldOrders: (from: number, to: number): HeldOrderRow[] =>
      heldOrders.all(from, to).map((r) => ({
        orderId: r.orderId, orderedAt: r.orderedAt, tag: r.tag, accountId: r.accountId, currency: r.currency, status: r.status,
        lineCommissions: JSON.parse(r.commissions) as number[],
        rules: (JSON.parse(r.holds) as Hold[]).map((h) => h.rule as IntegrityRule),
      })),
    visitorClicks: (from: number, to: number) =>
      visitorClicks.all(from, to).map((r) => ({ ...r, trusted: flag(r.trusted), visible: flag(r.visible), framed: flag(r.framed) })),
  };
}
