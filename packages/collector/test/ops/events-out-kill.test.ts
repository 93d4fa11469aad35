// Events out survive kill -9: a delivery in flight when the collector process dies is sent again
// by the next process once its lease has run out (at-least-once, the same webhook-id).
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/backend.js';
import { spawnServe, type ServeProcess } from './process.js';

const adminKey = `affil_admin_${randomBytes(16).toString('base64url')}`;
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: secret };
const config = join(tmpdir(), `affil-events-out-${randomUUID()}.json`);
// A 1 s request deadline: a claimed row's lease is 2 × 1 s + 5 s.
writeFileSync(config, JSON.stringify({ allowPrivateWebhookTargets: true, webhookTimeoutMs: 1000 }));

const servers: ServeProcess[] = [];
const held: ServerResponse[] = [];
const receiver = createServer();
afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  for (const r of held) r.destroy();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(config, { force: true });
});

const until = async <T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('events out across kill -9', () => {
  it('a delivery in flight when the process is killed is delivered by the next process, same webhook-id', async () => {
    const got: { headers: IncomingMessage['headers']; body: string; at: number }[] = [];
    receiver.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
        // The first request is never answered: the collector is killed while it waits.
        if (got.length === 1) held.push(res);
        else res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const db = await freshDatabase();
    let server = await spawnServe(['--db', db, '--config', config], env);
    servers.push(server);
    const call = async (path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: (await res.json()) as any };
    };
    const account = (await call('/v1/accounts', { name: 'Jane' })).body as { id: string };
    expect((await call(`/v1/accounts/${account.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' })).status).toBe(201);
    const hook = await call('/v1/webhooks', { url: target, events: ['order.attributed'] });
    expect(hook.status).toBe(201);

    const clickId = randomUUID();
    const events = [{ type: 'click', id: clickId, tag: 'janesblog-20', url: 'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', page: 'https://blog.example/p', session: 's', via: 'click', at: Date.now() }];
    expect((await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 Chrome/131.0' }, body: JSON.stringify({ events }) })).status).toBe(202);
    const order = JSON.stringify({ orderId: '112-0000001-0000001', marketplace: 'us', currency: 'USD', orderedAt: new Date().toISOString(), referral: { clickId, tag: 'janesblog-20' }, items: [{ lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900 }] });
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const created = await fetch(`${server.url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, order) }, body: order });
    expect(created.status).toBe(201);

    await until('the first attempt', () => got.length === 1);
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    server = await spawnServe(['--db', db, '--config', config], env);
    servers.push(server);
    await until('the delivery again', () => got.length >= 2);
    // Not before the dead process's lease ran out (7 s from its claim), and from the outbox, not memory.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(6_000);
    expect(got[1]!.at - killedAt).toBeLessThan(15_000);
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    expect(got[1]!.body).toBe(got[0]!.body);
    expect(new Webhook(hook.body.secret).verify(got[1]!.body, got[1]!.headers as Record<string, string>)).toMatchObject({ type: 'order.attributed' });
    const log = await until('delivered', async () => {
      const d = (await call(`/v1/webhooks/${hook.body.id}/deliveries`)).body.deliveries[0];
      return d?.status === 'delivered' && d;
    });
    expect(log.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([200]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(got).toHaveLength(2);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  }, 60_000);
});
