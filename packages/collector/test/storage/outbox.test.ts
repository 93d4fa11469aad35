// The outbox store on whichever backend the matrix runs: events recorded once, deliveries claimed
// by one claimer at a time (two instances on PostgreSQL race here for real), leases, outcomes,
// held postbacks released with their URL re-rendered, or cancelled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open.js';
import type { Storage } from '../../src/storage/port.js';
import { notify, releasePostbacks } from '../../src/services/outbox.js';
import { orderAttributed, type OrderFacts } from '../../src/domain/events-out/payloads.js';
import { freshDatabase, ON_POSTGRES } from '../helpers/backend.js';

let db: string;
let one: Storage;
let two: Storage;
beforeAll(async () => {
  db = await freshDatabase();
  one = await openStorage(db);
  // A second instance: on PostgreSQL another pool on the same database; on SQLite, the same adapter (one writer per file).
  two = ON_POSTGRES ? await openStorage(db) : one;
});
afterAll(async () => {
  if (two !== one) await two?.close();
  await one?.close();
});

const NOW = Date.parse('2026-11-20T15:00:00Z');
const order = (orderId: string, status = 'pending'): OrderFacts => ({
  orderId, marketplace: 'us', currency: 'USD', orderedAt: NOW, account: 'acc_jane', tag: 'jane-20', creditedTag: 'jane-20', clickId: 'c-1', sub: 'post-42',
  attributed: true, rule: 'click', status, lines: [{ lineId: '1', sku: 'B0', category: 'books', quantity: 1, unitAmount: 1299, attributed: true, rateBp: 450, commission: 58 }],
});

