/**
 * The ledger's hash chain, per account and currency: each entry's hash is
 * sha256(previous entry's hash ‖ RFC 8785 canonical JSON of the entry's content), hex. The first
 * entry of a chain follows GENESIS. An edited, dropped or reordered entry breaks every later link.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';
import { linkReturns, type LineEntry } from './reversals.js';

export const GENESIS = '0'.repeat(64);

/** What an entry's hash covers: the ledger entry as stored, nothing derived. */
export interface ChainedContent {
  id: number;
  account: string;
  currency: string;
  kind: string;
  /** Signed minor units. */
  amount: number;
  quantity: number;
  orderId: string;
  lineId: string;
  /** ms since epoch, when the collector recorded it. */
  recordedAt: number;
  reverses?: number | undefined;
}

export const CHAINED_FIELDS = ['id', 'account', 'currency', 'kind', 'amount', 'quantity', 'orderId', 'lineId', 'recordedAt', 'reverses'] as const;

export interface ChainLink { prevHash: string; hash: string }

/** The content an entry's hash covers, picked from a wider object (a statement line, a row). */
export function chainedContent(e: ChainedContent): ChainedContent {
  const content: Record<string, unknown> = {};
  for (const k of CHAINED_FIELDS) if (e[k] !== undefined && e[k] !== null) content[k] = e[k];
  return content as unknown as ChainedContent;
}

export function entryHash(prevHash: string, e: ChainedContent): string {
  return createHash('sha256').update(prevHash).update(canonicalize(chainedContent(e))).digest('hex');
}

/** The links for a chain's entries in ledger order (ascending id), starting from `prevHash`. */
export function chain<E extends ChainedContent>(entries: readonly E[], prevHash = GENESIS): (E & ChainLink)[] {
  let prev = prevHash;
  return [...entries].sort((a, b) => a.id - b.id).map((e) => {
    const hash = entryHash(prev, e);
    const linked = { ...e, prevHash: prev, hash };
    prev = hash;
    return linked;
  });
}

/**
 * One chain's entries in chain order: from GENESIS, each entry after the one whose hash is its
 * `prevHash`. That is id order for every entry chained when it was written; a ledger chained
 * lazily before migration 011 may hold an entry after a higher id (on PostgreSQL, one committed
 * late). Entries no link reaches (a link removed behind the collector's back) follow in id order,
 * where `chainProblems` names them.
 */
export function chainOrder<E extends ChainLink & { id: number }>(entries: readonly E[]): E[] {
  const byId = [...entries].sort((a, b) => a.id - b.id);
  const after = new Map<string, E[]>();
  for (const e of byId) {
    const list = after.get(e.prevHash);
    if (list) list.push(e);
    else after.set(e.prevHash, [e]);
  }
  const seen = new Set<E>();
  const out: E[] = [];
  for (let hash = GENESIS; ; ) {
    const next = after.get(hash)?.find((e) => !seen.has(e));
    if (!next) break;
    seen.add(next);
    out.push(next);
    hash = next.hash;
  }
  for (const e of byId) if (!seen.has(e)) out.push(e);
  return out;
}

/** Problems in a stored chain (one account and currency, in chain order: `chainOrder`), each naming the entry. */
export function chainProblems(entries: readonly (ChainedContent & ChainLink)[], prevHash = GENESIS): string[] {
  const problems: string[] = [];
  let prev = prevHash;
  for (const e of entries) {
    if (e.prevHash !== prev) problems.push(`entry ${e.id}: previous hash ${e.prevHash} does not match the entry before it (${prev}): an entry was removed, added or reordered`);
    if (entryHash(e.prevHash, e) !== e.hash) problems.push(`entry ${e.id}: content does not match its hash: the entry was changed`);
    prev = e.hash;
  }
  return problems;
}

// ---- appending -------------------------------------------------------------------------------

/** The last entry of a chain: its id, hash and recorded time. */
export interface ChainHead { entryId: number; hash: string; recordedAt: number }

/** The chain an entry belongs to: one per account and currency. */
export const chainKey = (account: string, currency: string): string => JSON.stringify([account, currency]);

/**
 * The name of the lock a chain's writers take turns on (`tx.lock`), from before they read its
 * head until they commit: so ids along a chain are handed out, and links made, in commit order.
 */
export const chainLockName = (account: string, currency: string): string => `ledger-chain:${chainKey(account, currency)}`;

/** A ledger entry as written, before it is chained (what it reverses is decided here). */
export type NewLedgerEntry = Omit<ChainedContent, 'reverses'>;

export interface Appended {
  /** Each new entry with what it reverses, its recorded time as chained, and its link; ascending id. */
  linked: (ChainedContent & ChainLink)[];
  /** The new head of every chain the entries went on (`chainKey` → head). */
  heads: Map<string, ChainHead>;
}

/**
 * Appends new ledger entries to the chains of their (account, currency), in id order, each after
 * its chain's head in `heads` (no head: a new chain, after GENESIS). The caller holds every chain
 * involved for itself until the links are stored (`chainLockName`, taken before the head is read
 * and the entries get their ids), so a chain's order is its id order and its writers' commit order.
 *
 * - A return names the shipment it reverses (`linkReturns` over `orderEntries`: the stored
 *   entries of the same orders, the new ones may be among them).
 * - An entry whose id is not above its chain's head is refused (RangeError): ids are handed out
 *   to a chain's writers in turn, so that is a broken invariant, not a race. Only the upgrade of
 *   a ledger chained lazily before (`outOfOrder: 'append'`) appends such an entry after the head:
 *   left out, its money would count nowhere.
 * - Recorded times never go back along a chain (two writers' clocks may disagree by a moment), so
 *   every month's entries are one unbroken stretch of it, as statements need.
 */
export function appendToChains(
  entries: readonly NewLedgerEntry[],
  heads: ReadonlyMap<string, ChainHead>,
  orderEntries: readonly LineEntry[] = [],
  options: { outOfOrder?: 'refuse' | 'append' } = {},
): Appended {
  const byId = new Map<number, LineEntry>(orderEntries.map((e) => [e.id, e]));
  for (const e of entries) byId.set(e.id, e);
  const reverses = linkReturns([...byId.values()]);
  const next = new Map(heads);
  const linked = [...entries]
    .sort((a, b) => a.id - b.id)
    .map((e) => {
      const key = chainKey(e.account, e.currency);
      const head = next.get(key);
      if (head && e.id <= head.entryId && options.outOfOrder !== 'append') throw new RangeError(`entry ${e.id} is not after the head of its chain (entry ${head.entryId}): ledger ids must grow along a chain`);
      const content: ChainedContent = { ...e, recordedAt: Math.max(e.recordedAt, head?.recordedAt ?? e.recordedAt), reverses: reverses.get(e.id) };
      const prevHash = head?.hash ?? GENESIS;
      const hash = entryHash(prevHash, content);
      next.set(key, { entryId: e.id, hash, recordedAt: content.recordedAt });
      return { ...content, prevHash, hash };
    });
  const touched = new Map([...next].filter(([key, head]) => heads.get(key) !== head));
  return { linked, heads: touched };
}
