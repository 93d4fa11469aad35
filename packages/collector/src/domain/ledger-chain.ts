/**
 * The ledger's hash chain, per account and currency: each entry's hash is
 * sha256(previous entry's hash ‖ RFC 8785 canonical JSON of the entry's content), hex. The first
 * entry of a chain follows GENESIS. An edited, dropped or reordered entry breaks every later link.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';

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

/** Problems in a stored chain (one account and currency, ascending id), each naming the entry. */
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
