// The storage port's promises, checked on whichever backend the matrix runs (SQLite, or PostgreSQL
// in the collector-pg project): every adapter must behave alike here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { Storage, TrackingEvent } from '../../src/storage/port.js';
import { freshDatabase, ON_POSTGRES } from '../helpers/backend.js';

let storage: Storage;
beforeAll(async () => {
  storage = await openStorage(await freshDatabase());
});
afterAll(() => storage?.close());

const AT = Date.parse('2026-11-20T10:00:00Z');
const click = (id: string, tag = 'jane-20'): TrackingEvent => ({
  type: 'click', id, tag, accountId: null, marketplace: 'us', url: `https://www.amazon.com/dp/B0?tag=${tag}`, product: 'B0',
  page: null, session: null, via: 'click', bot: false, registered: false, at: AT, clientAt: null,
});

describe(`storage port (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('describes itself without a password and reports health', async () => {
    expect(storage.describe()).toMatch(ON_POSTGRES ? /^PostgreSQL / : /^SQLite .*affil\.db$/);
    expect(storage.describe()).not.toMatch(/:[^/@]*@/);
    expect(await storage.health()).toEqual({ ok: true });
    expect(storage.migrations.current).toBeGreaterThanOrEqual(1);
  });

  it('reports the migrations its opening applied: all of them on a new database, none on the next open', async () => {
    const db = await freshDatabase();
    const first = await openStorage(db);
    const { applied, current } = first.migrations;
    await first.close();
    expect(applied.length).toBeGreaterThan(5);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(current).toBe(applied.at(-1));
    const again = await openStorage(db);
    expect(again.migrations).toMatchObject({ applied: [], current });
    await again.close();
  });

  it('commits all of a transaction, or none of it when it throws', async () => {
    await storage.transaction(async (tx) => {
      await tx.lock('bootstrap', 'order:O-1');
      await tx.accounts.insertAccount({ id: 'acc_kept', name: 'Kept', createdAt: 1 });
    });
    await expect(
      storage.transaction(async (tx) => {
        await tx.lock('order:O-1');
        await tx.accounts.insertAccount({ id: 'acc_lost', name: 'Lost', createdAt: 2 });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const ids = (await storage.accounts.listAccounts()).map((a) => a.id);
    expect(ids).toContain('acc_kept');
    expect(ids).not.toContain('acc_lost');
  });

  it('serializes transactions on one key: two at once both finish, neither sees a half-done other', async () => {
    const bump = () =>
      storage.transaction(async (tx) => {
        await tx.lock('counter');
        const n = Number((await tx.accounts.getSetting('counter')) ?? '0');
        await new Promise((r) => setTimeout(r, 20));
        await tx.accounts.putSetting('counter', String(n + 1));
      });
    await Promise.all([bump(), bump(), bump()]);
    expect(await storage.accounts.getSetting('counter')).toBe('3');
  });

  it('stores an event id once, ever, and recordSoon answers only after the commit', async () => {
    const id = randomUUID();
    const [first, again] = await Promise.all([storage.events.recordSoon([click(id)]), storage.events.recordSoon([click(id)])]);
    expect([...first!, ...again!].filter(Boolean)).toHaveLength(1);
    expect((await storage.events.findClick(id))?.id).toBe(id);
    expect(await storage.events.record([click(id)])).toEqual([false]);
  });

  it('refuses a tag someone already has, and finds a tag registered after it was looked up', async () => {
    await storage.accounts.insertAccount({ id: 'acc_t', name: 'T', createdAt: 1 });
    expect(await storage.accounts.findTag('late-20')).toBeUndefined();
    expect(await storage.accounts.insertTag({ tag: 'late-20', accountId: 'acc_t', marketplace: 'us', createdAt: 1 })).toBe(true);
    expect(await storage.accounts.insertTag({ tag: 'late-20', accountId: 'acc_t', marketplace: 'us', createdAt: 2 })).toBe(false);
    expect(await storage.accounts.findTag('late-20')).toMatchObject({ accountId: 'acc_t' });
  });

  it('delivers signals to subscribers until they unsubscribe, and runs an exclusive job', async () => {
    const heard: string[] = [];
    const stop = storage.signals.subscribe('key_revoked', (p) => heard.push(p));
    await storage.signals.publish('key_revoked', 'key_1');
    await expect.poll(() => heard).toEqual(['key_1']);
    stop();
    await storage.signals.publish('key_revoked', 'key_2');
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual(['key_1']);
    expect(await storage.exclusive('test-job', async () => 42)).toBe(42);
  });
});
