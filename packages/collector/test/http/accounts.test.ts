import { beforeEach, describe, expect, it } from 'vitest';
import { useCollectors, type TestCollector } from '../helpers/collector.js';
import { expectProblem, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();
let c: TestCollector;
beforeEach(async () => {
  c = await start({ marketplaces: TEST_MARKETPLACES });
});

describe('accounts, tags and keys', () => {
  it('creates an account: 201 {id, name}', async () => {
    const reply = await c.admin('POST', '/v1/accounts', { name: 'Jane' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ id: expect.stringMatching(/\S/), name: 'Jane' });
    const list = await c.admin('GET', '/v1/accounts');
    expect(list.status).toBe(200);
    expect(list.body.accounts).toEqual([expect.objectContaining({ id: reply.body.id, name: 'Jane' })]);
  });

  it('creates a second account of the same name too (names are labels; the CLI and dashboard warn)', async () => {
    const jane = await c.admin('POST', '/v1/accounts', { name: 'Jane' });
    const again = await c.admin('POST', '/v1/accounts', { name: 'Jane' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(jane.body.id);
  });

  it('GET /v1/me tells a key who it is: the account with its name, or the admin', async () => {
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const me = await jane.api('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ role: 'account', account: { id: jane.id, name: 'Jane', createdAt: expect.any(String) } });
    expect((await c.admin('GET', '/v1/me')).body).toEqual({ role: 'admin', account: null });
    expectProblem(await c.request('GET', '/v1/me'), 401);
  });

  it('rejects an account without a usable name with a 4xx problem naming the field', async () => {
    for (const body of [{}, { name: '' }, { name: 42 }]) {
      const reply = await c.admin('POST', '/v1/accounts', body);
      expect(reply.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(reply.status, JSON.stringify(body)).toBeLessThan(500);
      expectProblem(reply, reply.status, 'name');
    }
  });

  it('answers malformed JSON on an authenticated endpoint with a 400 problem', async () => {
    const reply = await c.request('POST', '/v1/accounts', { body: '{"name": ', headers: { authorization: `Bearer ${c.adminKey}`, 'content-type': 'application/json' } });
    expectProblem(reply, 400);
  });

  it('registers a tag: 201, listed for the account', async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    const reply = await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ tag: 'janesblog-20', marketplace: 'us' });
    expect((await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    const list = await c.admin('GET', `/v1/accounts/${account.id}/tags`);
    expect(list.status).toBe(200);
    expect(list.body.tags.map((t: { tag: string }) => t.tag).sort()).toEqual(['janesblog-20', 'janesblog-21']);
  });

  it('rejects a malformed tag with 422 naming the tag', async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    for (const tag of ['JanesBlog-20', 'janes blog-20', 'janesblog', '-janesblog-20', 'janesblog-2']) {
      expectProblem(await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag, marketplace: 'us' }), 422, 'tag');
    }
  });

  it('says what a tracking ID looks like in words, with an example for the marketplace, not as a regular expression', async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    const reply = await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'JanesBlog-20', marketplace: 'uk' });
    expect(reply.body.detail).toBe('tag: "JanesBlog-20" is not a tracking ID this program accepts: a tracking ID is 4 to 66 characters of lowercase letters, digits and hyphens, starting with a letter or digit and ending with a hyphen and two digits, e.g. janesblog-21');
  });

  it("rejects a tag whose suffix is not the marketplace's with 422 naming the tag", async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    expectProblem(await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'janesblog-21', marketplace: 'us' }), 422, 'tag');
    expectProblem(await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'janesblog-20', marketplace: 'uk' }), 422, 'tag');
  });

  it('rejects a tag in an unknown marketplace with 422 naming the marketplace', async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    expectProblem(await c.admin('POST', `/v1/accounts/${account.id}/tags`, { tag: 'janesblog-22', marketplace: 'jp' }), 422, 'marketplace');
  });

  it('answers 409 when the tag is taken, by the same or another account', async () => {
    const jane = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    const bob = (await c.admin('POST', '/v1/accounts', { name: 'Bob' })).body;
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' })).status).toBe(201);
    expectProblem(await c.admin('POST', `/v1/accounts/${bob.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' }), 409, 'janesblog-20');
    expectProblem(await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-20', marketplace: 'us' }), 409);
    const bobsTags = await c.admin('GET', `/v1/accounts/${bob.id}/tags`);
    expect(bobsTags.body.tags).toEqual([]);
  });

  it('answers 404 for tags or keys of an account that does not exist', async () => {
    expectProblem(await c.admin('POST', '/v1/accounts/acc_nobody/tags', { tag: 'nobody-20', marketplace: 'us' }), 404);
    expectProblem(await c.admin('POST', '/v1/accounts/acc_nobody/keys'), 404);
    expectProblem(await c.admin('GET', '/v1/accounts/acc_nobody/tags'), 404);
  });

  it('issues an account key: 201 {id, key}', async () => {
    const account = (await c.admin('POST', '/v1/accounts', { name: 'Jane' })).body;
    const reply = await c.admin('POST', `/v1/accounts/${account.id}/keys`);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ id: expect.any(String), key: expect.any(String) });
    expect(reply.body.key).not.toBe(reply.body.id);
    expect((await c.as(reply.body.key)('GET', `/v1/accounts/${account.id}/tags`)).status).toBe(200);
  });

  it('GET /v1/tags: an account key gets its own tags, the admin every tag with its account', async () => {
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    const bob = await c.setupAccount('Bob', 'bobsdeals-20', 'us');
    const own = await jane.api('GET', '/v1/tags');
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      tags: [
        { tag: 'janesblog-20', account: jane.id, accountName: 'Jane', marketplace: 'us', createdAt: expect.any(String) },
        { tag: 'janesblog-21', account: jane.id, accountName: 'Jane', marketplace: 'uk', createdAt: expect.any(String) },
      ],
    });
    expect((await bob.api('GET', '/v1/tags')).body.tags.map((t: { tag: string }) => t.tag)).toEqual(['bobsdeals-20']);
    const all = await c.admin('GET', '/v1/tags');
    expect(all.body.tags.map((t: { tag: string; account: string; accountName: string }) => [t.tag, t.account, t.accountName])).toEqual([
      ['bobsdeals-20', bob.id, 'Bob'],
      ['janesblog-20', jane.id, 'Jane'],
      ['janesblog-21', jane.id, 'Jane'],
    ]);
    expectProblem(await c.request('GET', '/v1/tags'), 401);
    expectProblem(await c.as('affil_acct_not-a-real-key')('GET', '/v1/tags'), 401);
  });

  it('answers 401 without a key or with an unknown one', async () => {
    for (const path of ['/v1/accounts', '/v1/orders', '/v1/clicks', '/v1/reports/summary']) {
      const none = await c.request('GET', path);
      expectProblem(none, 401);
      expectProblem(await c.as('affil_admin_not-a-real-key')('GET', path), 401);
      expectProblem(await c.request('GET', path, { headers: { authorization: c.adminKey } }), 401);
    }
    expectProblem(await c.request('POST', '/v1/accounts', { body: { name: 'Mallory' }, headers: { 'content-type': 'application/json' } }), 401);
    expect((await c.admin('GET', '/v1/accounts')).body.accounts).toEqual([]);
  });

  it('an account key cannot manage accounts, tags or keys: 403, needs the admin key', async () => {
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    expectProblem(await jane.api('POST', '/v1/accounts', { name: 'Mallory' }), 403);
    expectProblem(await jane.api('GET', '/v1/accounts'), 403);
    expectProblem(await jane.api('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog2-20', marketplace: 'us' }), 403);
    expectProblem(await jane.api('POST', `/v1/accounts/${jane.id}/keys`), 403);
    expectProblem(await jane.api('DELETE', `/v1/keys/${jane.keyId}`), 403);
    const accounts = (await c.admin('GET', '/v1/accounts')).body.accounts;
    expect(accounts.map((a: { name: string }) => a.name)).toEqual(['Jane']);
    expect((await c.admin('GET', `/v1/accounts/${jane.id}/tags`)).body.tags.map((t: { tag: string }) => t.tag)).toEqual(['janesblog-20']);
  });

  it("an account key sees its own tags and gets 404 for another account's", async () => {
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsreviews-20', 'us');
    const own = await jane.api('GET', `/v1/accounts/${jane.id}/tags`);
    expect(own.status).toBe(200);
    expect(own.body.tags.map((t: { tag: string }) => t.tag)).toEqual(['janesblog-20']);
    const other = await jane.api('GET', `/v1/accounts/${bob.id}/tags`);
    expectProblem(other, 404);
    expect(other.text).not.toContain('bobsreviews-20');
    // Another account's existence is not revealed: same answer as an account that does not exist.
    const missing = await jane.api('GET', '/v1/accounts/acc_nobody/tags');
    expect(missing.status).toBe(other.status);
  });

  it('revokes a key: 204, then the key answers 401; revoking again is 404', async () => {
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    expect((await jane.api('GET', `/v1/accounts/${jane.id}/tags`)).status).toBe(200);
    const revoked = await c.admin('DELETE', `/v1/keys/${jane.keyId}`);
    expect(revoked.status).toBe(204);
    expectProblem(await jane.api('GET', `/v1/accounts/${jane.id}/tags`), 401);
    expectProblem(await jane.api('GET', '/v1/reports/summary'), 401);
    expectProblem(await c.admin('DELETE', `/v1/keys/${jane.keyId}`), 404);
    expectProblem(await c.admin('DELETE', '/v1/keys/key_nothing'), 404);
    // A new key for the same account works.
    const fresh = (await c.admin('POST', `/v1/accounts/${jane.id}/keys`)).body;
    expect((await c.as(fresh.key)('GET', `/v1/accounts/${jane.id}/tags`)).status).toBe(200);
  });
});
