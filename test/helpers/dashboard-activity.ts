// Activity for the dashboard test, made the way real clients make it: click beacons posted to
// /v1/events as the SDK sends them, and order callbacks signed as a merchant signs them.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface Program {
  collectorUrl: string;
  shopUrl: string;
  webhookSecret: string;
}

export interface OrderItem {
  sku: string;
  category: string;
  quantity: number;
  unitAmount: number;
  name?: string;
}

/** One click on a merchant link of the demo shop, as the publisher SDK beacons it. Returns the click ID. */
export async function sendClick(p: Program, { tag, product, page }: { tag: string; product: string; page: string }): Promise<string> {
  const id = randomUUID();
  const body = { type: 'click', id, tag, url: `${p.shopUrl}/dp/${product}?tag=${tag}`, page, session: 's', via: 'click', at: Date.now() };
  const res = await fetch(`${p.collectorUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`click beacon: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { accepted: number };
  if (answer.accepted !== 1) throw new Error(`click beacon not accepted: ${JSON.stringify(answer)}`);
  return id;
}

async function signedPost(p: Program, path: string, payload: unknown): Promise<unknown> {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const res = await fetch(`${p.collectorUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(p.webhookSecret).sign(id, at, body),
    },
    body,
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A signed order callback for the demo's `us` marketplace, referred by a recorded click. */
export function sendOrder(p: Program, { orderId, clickId, tag, items }: { orderId: string; clickId: string; tag: string; items: OrderItem[] }) {
  return signedPost(p, '/v1/orders', {
    orderId,
    marketplace: 'us',
    currency: 'USD',
    orderedAt: new Date().toISOString(),
    referral: { clickId, tag },
    items: items.map((item, i) => ({ lineId: String(i + 1), ...item })),
  }) as Promise<{ orderId: string; commission: number; attributed: boolean }>;
}

/** Ships every open unit of an order: pending commission becomes earnings. */
export function shipOrder(p: Program, orderId: string) {
  return signedPost(p, `/v1/orders/${encodeURIComponent(orderId)}/events`, { type: 'shipped', at: new Date().toISOString() });
}
