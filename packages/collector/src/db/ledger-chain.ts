import type Database from 'better-sqlite3';
import { appendToChains, chainKey, GENESIS, type ChainHead, type NewLedgerEntry } from '../domain/ledger-chain.js';
import type { LineEntry } from '../domain/reversals.js';

// (Not `Db` from database.ts: that file runs this one's data step in migration 011.)
type Db = Database.Database;

/**
 * The ledger's hash chain on SQLite: entries are chained in the transaction that writes them (one
 * writer at a time, so ids grow along a chain in commit order). The links are the domain's
 * (`appendToChains`); this reads heads and stores links.
 */
export function chainWriter(db: Db) {
  const s = {
    head: db.prepare<[string, string], ChainHead>('SELECT entry_id AS entryId, hash, recorded_at AS recordedAt FROM ledger_heads WHERE account_id = ? AND currency = ?'),
    successor: db.prepare<[string, string, string], ChainHead>('SELECT entry_id AS entryId, hash, recorded_at AS recordedAt FROM ledger_chain WHERE account_id = ? AND currency = ? AND prev_hash = ?'),
    orderEntries: db.prepare<[string], LineEntry>('SELECT id, order_id AS orderId, line_id AS lineId, kind, quantity FROM ledger_entries WHERE order_id = ?'),
    insertLink: db.prepare(`INSERT INTO ledger_chain (entry_id, account_id, currency, recorded_at, reverses, prev_hash, hash)
      VALUES (@id, @account, @currency, @recordedAt, @reverses, @prevHash, @hash)`),
    putHead: db.prepare(`INSERT INTO ledger_heads (account_id, currency, entry_id, hash, recorded_at) VALUES (@account, @currency, @id, @hash, @recordedAt)
      ON CONFLICT (account_id, currency) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash, recorded_at = excluded.recorded_at`),
  };
  /**
   * A chain's head: its `ledger_heads` row, then on along the links that follow it (normally none:
   * one probe of the unique index), so it is the true end also when links were added without
   * moving it (a copy from a database made before migration 011); from GENESIS without a row.
   */
  const headOf = (account: string, currency: string): ChainHead | undefined => {
    let head = s.head.get(account, currency);
    for (let next = s.successor.get(account, currency, head?.hash ?? GENESIS); next; next = s.successor.get(account, currency, next.hash)) head = next;
    return head;
  };
  /** Chains entries already written in this transaction (ids assigned) onto their chains' heads. */
  return (entries: readonly NewLedgerEntry[], options: { outOfOrder?: 'refuse' | 'append' } = {}): void => {
    if (entries.length === 0) return;
    const heads = new Map<string, ChainHead>();
    for (const e of entries) {
      const key = chainKey(e.account, e.currency);
      if (heads.has(key)) continue;
      const head = headOf(e.account, e.currency);
      if (head) heads.set(key, head);
    }
    // Only a return or a rejection's reversal reverses something (a shipment earlier in its order).
    const reversing = entries.filter((e) => e.kind !== 'shipment');
    const earlier = [...new Set(reversing.map((e) => e.orderId))].flatMap((orderId) => s.orderEntries.all(orderId));
    const { linked } = appendToChains(entries, heads, earlier, options);
    for (const l of linked) s.insertLink.run({ id: l.id, account: l.account, currency: l.currency, recordedAt: l.recordedAt, reverses: l.reverses ?? null, prevHash: l.prevHash, hash: l.hash });
    // The last link of each chain is its head.
    for (const l of new Map(linked.map((l) => [chainKey(l.account, l.currency), l])).values()) s.putHead.run({ account: l.account, currency: l.currency, id: l.id, hash: l.hash, recordedAt: l.recordedAt });
  };
}

/**
 * Migration 011's data step (and the last step of `affil db copy`): chains, in id order, every ledger entry without a link (what the
 * previous version wrote since its last money-out read, when entries were chained lazily), with
 * the time the collector recorded it (its event's receive time; a rejection's reversal, which has
 * no event, was recorded at its own time). Answers how many.
 */
export function chainUnchained(db: Db): number {
  const append = chainWriter(db);
  const batch = db.prepare<[number, number], NewLedgerEntry>(`SELECT e.id, e.account_id AS account, e.currency, e.kind, e.amount, e.quantity,
      e.order_id AS orderId, e.line_id AS lineId, coalesce(ev.received_at, e.at) AS recordedAt
    FROM ledger_entries e LEFT JOIN order_events ev ON ev.id = e.event_id
    WHERE e.id > ? AND NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT ?`);
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = batch.all(after, 2000);
    if (rows.length === 0) return count;
    append(rows, { outOfOrder: 'append' });
    count += rows.length;
    after = rows[rows.length - 1]!.id;
  }
}
