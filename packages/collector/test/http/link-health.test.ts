import { describe, expect, it } from 'vitest';
import { createClock, useCollectors } from '../helpers/collector.js';
import { clickEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

describe('GET /v1/reports/link-health', () => {
  it('counts clicks that cannot earn per tag and page, names the tag a truncated one came from, and scopes by account', async () => {
    const clock = createClock('2026-11-20T10:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsblog-20', 'us');
    const page = 'https://janesblog.example/best-cameras';
    await c.beacon({
      events: [
        clickEvent('janesblog-2', { page }), // truncated copy of a real tag
        clickEvent('janesblog-2', { page }),
        clickEvent('stranger-20', { page: 'https://elsewhere.example/' }), // well-formed, nobody's
        clickEvent('janesblog-20', { url: 'https://www.amazon.co.uk/dp/B08XYZ1234?tag=janesblog-20', page }), // us tag on a uk link
        clickEvent('janesblog-20', { page }), // healthy
        clickEvent('bobsblog-2', { page: 'https://bob.example/' }),
      ],
    });
    const admin = await c.admin('GET', '/v1/reports/link-health?from=2026-11-20&to=2026-11-20');
    expect(admin.status).toBe(200);
    expect(admin.body.rows).toEqual([
      expect.objectContaining({ tag: 'janesblog-2', page, problem: 'malformed_tag', clicks: 2, suggestion: 'janesblog-20', account: jane.id }),
      expect.objectContaining({ tag: 'bobsblog-2', problem: 'malformed_tag', clicks: 1, suggestion: 'bobsblog-20', account: bob.id }),
      expect.objectContaining({ tag: 'janesblog-20', problem: 'wrong_marketplace', linkMarketplace: 'uk', tagMarketplace: 'us', clicks: 1 }),
      expect.objectContaining({ tag: 'stranger-20', problem: 'unregistered_tag', clicks: 1, suggestion: null, account: null }),
    ]);
    expect(admin.body.totals).toEqual({ clicks: 5, unregisteredTag: 1, malformedTag: 3, wrongMarketplace: 1 });

    const own = await jane.api('GET', '/v1/reports/link-health?from=2026-11-20&to=2026-11-20');
    expect(own.body.rows.map((r: { tag: string }) => r.tag)).toEqual(['janesblog-2', 'janesblog-20']);

    const csv = await c.request('GET', '/v1/reports/link-health?from=2026-11-20&to=2026-11-20&format=csv', { headers: { authorization: `Bearer ${c.adminKey}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe('tag,page,problem,linkMarketplace,tagMarketplace,clicks,lastSeen,suggestion,account');
  });

  it('answers bad dates with a 400 and requires a key', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    expect((await c.admin('GET', '/v1/reports/link-health?from=yesterday')).status).toBe(400);
    expect((await c.request('GET', '/v1/reports/link-health')).status).toBe(401);
  });
});

describe('GET /v1/reports/link-health?account=', () => {
  it("lets the admin narrow to one account, and answers 404 for an account key asking for another's", async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: createClock('2026-11-20T10:00:00Z').now });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const bob = await c.setupAccount('Bob', 'bobsblog-20', 'us');
    await c.beacon({ events: [clickEvent('janesblog-2'), clickEvent('bobsblog-2')] });
    const rows = (await c.admin('GET', `/v1/reports/link-health?from=2026-11-20&to=2026-11-20&account=${bob.id}`)).body.rows;
    expect(rows.map((r: { tag: string }) => r.tag)).toEqual(['bobsblog-2']);
    expect((await jane.api('GET', `/v1/reports/link-health?from=2026-11-20&to=2026-11-20&account=${bob.id}`)).status).toBe(404);
  });
});

describe('GET /v1/reports/link-health: whose row a truncated tag is', () => {
  it('attributes a truncated tag only when one account owns every tag it could be cut from', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: createClock('2026-11-20T10:00:00Z').now });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    const page = 'https://janesblog.example/private-draft';
    await c.beacon({ events: [clickEvent('janesblog-2', { page }), clickEvent('janesblog-2', { page })] });
    const report = (api = c.admin) => api('GET', '/v1/reports/link-health?from=2026-11-20&to=2026-11-20');
    expect((await report(jane.api)).body.rows).toEqual([expect.objectContaining({ tag: 'janesblog-2', account: jane.id, suggestion: 'janesblog-20' })]);
    // Jane's second tag keeps the row hers.
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    expect((await report(jane.api)).body.rows).toEqual([expect.objectContaining({ tag: 'janesblog-2', account: jane.id, suggestion: 'janesblog-20' })]);
    // Someone else registers a tag that also starts with "janesblog-2" (and sorts first): the row is
    // no longer anyone's. It never moves to Bob, who would otherwise see Jane's pages.
    const bob = await c.setupAccount('Bob', 'janesblog-2-20', 'us');
    expect((await report(bob.api)).body.rows).toEqual([]);
    expect((await report(jane.api)).body.rows).toEqual([]);
    expect((await report()).body.rows).toEqual([expect.objectContaining({ tag: 'janesblog-2', page, account: null, suggestion: null, clicks: 2 })]);
  });
});
