// SPEC §4.3: two roles. The admin key sees and manages everything; an account key sees only its
// own account's data, and anything else answers 404, as if it did not exist. Checked for every
// authenticated endpoint, from every angle: no key, another account's key, the owner's key.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestAccount, type TestCollector, type Method } from '../helpers/collector.js';
import { clickEvent, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';

let c: TestCollector;
let jane: TestAccount;
let bob: TestAccount;
let janeOrder: string;
const today = new Date().toISOString().slice(0, 10);
const period = `from=${today}&to=${today}`;

beforeAll(async () => {
  c = await startTestCollector({ marketplaces: TEST_MARKETPLACES });
  jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  bob = await c.setupAccount('Bob', 'bobsblog-20', 'us');
  const click = clickEvent('janesblog-20');
  await c.beacon({ events: [click, clickEvent('bobsblog-20'), clickEvent('janesblog-2')] });
  const order = orderBody({ orderedAt: new Date().toISOString(), referral: { clickId: click.id, tag: 'janesblog-20' } });
  expect((await c.signed('/v1/orders', order)).status).toBe(201);
  janeOrder = order.orderId;
});
afterAll(() => c.close());

interface Endpoint { name: string; method: Method; path: () => string; body?: unknown; adminOnly?: boolean; namesAccount?: boolean }

// Every authenticated endpoint, pointed at Jane's data.
const ENDPOINTS: Endpoint[] = [
  { name: 'create account', method: 'POST', path: () => '/v1/accounts', body: { name: 'Eve' }, adminOnly: true },
  { name: 'list accounts', method: 'GET', path: () => '/v1/accounts', adminOnly: true },
  { name: 'register a tag', method: 'POST', path: () => `/v1/accounts/${jane.id}/tags`, body: { tag: 'janesotherblog-20', marketplace: 'us' }, adminOnly: true, namesAccount: true },
  { name: 'list tags', method: 'GET', path: () => `/v1/accounts/${jane.id}/tags` },
  { name: 'issue a key', method: 'POST', path: () => `/v1/accounts/${jane.id}/keys`, adminOnly: true, namesAccount: true },
  { name: 'revoke a key', method: 'DELETE', path: () => `/v1/keys/${jane.keyId}`, adminOnly: true },
  { name: 'read an order', method: 'GET', path: () => `/v1/orders/${janeOrder}` },
  { name: 'list orders by account', method: 'GET', path: () => `/v1/orders?${period}&account=${jane.id}` },
  { name: 'list orders by tag', method: 'GET', path: () => `/v1/orders?${period}&tag=janesblog-20` },
  { name: 'list clicks by account', method: 'GET', path: () => `/v1/clicks?${period}&account=${jane.id}` },
  { name: 'list clicks by tag', method: 'GET', path: () => `/v1/clicks?${period}&tag=janesblog-20` },
  { name: 'summary by account', method: 'GET', path: () => `/v1/reports/summary?${period}&account=${jane.id}` },
  { name: 'summary by tag', method: 'GET', path: () => `/v1/reports/summary?${period}&tag=janesblog-20` },
  { name: 'breakdown by account', method: 'GET', path: () => `/v1/reports/breakdown?by=tag&${period}&account=${jane.id}` },
  { name: 'breakdown by tag', method: 'GET', path: () => `/v1/reports/breakdown?by=day&${period}&tag=janesblog-20` },
  { name: 'summary CSV by account', method: 'GET', path: () => `/v1/reports/summary?${period}&account=${jane.id}&format=csv` },
];

describe.each(ENDPOINTS)('$method $name', (e) => {
  it('answers 401 without a key, and with a made-up one', async () => {
    expect((await c.request(e.method, e.path(), { body: e.body })).status).toBe(401);
    expect((await c.as('affil_acct_madeup')(e.method, e.path(), e.body)).status).toBe(401);
  });

  const forbidden = e.adminOnly && !e.namesAccount;
  it(forbidden ? 'answers 403 to an account key (admin only)' : "answers 404 to another account's key, as if the data did not exist", async () => {
    const reply = await bob.api(e.method, e.path(), e.body);
    expect(reply.status).toBe(forbidden ? 403 : 404);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.type).toBe(forbidden ? 'urn:affil:problem:forbidden' : 'urn:affil:problem:not_found');
    if (forbidden) expect(reply.body.detail).toContain('needs the admin key');
    expect(reply.text).not.toContain('Jane'); // nothing of Jane's account leaks into the answer
  });

  it(e.adminOnly ? 'answers 403 to the owner: admin only' : 'serves the owner', async () => {
    if (e.method === 'DELETE') return; // revoking is checked last, below, so the key stays usable
    const reply = await jane.api(e.method, e.path(), e.body);
    expect(reply.status).toBe(e.adminOnly ? 403 : 200);
    if (e.adminOnly) expect(reply.body.detail).toBe(`${e.method} ${e.path().split('?')[0]} needs the admin key`);
  });
});

describe("an account key's own lists never include others' data", () => {
  it.each([
    ['/v1/orders', (b: { orders: { account: string }[] }) => b.orders.map((o) => o.account)],
    ['/v1/clicks', (b: { clicks: { tag: string }[] }) => b.clicks.map((x) => (x.tag === 'bobsblog-20' ? bob.id : 'other'))],
  ] as const)('%s', async (path, owners) => {
    const reply = await bob.api('GET', `${path}?${period}`);
    expect(reply.status).toBe(200);
    expect(new Set((owners as (b: unknown) => string[])(reply.body))).toEqual(new Set(path === '/v1/orders' ? [] : [bob.id]));
  });

  it('summary and breakdowns count only its own', async () => {
    expect((await bob.api('GET', `/v1/reports/summary?${period}`)).body).toMatchObject({ clicks: 1, orders: 0 });
    expect((await jane.api('GET', `/v1/reports/summary?${period}`)).body).toMatchObject({ clicks: 1, orders: 1 });
    const tags = (await bob.api('GET', `/v1/reports/breakdown?by=tag&${period}`)).body.rows.map((r: { key: string }) => r.key);
    expect(tags).toEqual(['bobsblog-20']);
    const health = (await bob.api('GET', `/v1/reports/link-health?${period}`)).body.rows;
    expect(health).toEqual([]); // janesblog-2 is a truncated copy of Jane's tag, not Bob's
    expect((await jane.api('GET', `/v1/reports/link-health?${period}`)).body.rows).toEqual([expect.objectContaining({ tag: 'janesblog-2', suggestion: 'janesblog-20' })]);
  });

  it('the admin sees everything, and revoking a key works only for the admin', async () => {
    expect((await c.admin('GET', `/v1/reports/summary?${period}`)).body).toMatchObject({ clicks: 2, orders: 1 });
    expect((await jane.api('DELETE', `/v1/keys/${jane.keyId}`)).status).toBe(403);
    expect((await c.admin('DELETE', `/v1/keys/${jane.keyId}`)).status).toBe(204);
    expect((await jane.api('GET', `/v1/accounts/${jane.id}/tags`)).status).toBe(401);
  });
});
