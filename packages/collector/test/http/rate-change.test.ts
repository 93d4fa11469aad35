// SPEC §3/§5: rates can change; each commission line records the rate it used, and every later
// adjustment of that line uses that same rate.
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM } from '../../src/config.js';
import { startCollector } from '../../src/server.js';
import { freshDatabase } from '../helpers/backend.js';

// One database for both starts (the rates change between them); dropped after the file.
const db = await freshDatabase();
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const marketplace = (books: number) => ({ id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 400, books } });
const start = (books: number) =>
  startCollector({ ...DEFAULT_PROGRAM, marketplaces: [marketplace(books)], port: 0, host: '127.0.0.1', db, adminKey: 'admin', webhookSecrets: [secret], publicUrl: undefined }, { log: () => {} });

async function signed(url: string, path: string, body: unknown) {
  const text = JSON.stringify(body);
  const id = `msg_${randomUUID()}`;
  const now = new Date();
  const res = await fetch(`${url}${path}`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, text) } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('a rate change', () => {
  it('never alters history: shipments and returns of an earlier order use the rate it recorded', async () => {
    let collector = await start(450);
    const admin = { authorization: 'Bearer admin', 'content-type': 'application/json' };
    const account = (await (await fetch(`${collector.url}/v1/accounts`, { method: 'POST', headers: admin, body: '{"name":"Jane"}' })).json()) as { id: string };
    await fetch(`${collector.url}/v1/accounts/${account.id}/tags`, { method: 'POST', headers: admin, body: '{"tag":"janesblog-20","marketplace":"us"}' });
    const order = {
      orderId: 'RATE-1', marketplace: 'us', currency: 'USD', orderedAt: new Date().toISOString(),
      referral: { tag: 'janesblog-20', clickedAt: new Date(Date.now() - 3_600_000).toISOString() },
      items: [{ lineId: '1', sku: 'B0BOOK0001', category: 'books', quantity: 2, unitAmount: 1299 }],
    };
    expect((await signed(collector.url, '/v1/orders', order)).body.lines[0]).toMatchObject({ rateBp: 450, commission: 117 });
    await collector.close();

    collector = await start(800); // books now pay 8%
    const shipped = await signed(collector.url, '/v1/orders/RATE-1/events', { type: 'shipped' });
    expect(shipped.status).toBe(200);
    expect(shipped.body.lines[0]).toMatchObject({ rateBp: 450, earned: 117 });
    const returned = await signed(collector.url, '/v1/orders/RATE-1/events', { type: 'returned', items: [{ lineId: '1', quantity: 1 }] });
    expect(returned.body.ledger.map((e: { amount: number }) => e.amount)).toEqual([117, -59]);
    // A new order uses the new rate.
    const next = await signed(collector.url, '/v1/orders', { ...order, orderId: 'RATE-2' });
    expect(next.body.lines[0]).toMatchObject({ rateBp: 800, commission: 208 });
    await collector.close();
  });
});
