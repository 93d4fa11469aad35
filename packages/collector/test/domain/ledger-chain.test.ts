import { describe, expect, it } from 'vitest';
import { appendToChains, chain, chainKey, chainOrder, chainProblems, entryHash, GENESIS, type ChainHead, type NewLedgerEntry } from '../../src/domain/ledger-chain.js';
import { buildStatement } from '../../src/domain/statement.js';

const t = (iso: string) => Date.parse(iso);
const entry = (id: number, over: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
  id, account: 'ann', currency: 'USD', kind: 'shipment', amount: 100 * id, quantity: 1, orderId: 'o1', lineId: 'l1', recordedAt: t('2026-11-10T10:00:00Z') + id, ...over,
});
const heads = (...list: [string, string, ChainHead][]) => new Map(list.map(([a, c, h]) => [chainKey(a, c), h]));

describe('appendToChains: entries chained as they are written', () => {
  it('a new chain starts after GENESIS; in id order whatever the order given; the same links as chaining the whole ledger at once', () => {
    const entries = [entry(3), entry(1), entry(2)];
    const { linked, heads: moved } = appendToChains(entries, new Map());
    expect(linked.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(linked[0]!.prevHash).toBe(GENESIS);
    expect(linked).toEqual(chain(entries.map((e) => ({ ...e, reverses: undefined }))));
    expect(chainProblems(linked)).toEqual([]);
    expect([...moved]).toEqual([[chainKey('ann', 'USD'), { entryId: 3, hash: linked[2]!.hash, recordedAt: linked[2]!.recordedAt }]]);
  });

  it('appending in pieces gives the chain appending all at once gives', () => {
    const all = [entry(1), entry(2), entry(3), entry(4)];
    const first = appendToChains(all.slice(0, 2), new Map());
    const second = appendToChains(all.slice(2), first.heads);
    expect([...first.linked, ...second.linked]).toEqual(appendToChains(all, new Map()).linked);
  });

  it.each([
    {
      why: 'continues the head of its chain',
      head: { entryId: 7, hash: 'a'.repeat(64), recordedAt: t('2026-11-01T00:00:00Z') },
      entry: entry(8, { recordedAt: t('2026-11-10T00:00:00Z') }),
      prevHash: 'a'.repeat(64),
      recordedAt: t('2026-11-10T00:00:00Z'),
    },
    {
      why: 'a clock behind the head’s (another instance): the recorded time is raised to the head’s, never back along the chain',
      head: { entryId: 7, hash: 'b'.repeat(64), recordedAt: t('2026-11-30T23:59:59.900Z') },
      entry: entry(8, { recordedAt: t('2026-11-30T23:59:59.500Z') }),
      prevHash: 'b'.repeat(64),
      recordedAt: t('2026-11-30T23:59:59.900Z'),
    },
  ])('$why', ({ head, entry: e, prevHash, recordedAt }) => {
    const { linked } = appendToChains([e], heads(['ann', 'USD', head]));
    expect(linked[0]).toMatchObject({ prevHash, recordedAt });
    expect(linked[0]!.hash).toBe(entryHash(prevHash, { ...e, recordedAt }));
  });

  it('each (account, currency) is a chain of its own; only the chains written to get a new head', () => {
    const untouched = { entryId: 5, hash: 'c'.repeat(64), recordedAt: 0 };
    const { linked, heads: moved } = appendToChains(
      [entry(10), entry(11, { currency: 'JPY' }), entry(12, { account: 'bob' }), entry(13)],
      heads(['ann', 'USD', { entryId: 9, hash: 'd'.repeat(64), recordedAt: 0 }], ['zoe', 'USD', untouched]),
    );
    expect(linked.map((e) => [e.id, e.prevHash === GENESIS ? 'GENESIS' : e.prevHash.slice(0, 2)])).toEqual([[10, 'dd'], [11, 'GENESIS'], [12, 'GENESIS'], [13, linked[0]!.hash.slice(0, 2)]]);
    expect([...moved.keys()].sort()).toEqual([chainKey('ann', 'JPY'), chainKey('ann', 'USD'), chainKey('bob', 'USD')].sort());
  });

  it.each([
    { why: 'a return names the shipment it takes back (stored before)', stored: [{ id: 1, orderId: 'o1', lineId: 'l1', kind: 'shipment', quantity: 2 }], entries: [entry(2, { kind: 'return', amount: -50 })], reverses: [[2, 1]] },
    { why: 'first shipped, first returned (both shipments stored)', stored: [{ id: 1, orderId: 'o1', lineId: 'l1', kind: 'shipment', quantity: 1 }, { id: 2, orderId: 'o1', lineId: 'l1', kind: 'shipment', quantity: 1 }, { id: 3, orderId: 'o1', lineId: 'l1', kind: 'return', quantity: 1 }], entries: [entry(4, { kind: 'return', amount: -50 })], reverses: [[4, 2]] },
    { why: 'a shipment and its return written together', stored: [], entries: [entry(5), entry(6, { kind: 'return', amount: -50 })], reverses: [[5, undefined], [6, 5]] },
    { why: 'the new entries may be among the stored ones (written earlier in the same transaction)', stored: [{ id: 7, orderId: 'o1', lineId: 'l1', kind: 'shipment', quantity: 1 }], entries: [entry(7)], reverses: [[7, undefined]] },
  ])('$why', ({ stored, entries, reverses }) => {
    expect(appendToChains(entries, new Map(), stored).linked.map((e) => [e.id, e.reverses])).toEqual(reverses);
  });

  it('an id not above its chain’s head is refused; the upgrade of a lazily chained ledger appends it after the head', () => {
    const head = heads(['ann', 'USD', { entryId: 9, hash: 'e'.repeat(64), recordedAt: 0 }]);
    expect(() => appendToChains([entry(4)], head)).toThrow(/entry 4 is not after the head of its chain \(entry 9\)/);
    expect(appendToChains([entry(4)], head, [], { outOfOrder: 'append' }).linked[0]!.prevHash).toBe('e'.repeat(64));
  });
});

describe('chainOrder', () => {
  const linked = appendToChains([entry(1), entry(2), entry(3)], new Map()).linked;
  // Entry 2 committed late on a lazily chained PostgreSQL ledger: chained after 3.
  const late = [...appendToChains([entry(1), entry(3)], new Map()).linked];
  late.push(...appendToChains([entry(2)], heads(['ann', 'USD', { entryId: 3, hash: late[1]!.hash, recordedAt: late[1]!.recordedAt }]), [], { outOfOrder: 'append' }).linked);

  it.each([
    { why: 'id order for entries chained when written', entries: [linked[2]!, linked[0]!, linked[1]!], order: [1, 2, 3] },
    { why: 'a late entry where the chain put it', entries: late, order: [1, 3, 2] },
    { why: 'an entry no link reaches (its predecessor removed) follows in id order', entries: [linked[0]!, linked[2]!], order: [1, 3] },
    { why: 'empty', entries: [], order: [] },
  ])('$why', ({ entries, order }) => {
    expect(chainOrder(entries).map((e) => e.id)).toEqual(order);
  });

  it('a late entry in chain order: the chain and the month’s statement verify; a removed link is still named', () => {
    expect(chainProblems(chainOrder(late))).toEqual([]);
    const s = buildStatement({ account: 'ann', currency: 'USD', month: '2026-11', entries: late, payouts: [], payableAfterDays: 60, now: t('2026-12-01T00:00:00Z') });
    expect(s.entries.map((e) => e.id)).toEqual([1, 3, 2]);
    expect(chainProblems(s.entries, s.chain.previous)).toEqual([]);
    expect(chainProblems(chainOrder([linked[0]!, linked[2]!])).join('\n')).toMatch(/entry 3: previous hash/);
  });
});
