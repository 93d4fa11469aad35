import { appendToChains, chainKey, chainLockName, GENESIS, type ChainedContent, type ChainHead, type ChainLink, type NewLedgerEntry } from '../../domain/ledger-chain.js';
import type { LineEntry } from '../../domain/reversals.js';
import { lockKey, type Sql } from './sql.js';

/**
 * The ledger's hash chain on PostgreSQL: entries are chained in the transaction that writes them.
 * Each chain (account, currency) has an advisory transaction lock (`tx.lock(chainLockName(…))`);
 * a writer takes it before its entries get their ids (`nextval`, one value at a time: the
 * identity's cache is 1) and before it reads the chain's head, and holds it until COMMIT. So along
 * a chain ids grow in commit order and every link is made onto the head the previous writer
 * committed. The links are the domain's (`appendToChains`); this file reads heads and stores links.
 */

/** The advisory lock key of one chain: the one `tx.lock(chainLockName(account, currency))` takes. */
export const chainLock = (account: string, currency: string): string => lockKey(`tx:${chainLockName(account, currency)}`);

/** Locks, sent with the transaction's next statement, for every chain these entries go on (sorted: two writers never wait on each other crosswise). */
export async function lockChains(sql: Sql, entries: readonly { accountId: string; currency: string }[]): Promise<void> {
  const keys = [...new Set(entries.map((e) => chainLock(e.accountId, e.currency)))].sort();
  for (const key of keys) await sql.defer('SELECT pg_advisory_xact_lock(@key::bigint)', { key });
}

/**
 * The heads of the chains named by `@chainAccounts` / `@chainCurrencies` (arrays), as a JSON array
 * (null: none), for a statement that reads them beside other things. `ledger_heads` holds each
 * chain's last link as its writers left it; the walk goes on from there along the links that follow
 * it (normally none: one index probe), so a head is always the chain's true end, also when links
 * were added without moving it (a collector of the version before migration 011 still chaining
 * lazily, a copy from a database made before it), starting from GENESIS for a chain without a row.
 */
export const HEADS_JSON = `(WITH RECURSIVE k AS (SELECT * FROM unnest(@chainAccounts::text[], @chainCurrencies::text[]) AS k (account_id, currency)),
  walk AS (
    SELECT k.account_id COLLATE "C" AS account_id, k.currency COLLATE "C" AS currency, h.entry_id, coalesce(h.hash, '${GENESIS}') AS hash, h.recorded_at, 0 AS depth
      FROM k LEFT JOIN ledger_heads h ON h.account_id = k.account_id AND h.currency = k.currency
    UNION ALL
    SELECT c.account_id, c.currency, c.entry_id, c.hash, c.recorded_at, w.depth + 1
      FROM walk w JOIN ledger_chain c ON c.account_id = w.account_id AND c.currency = w.currency AND c.prev_hash = w.hash)
  SELECT json_agg(json_build_object('account', h.account_id, 'currency', h.currency, 'entryId', h.entry_id, 'hash', h.hash, 'recordedAt', h.recorded_at))
  FROM (SELECT DISTINCT ON (account_id, currency) * FROM walk ORDER BY account_id, currency, depth DESC) h WHERE h.entry_id IS NOT NULL)`;

/** The parameters of `HEADS_JSON` for the chains these entries go on. */
export const chainParams = (entries: readonly { account: string; currency: string }[]) => {
  const chains = [...new Map(entries.map((e) => [chainKey(e.account, e.currency), e])).values()];
  return { chainAccounts: chains.map((c) => c.account), chainCurrencies: chains.map((c) => c.currency) };
};
/** The columns of a ledger entry (`e`) as `linkReturns` reads it. */
export const LINE_ENTRY_COLUMNS = 'e.id, e.order_id AS "orderId", e.line_id AS "lineId", e.kind, e.quantity';
/** JSON of a ledger entry as `linkReturns` reads it. */
export const LINE_ENTRY_JSON = `json_build_object('id', e.id, 'orderId', e.order_id, 'lineId', e.line_id, 'kind', e.kind, 'quantity', e.quantity)`;

