// SPEC §7: every 2xx-acknowledged event, order and adjustment survives kill -9 of the collector
// and a restart, and nothing is counted twice. Repeated rounds of concurrent load, SIGKILL at a
// random moment, restart, then count what was acknowledged against what is stored.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServe } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = Number(process.env.AFFIL_DURABILITY_ROUNDS ?? 4);
const adminKey = `affil_admin_${randomBytes(16).toString('base64url')}`;
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: secret };
const db = join(dir, 'affil.db');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function signedHeaders(body: string, id = `msg_${randomUUID()}`) {
  const now = new Date();
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, body) };
}

describe('durability under kill -9', () => {
  it(`keeps every acknowledged event, order and adjustment across ${ROUNDS} crash rounds, counting each once`, async () => {
    const ackedClicks = new Set<string>();
    const ackedOrders = new Set<string>();
    /** Orders sent under an id already used for another order: answered 409, so never stored. */
    const refusedOrders = new Set<string>();
    let ackedShipments = 0;
    let streamed = 0;

    let server = await spawnServe(['--db', db], env);
    const admin = (path: string, body?: unknown) => fetch(`${server.url}${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const account = (await (await admin('/v1/accounts', { name: 'Jane' })).json()) as { id: string };
    expect((await admin(`/v1/accounts/${account.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' })).status).toBe(201);

    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) server = await spawnServe(['--db', db], env);
      const url = server.url;
      let stop = false;
      const clickLoop = async () => {
        while (!stop) {
          const events = Array.from({ length: 10 }, () => ({ type: 'click', id: randomUUID(), tag: 'janesblog-20', url: 'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', page: 'https://blog.example/p', session: 's', via: 'click', at: Date.now() }));
          try {
            const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': UA }, body: JSON.stringify({ events }) });
            if (res.status === 202) {
              const body = (await res.json()) as { accepted: number };
              expect(body.accepted).toBe(10);
              for (const e of events) ackedClicks.add(e.id);
            }
          } catch {
            return; // the collector was killed mid-request: that batch was never acknowledged
          }
        }
      };
      const order = (orderId: string, orderedAt: string) => JSON.stringify({ orderId, marketplace: 'us', currency: 'USD', orderedAt, referral: { tag: 'janesblog-20', clickedAt: new Date(Date.now() - 60_000).toISOString() }, items: [{ lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900 }] });
      const post = (path: string, body: string, id?: string) => fetch(`${url}${path}`, { method: 'POST', headers: signedHeaders(body, id), body });
      const orderLoop = async () => {
        while (!stop) {
          const orderId = `R${round}-${randomUUID().slice(0, 8)}`;
          const orderedAt = new Date().toISOString();
          const body = order(orderId, orderedAt);
          const id = `msg_${randomUUID()}`;
          try {
            const res = await post('/v1/orders', body, id);
            if (res.status !== 201) continue;
            ackedOrders.add(orderId);
            // The same message again (a retry): a replay. Another order under its id: refused.
            expect((await post('/v1/orders', body, id)).status).toBe(200);
            const other = `X${round}-${randomUUID().slice(0, 8)}`;
            expect((await post('/v1/orders', order(other, orderedAt), id)).status).toBe(409);
            refusedOrders.add(other);
            // Edge times: a shipment dated in year 2999 is refused; one at the order's own instant ships.
            expect((await post(`/v1/orders/${orderId}/events`, JSON.stringify({ type: 'shipped', at: '2999-01-01T00:00:00Z' }))).status).toBe(422);
            const ship = JSON.stringify({ type: 'shipped', at: orderedAt });
            const shipId = `msg_${randomUUID()}`;
            const shipped = await post(`/v1/orders/${orderId}/events`, ship, shipId);
            if (shipped.status === 200) ackedShipments++;
            // Retried under its id: the same answer, nothing shipped twice; under an order's id: refused.
            if (shipped.status === 200) expect((await post(`/v1/orders/${orderId}/events`, ship, shipId)).status).toBe(200);
            expect((await post(`/v1/orders/${orderId}/events`, ship, id)).status).toBe(409);
          } catch (error) {
            if ((error as Error).name === 'AssertionError') throw error;
            return;
          }
        }
      };
      // Live streams read all along (the admin's and an account's sees every click and order).
      const streamLoop = async () => {
        try {
          const res = await fetch(`${url}/v1/stream`, { headers: { authorization: `Bearer ${adminKey}` } });
          const reader = res.body!.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            streamed += value.length;
          }
        } catch {
          // the collector was killed
        }
      };
      const load = [clickLoop(), clickLoop(), clickLoop(), orderLoop(), streamLoop(), streamLoop()];
      // Kill once this round has real work acknowledged, at a random moment after that.
      const target = ackedClicks.size + 100;
      const ordersTarget = ackedOrders.size + 1;
      while (ackedClicks.size < target || ackedOrders.size < ordersTarget) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.random() * 400));
      server.child.kill('SIGKILL');
      const { signal } = await server.exited;
      stop = true;
      await Promise.all(load);
      expect(signal).toBe('SIGKILL');
    }

    // Count what is stored with a plain connection, as after a crash (no clean shutdown ran).
    const store = new Database(db, { readonly: false });
    const storedClicks = new Set(store.prepare('SELECT id FROM clicks').pluck().all() as string[]);
    const missingClicks = [...ackedClicks].filter((id) => !storedClicks.has(id));
    const storedOrders = new Set(store.prepare('SELECT order_id FROM orders').pluck().all() as string[]);
    const missingOrders = [...ackedOrders].filter((id) => !storedOrders.has(id));
    const entries = store.prepare("SELECT count(*) FROM ledger_entries WHERE kind = 'shipment'").pluck().get() as number;
    const shippedOrders = store.prepare("SELECT count(DISTINCT order_id) FROM ledger_entries WHERE kind = 'shipment'").pluck().get() as number;
    const storedRefused = [...refusedOrders].filter((id) => storedOrders.has(id));
    const futureEntries = store.prepare('SELECT count(*) FROM ledger_entries WHERE at > ?').pluck().get(Date.now() + 300_000) as number;
    const totals = store.prepare('SELECT sum(clicks) AS clicks, sum(orders) AS orders, sum(earnings) AS earnings FROM daily_totals').get() as { clicks: number; orders: number; earnings: number };
    const ledger = store.prepare('SELECT coalesce(sum(amount), 0) FROM ledger_entries').pluck().get() as number;
    store.close();

    expect(ackedClicks.size).toBeGreaterThan(100 * ROUNDS);
    expect(ackedOrders.size).toBeGreaterThan(ROUNDS);
    expect(missingClicks).toEqual([]);
    expect(missingOrders).toEqual([]);
    expect(entries).toBeGreaterThanOrEqual(ackedShipments);
    // Nothing counted twice: one shipment entry per shipped order; nothing refused was stored.
    expect(entries).toBe(shippedOrders);
    expect(storedRefused).toEqual([]);
    expect(futureEntries).toBe(0);
    expect(streamed).toBeGreaterThan(0);
    // The per-day totals were written in the same transactions as the rows they count.
    expect(totals.clicks).toBe(storedClicks.size);
    expect(totals.orders).toBe(storedOrders.size);
    expect(totals.earnings).toBe(ledger);

    // Re-delivering everything acknowledged counts nothing twice.
    server = await spawnServe(['--db', db], env);
    const resend = [...ackedClicks].slice(0, 50).map((id) => ({ type: 'click', id, tag: 'janesblog-20', url: 'https://www.amazon.com/dp/B08XYZ1234', page: 'https://blog.example/p', session: 's', via: 'click', at: Date.now() }));
    const again = (await (await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': UA }, body: JSON.stringify({ events: resend }) })).json()) as { accepted: number; duplicates: number };
    expect(again).toMatchObject({ accepted: 0, duplicates: 50 });
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    console.log(`durability: ${ROUNDS} kill -9 rounds, ${ackedClicks.size} clicks, ${ackedOrders.size} orders, ${ackedShipments} shipments acknowledged; none lost`);
  }, 120_000);
});
