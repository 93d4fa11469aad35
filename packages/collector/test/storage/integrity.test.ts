// The integrity store on whichever backend the matrix runs: salts shared and purged, sign-in
// visitors, same-visitor reads, holds decided once, reversals append-only.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { Storage, TrackingEvent } from '../../src/storage/port.js';
import { oldestKeptSaltDay } from '../../src/domain/integrity/visitor.js';
import { freshDatabase, ON_POSTGRES } from '../helpers/backend.js';

let storage: Storage;
let db: string;
beforeAll(async () => {
  db = await freshDatabase();
  storage = await openStorage(db);
});
afterAll(() => storage?.close());

const AT = Date.parse('2026-11-20T10:00:00Z');
const click = (id: string, visitor: string | null, at = AT, tag = 'jane-20'): TrackingEvent => ({
  type: 'click', id, tag, accountId: null, marketplace: 'us', url: `https://www.amazon.com/dp/B0?tag=${tag}`, product: 'B0',
  page: null, session: null, via: 'click', bot: false, registered: false, at, clientAt: null, visitor,
});

describe(`integrity store (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('answers one salt per day whoever asks first, and purges days older than the 48 hours kept', async () => {
    const a = await storage.integrity.saltFor('2026-11-19', () => 'salt-a', AT);
    const b = await storage.integrity.saltFor('2026-11-19', () => 'salt-b', AT);
    expect([a, b]).toEqual(['salt-a', 'salt-a']);
    await storage.integrity.saltFor('2026-11-20', () => 'salt-c', AT);
    await storage.integrity.saltFor('2026-11-18', () => 'salt-d', AT);
    // At 10:00 on the 20th the 19th (began 34 h ago) is kept, the 18th (58 h ago) goes.
    expect(oldestKeptSaltDay(AT)).toBe('2026-11-19');
    expect(await storage.integrity.purgeSalts(oldestKeptSaltDay(AT))).toBe(1);
    expect(await storage.integrity.saltFor('2026-11-18', () => 'fresh', AT)).toBe('fresh');
  });

  it('stores the visitor on events and reads same-visitor clicks and other beacons by window', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await storage.events.record([click(ids[0]!, 'v1', AT - 60_000), click(ids[1]!, 'v1', AT), click(ids[2]!, 'v2', AT)]);
    expect((await storage.events.findClick(ids[0]!))?.visitor).toBe('v1');
    expect(await storage.integrity.sameVisitorClicks('v1', 'jane-20', AT - 60_000, AT)).toEqual([{ id: ids[0], at: AT - 60_000 }, { id: ids[1], at: AT }]);
    expect(await storage.integrity.sameVisitorClicks('v1', 'jane-20', AT - 59_999, AT)).toEqual([{ id: ids[1], at: AT }]);
    expect(await storage.integrity.beaconsFrom('v1', AT - 60_000, AT, 'other-20', ids[1]!)).toEqual({ others: 1, clicksOnTag: 0 });
    expect(await storage.integrity.beaconsFrom('v1', AT - 60_000, AT, 'jane-20', 'x')).toEqual({ others: 2, clicksOnTag: 2 });
  });

  it('records a sign-in visitor once per account, day and visitor, and finds it by value', async () => {
    const v = { accountId: 'acc_1', day: '2026-11-20', visitor: 'v9', keyId: 'key_1', at: AT };
    await storage.integrity.recordKeyVisitor(v);
    await storage.integrity.recordKeyVisitor({ ...v, keyId: 'key_2', at: AT + 1 });
    expect(await storage.integrity.signedInFrom('acc_1', 'v9')).toEqual({ day: '2026-11-20' });
    expect(await storage.integrity.signedInFrom('acc_2', 'v9')).toBeUndefined();
    expect(await storage.integrity.purgeKeyVisitors(AT)).toBe(0);
    expect(await storage.integrity.purgeKeyVisitors(AT + 1)).toBe(1);
    expect(await storage.integrity.signedInFrom('acc_1', 'v9')).toBeUndefined();
  });
});