export interface HeadJson extends ChainHead { account: string; currency: string }
export const headMap = (rows: readonly HeadJson[] | null): Map<string, ChainHead> =>
  new Map((rows ?? []).map((h) => [chainKey(h.account, h.currency), { entryId: h.entryId, hash: h.hash, recordedAt: h.recordedAt }]));

const LINK_FIELDS = ['entryId', 'accountId', 'currency', 'recordedAt', 'reverses', 'prevHash', 'hash'] as const;

/**
 * Stores the links and moves each chain's head, as deferred writes (sent with the transaction's
 * next statement or its COMMIT: no round trip of their own).
 */
export async function storeLinks(sql: Sql, linked: readonly (ChainedContent & ChainLink)[]): Promise<void> {
  if (linked.length === 0) return;
  const rows = linked.map((l) => ({ entryId: l.id, accountId: l.account, currency: l.currency, recordedAt: l.recordedAt, reverses: l.reverses ?? null, prevHash: l.prevHash, hash: l.hash }));
  await sql.defer(
    `INSERT INTO ledger_chain (entry_id, account_id, currency, recorded_at, reverses, prev_hash, hash)
     SELECT * FROM unnest(@entryId::bigint[], @accountId::text[], @currency::text[], @recordedAt::bigint[], @reverses::bigint[], @prevHash::text[], @hash::text[])`,
    Object.fromEntries(LINK_FIELDS.map((f) => [f, rows.map((r) => r[f])])),
  );
  const heads = [...new Map(rows.map((r) => [chainKey(r.accountId, r.currency), r])).values()];
  await sql.defer(
    `INSERT INTO ledger_heads (account_id, currency, entry_id, hash, recorded_at)
     SELECT * FROM unnest(@accountId::text[], @currency::text[], @entryId::bigint[], @hash::text[], @recordedAt::bigint[])
     ON CONFLICT (account_id, currency) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash, recorded_at = excluded.recorded_at`,
    Object.fromEntries((['accountId', 'currency', 'entryId', 'hash', 'recordedAt'] as const).map((f) => [f, heads.map((r) => r[f])])),
  );
}

const BATCH = 2000;

/**
 * Migration 011's data step (and the last step of `affil db copy`): chains, in id order, every
 * ledger entry without a link (what a collector of the previous version wrote since its last
 * money-out read), with the time the collector recorded it (its event's receive time). It takes the previous version's lock
 * (`ledger-chain`) so a collector of that version still running does not chain at the same time.
 * An entry committed later than a higher id of its chain that was chained already goes after the
 * head (`outOfOrder: 'append'`): left out, its money would count nowhere. Answers how many.
 */
export async function chainUnchained(sql: Sql): Promise<number> {
  // (Each batch also locks its chains: a collector of this version may be appending already, after `affil db copy`.)
  // The lock the previous version's lazy chaining took (`tx.lock('ledger-chain')`).
  await sql.run('SELECT pg_advisory_xact_lock(@key::bigint)', { key: lockKey('tx:ledger-chain') });
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = await sql.all<NewLedgerEntry>(
      `SELECT e.id, e.account_id AS account, e.currency, e.kind, e.amount, e.quantity, e.order_id AS "orderId", e.line_id AS "lineId", coalesce(ev.received_at, e.at) AS "recordedAt"
       FROM ledger_entries e LEFT JOIN order_events ev ON ev.id = e.event_id
       WHERE e.id > @after AND NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT @limit`,
      { after, limit: BATCH },
    );
    if (rows.length === 0) return count;
    await lockChains(sql, rows.map((r) => ({ accountId: r.account, currency: r.currency })));
    const heads = (await sql.get<{ heads: HeadJson[] | null }>(`SELECT ${HEADS_JSON} AS heads`, chainParams(rows)))!.heads;
    const earlier = await sql.all<LineEntry>(
      `SELECT ${LINE_ENTRY_COLUMNS} FROM ledger_entries e WHERE e.order_id = ANY(@orders::text[])`,
      { orders: [...new Set(rows.map((r) => r.orderId))] },
    );
    const { linked } = appendToChains(rows, headMap(heads), earlier, { outOfOrder: 'append' });
    await storeLinks(sql, linked);
    count += rows.length;
    after = rows[rows.length - 1]!.id;
  }
}