describe(`outbox store (${ON_POSTGRES ? 'PostgreSQL, two instances' : 'SQLite'})`, () => {
  it('records an event once, fans out to subscribers, and two claimers never take the same row', async () => {
    await one.accounts.insertAccount({ id: 'acc_jane', name: 'Jane', createdAt: NOW });
    await one.accounts.insertAccount({ id: 'acc_bob', name: 'Bob', createdAt: NOW });
    const base = { description: null, previousSecret: null, previousUntil: null, enabled: true, disabledAt: null, disabledReason: null, createdAt: NOW, updatedAt: NOW };
    await one.outbox.insertWebhook({ ...base, id: 'whk_all', accountId: null, url: 'https://a.example/', events: ['order.attributed'], secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAA==' });
    await one.outbox.insertWebhook({ ...base, id: 'whk_bob', accountId: 'acc_bob', url: 'https://b.example/', events: ['order.attributed'], secret: 'whsec_BBBBBBBBBBBBBBBBBBBBBB==' });
    await one.outbox.insertPostback({ id: 'pb_jane', accountId: 'acc_jane', urlTemplate: 'https://t.example/pb?cid={click_id}&s={status}&sub={sub}', events: ['order.attributed'], enabled: true, disabledReason: null, createdAt: NOW });

    const n = 40;
    for (let i = 0; i < n; i++) {
      const event = orderAttributed(order(`O-${i}`));
      expect(await one.transaction((tx) => notify(tx, event, { now: NOW }))).toBe(true);
      // A replay writes nothing.
      expect(await one.transaction((tx) => notify(tx, event, { now: NOW }))).toBe(false);
    }
    // Jane's order: the program-wide endpoint and Jane's postback; never Bob's endpoint.
    const claimed = (await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? two : one).outbox.claim(`instance-${i}`, NOW, 20_000, 7)))).flat();
    let more;
    while ((more = await one.outbox.claim('late', NOW, 20_000, 50)).length > 0) claimed.push(...more);
    expect(claimed).toHaveLength(2 * n);
    expect(new Set(claimed.map((d) => d.id)).size).toBe(2 * n);
    expect(new Set(claimed.map((d) => d.targetId))).toEqual(new Set(['whk_all', 'pb_jane']));
    const pb = claimed.find((d) => d.targetKind === 'postback')!;
    expect(pb.url).toBe('https://t.example/pb?cid=c-1&s=pending&sub=post-42');
    const hook = claimed.find((d) => d.targetKind === 'webhook')!;
    expect(hook).toMatchObject({ url: 'https://a.example/', secrets: ['whsec_AAAAAAAAAAAAAAAAAAAAAA=='], attempts: 1, firstAttemptAt: NOW });
    expect(JSON.parse(hook.payload).type).toBe('order.attributed');

    // Leased: nothing is due again before the lease ends; after it, the row is claimed anew.
    expect(await two.outbox.claim('other', NOW + 19_000, 20_000, 500)).toEqual([]);
    const attempt = { at: NOW + 100, durationMs: 12, statusCode: 200, error: null, response: 'ok', manual: false };
    expect(await one.outbox.finish(hook.id, 'someone-else', attempt, { status: 'delivered', at: NOW + 100 })).toBe(false);
    const retaken = await two.outbox.claim('rescuer', NOW + 21_000, 20_000, 500);
    expect(retaken).toHaveLength(2 * n);
    expect(retaken.find((d) => d.id === hook.id)!.attempts).toBe(2);
    // The first claimer's result is dropped once the row is another's; the rescuer's is kept.
    expect(await one.outbox.finish(hook.id, 'late', attempt, { status: 'delivered', at: NOW + 100 })).toBe(false);
    expect(await one.outbox.finish(hook.id, 'rescuer', attempt, { status: 'delivered', at: NOW + 21_100 })).toBe(true);
    const [view] = (await one.outbox.deliveries('webhook', 'whk_all', 100)).filter((d) => d.id === hook.id);
    expect(view).toMatchObject({ status: 'delivered', attempts: [{ statusCode: 200, durationMs: 12, manual: false }] });
  });

  it('a held order’s postback waits, then goes out on release with the released status (or is cancelled on rejection)', async () => {
    const held = orderAttributed(order('H-1', 'on_hold'));
    await one.transaction((tx) => notify(tx, held, { now: NOW, holdPostbacks: true }));
    const rejected = orderAttributed(order('H-2', 'on_hold'));
    await one.transaction((tx) => notify(tx, rejected, { now: NOW, holdPostbacks: true }));
    const due = await one.outbox.claim('x', NOW + 60_000_000, 20_000, 500);
    // Only the webhooks went out at once.
    expect(due.filter((d) => d.eventId === held.id || d.eventId === rejected.id).map((d) => d.targetKind)).toEqual(['webhook', 'webhook']);
    expect(await one.transaction((tx) => releasePostbacks(tx, held.id, orderAttributed(order('H-1', 'pending')), NOW))).toBe(1);
    expect(await one.transaction((tx) => releasePostbacks(tx, rejected.id, null, NOW))).toBe(1);
    const released = await one.outbox.claim('x', NOW + 60_000_000, 20_000, 500);
    expect(released.map((d) => [d.eventId, d.url])).toEqual([[held.id, 'https://t.example/pb?cid=c-1&s=pending&sub=post-42']]);
    const log = await one.outbox.deliveries('postback', 'pb_jane', 500);
    expect(log.find((d) => d.eventId === rejected.id)!.status).toBe('cancelled');
  });

  it('retention purges delivered rows and their attempts, keeps the rest', async () => {
    const before = (await one.outbox.deliveries('webhook', 'whk_all', 500)).filter((d) => d.status === 'delivered');
    expect(before.length).toBeGreaterThan(0);
    // Nothing was delivered before NOW: nothing goes.
    expect(await one.outbox.purgeDelivered(NOW)).toBe(0);
    let removed = 0;
    for (let n; (n = await one.outbox.purgeDelivered(NOW + 365 * 86_400_000)) > 0; ) removed += n;
    expect(removed).toBeGreaterThanOrEqual(before.length);
    const after = await one.outbox.deliveries('webhook', 'whk_all', 500);
    expect(after.some((d) => d.status === 'delivered')).toBe(false);
    expect(after.length).toBeGreaterThan(0); // in flight ones stay
  });
});
