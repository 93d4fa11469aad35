import type { Hold, IntegrityRule } from '../../domain/integrity/rules.js';
import { holdRow, type HeldOrderRow, type IntegrityStore, type OrderHoldRow, type ReversalRow, type StoredHold } from '../integrity-port.js';
import type { Sql } from './sql.js';
import type { ReadAhead } from './events.js';
import { rollups } from './rollups.js';
import { appendToChains } from '../../domain/ledger-chain.js';
import type { LineEntry } from '../../domain/reversals.js';
import { chainParams, HEADS_JSON, headMap, LINE_ENTRY_COLUMNS, lockChains, storeLinks, type HeadJson } from './ledger-chain.js';

const HOLD_COLUMNS = 'order_id AS "orderId", status, holds, held_at AS "heldAt", decided_at AS "decidedAt", decided_by AS "decidedBy", note';

/** SQL for program integrity (issue 19) on PostgreSQL: the SQLite store's statements in PostgreSQL's words. */
export function integrityStore(sql: Sql, ahead?: ReadAhead): IntegrityStore {
  return {
    saltFor: async (day, fresh, now) => {
      const known = await sql.get<{ salt: string }>('SELECT salt FROM visitor_salts WHERE day = @day', { day });
      if (known) return known.salt;
      // Two instances racing at midnight: both read the winner's salt.
      await sql.run('INSERT INTO visitor_salts (day, salt, created_at) VALUES (@day, @salt, @now) ON CONFLICT (day) DO NOTHING', { day, salt: fresh(), now });
      return (await sql.get<{ salt: string }>('SELECT salt FROM visitor_salts WHERE day = @day', { day }))!.salt;
    },
    purgeSalts: (beforeDay) => sql.run('DELETE FROM visitor_salts WHERE day < @beforeDay', { beforeDay }),
    purgeKeyVisitors: (before) => sql.run('DELETE FROM key_visitors WHERE first_seen < @before', { before }),
    recordKeyVisitor: async (v) => {
      await sql.run(
        `INSERT INTO key_visitors (account_id, day, visitor, key_id, first_seen) VALUES (@accountId, @day, @visitor, @keyId, @at)
         ON CONFLICT (account_id, day, visitor) DO NOTHING`,
        { ...v },
      );
    },
    signedInFrom: (accountId, visitor) =>
      sql.get<{ day: string }>('SELECT day FROM key_visitors WHERE account_id = @accountId AND visitor = @visitor ORDER BY day LIMIT 1', { accountId, visitor }),
    landingFor: (clickId) =>
      sql.get<{ id: string; tag: string; visitor: string | null; at: number }>('SELECT id, tag, visitor, at FROM landings WHERE click_id = @clickId ORDER BY at, id LIMIT 1', { clickId }),
    sameVisitorClicks: (visitor, tag, from, to) =>
      sql.all<{ id: string; at: number }>('SELECT id, at FROM clicks WHERE visitor = @visitor AND tag = @tag AND at BETWEEN @from AND @to ORDER BY at, id', { visitor, tag, from, to }),
    beaconsFrom: async (visitor, from, to, tag, exceptId) =>
      (await sql.get<{ others: number; clicksOnTag: number }>(
        `SELECT
          (SELECT count(*) FROM clicks WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id <> @except)
          + (SELECT count(*) FROM pageviews WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id <> @except)
          + (SELECT count(*) FROM landings WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id <> @except)
          + (SELECT count(*) FROM cart_adds WHERE visitor = @visitor AND at BETWEEN @from AND @to AND id <> @except) AS others,
          (SELECT count(*) FROM clicks WHERE visitor = @visitor AND tag = @tag AND at BETWEEN @from AND @to AND id <> @except) AS "clicksOnTag"`,
        { visitor, from, to, tag, except: exceptId },
      ))!,
    attributedOrdersThroughClick: async (clickId) => {
      // Read with the click in this transaction (`findClick`): no round trip of its own.
      const known = ahead?.ordersThroughClick.get(clickId);
      if (known !== undefined) {
        ahead!.ordersThroughClick.delete(clickId);
        return known;
      }
      return (await sql.get<{ n: number }>('SELECT count(*) AS n FROM orders WHERE click_id = @clickId AND attributed', { clickId }))!.n;
    },
    // A write nobody reads the answer of: sent with the transaction's next statement.
    putHold: async (row) => {
      await sql.defer("INSERT INTO order_holds (order_id, status, holds, held_at) VALUES (@orderId, 'on_hold', @holds, @at)", { orderId: row.orderId, holds: JSON.stringify(row.holds), at: row.at });
    },
    holdOf: async (orderId) => {
      const r = await sql.get<StoredHold>(`SELECT ${HOLD_COLUMNS} FROM order_holds WHERE order_id = @orderId`, { orderId });
      return r && holdRow(r);
    },
    heldAmong: async (orderIds) =>
      orderIds.length === 0
        ? []
        : (await sql.all<{ orderId: string }>(`SELECT order_id AS "orderId" FROM order_holds WHERE status IN ('on_hold', 'rejected') AND order_id = ANY(@ids::text[])`, { ids: [...orderIds] })).map((r) => r.orderId),
    decide: ({ record, status, reversals: entries, pending, order }) =>
      sql.atomic(async (tx) => {
        const changed = await tx.run(
          `UPDATE order_holds SET status = @status, decided_at = @at, decided_by = @by, note = @note WHERE order_id = @orderId AND status = 'on_hold'`,
          { status, at: record.at, by: record.by, note: record.note, orderId: record.orderId },
        );
        if (changed !== 1) throw new Error(`order ${record.orderId} is not on hold`);
        const totals = rollups();
        if (entries.length > 0) {
          // A reversal is a ledger entry of kind `reversal` without an order event (migration 022),
          // chained like every entry: under its chain's lock (the service took it already; taken
          // again, it is the same lock) before its id is handed out.
          await lockChains(tx, entries);
          // Each entry's id is handed out beside its position (`n`) and answered in that order, so ids pair with entries exactly.
          const ids = await tx.all<{ id: number }>(
            `WITH r AS (
               SELECT u.*, nextval(pg_get_serial_sequence('ledger_entries', 'id')) AS id
               FROM unnest(@lineId::text[], @accountId::text[], @tag::text[], @marketplace::text[], @currency::text[], @quantity::bigint[], @amount::bigint[])
                 WITH ORDINALITY AS u (line_id, account_id, tag, marketplace, currency, quantity, amount, n)),
             ins AS (
               INSERT INTO ledger_entries (id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
               SELECT id, NULL, @orderId, line_id, account_id, tag, marketplace, currency, 'reversal', quantity, amount, @at FROM r)
             SELECT id FROM r ORDER BY n`,
            {
              orderId: record.orderId, at: record.at,
              ...Object.fromEntries((['lineId', 'accountId', 'tag', 'marketplace', 'currency', 'quantity', 'amount'] as const).map((f) => [f, entries.map((e) => e[f])])),
            },
          );
          const written = entries.map((e, i) => ({
            id: Number(ids[i]!.id), account: e.accountId, currency: e.currency, kind: e.kind, amount: e.amount, quantity: e.quantity,
            orderId: record.orderId, lineId: e.lineId, recordedAt: record.at,
          }));
          const heads = (await tx.get<{ heads: HeadJson[] | null }>(`SELECT ${HEADS_JSON} AS heads`, chainParams(written)))!.heads;
          const earlier = await tx.all<LineEntry>(`SELECT ${LINE_ENTRY_COLUMNS} FROM ledger_entries e WHERE e.order_id = @orderId`, { orderId: record.orderId });
          await storeLinks(tx, appendToChains(written, headMap(heads), earlier).linked);
          // The reversals' earnings count on the day they were recorded, like a return's.
          for (const e of entries) totals.add({ ...e, at: record.at }, { earnings: e.amount });
        }
        for (const l of pending.lines) {
          await tx.defer('UPDATE order_lines SET pending = @pending WHERE order_id = @orderId AND line_id = @lineId', { orderId: record.orderId, lineId: l.lineId, pending: l.pending });
        }
        if (pending.change !== 0) totals.add({ accountId: order.accountId, at: order.orderedAt, tag: order.creditedTag, marketplace: order.marketplace, currency: order.currency }, { pending: pending.change });
        await totals.flush(tx);
      }),
    reversals: async (orderId) =>
      (await sql.all<Omit<ReversalRow, 'kind'>>(
        `SELECT id, order_id AS "orderId", line_id AS "lineId", account_id AS "accountId", tag, marketplace, currency, quantity, amount, at
         FROM ledger_entries WHERE order_id = @orderId AND kind = 'reversal' ORDER BY id`,
        { orderId },
      )).map((r) => ({ ...r, kind: 'reversal' as const })),
    heldOrders: async (from, to) =>
      (await sql.all<{ orderId: string; orderedAt: number; tag: string; accountId: string; currency: string; holds: string; status: OrderHoldRow['status']; commissions: number[] }>(
        `SELECT o.order_id AS "orderId", o.ordered_at AS "orderedAt", o.credited_tag AS tag, o.account_id AS "accountId", o.currency, h.holds, h.status,
           (SELECT array_agg(l.commission ORDER BY l.position) FROM order_lines l WHERE l.order_id = o.order_id) AS commissions
         FROM order_holds h JOIN orders o ON o.order_id = h.order_id
         WHERE o.ordered_at BETWEEN @from AND @to ORDER BY o.ordered_at, o.order_id`,
        { from, to },
      )).map((r): HeldOrderRow => ({
        orderId: r.orderId, orderedAt: r.orderedAt, tag: r.tag, accountId: r.accountId, currency: r.currency, status: r.status,
        lineCommissions: (r.commissions ?? []).map(Number),
        rules: (JSON.parse(r.holds) as Hold[]).map((h) => h.rule as IntegrityRule),
      })),
    visitorClicks: (from, to) =>
      sql.all(
        `SELECT id, tag, account_id AS "accountId", visitor, at, trusted, visible, framed, dwell FROM clicks
         WHERE at BETWEEN @from AND @to AND (visitor IS NOT NULL OR trusted = false OR visible = false OR framed = true OR dwell IS NOT NULL)
         ORDER BY visitor, tag, at, id`,
        { from, to },
      ),
  };
}
