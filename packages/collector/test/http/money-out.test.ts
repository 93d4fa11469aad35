// Money out over HTTP (SPEC §10) on a real collector: balances, payout runs (idempotent, racing,
// cancelled and rerun), a return after payment carried into the next payout, payout files,
// payout details, signed statements verified offline, and bad input naming the field.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createClock, useCollectors, type Json, type TestAccount, type TestCollector } from '../helpers/collector.js';
import { BOOK, clickEvent, expectProblem, orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';
import type { MoneyOutHooks } from '../../src/services/context.js';
import { ON_POSTGRES } from '../helpers/backend.js';

/** What someone with access to the database could do: change a stored ledger amount behind the collector's back. */
async function tamper(db: string, sql: string): Promise<void> {
  if (ON_POSTGRES) {
    const specifier = 'pg';
    const pg = (await import(specifier)) as { default: { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(q: string): Promise<unknown>; end(): Promise<void> } } };
    const client = new pg.default.Client({ connectionString: db });
    await client.connect();
    try {
      await client.query('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only');
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const handle = new Database(db);
  try {
    handle.exec('DROP TRIGGER ledger_entries_append_only_update');
    handle.exec(sql);
  } finally {
    handle.close();
  }
}

const start = useCollectors();
const BIN = fileURLToPath(new URL('../../bin/affil.js', import.meta.url));

/**
 * Jane's blog program, payable 30 days after the month an entry was recorded in, minimum 10.00 USD.
 * `sale` credits an order (worked example: camera 1996 + two books 117 = 2113) and ships it at
 * the clock's time; `event` reports a later event at `at` (default now).
 */
async function program(o: { payouts?: unknown; moneyOut?: MoneyOutHooks } = {}) {
  const clock = createClock('2026-09-10T09:00:00Z');
  const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, payouts: o.payouts ?? { payableAfterDays: 30, minimum: { USD: 1000 } }, ...(o.moneyOut ? { moneyOut: o.moneyOut } : {}) });
  const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
  const bob = await c.setupAccount('Bob', 'bobsblog-20', 'us');
  let n = 0;
  const event = async (orderId: string, body: Json) => {
    const reply = await c.signed(`/v1/orders/${orderId}/events`, { at: new Date(clock.now()).toISOString(), ...body });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };
  const sale = async (account: TestAccount, options: { items?: Json[]; ship?: boolean; shippedAt?: string } = {}) => {
    const click = clickEvent(account.tag);
    expect((await c.beacon(click)).status).toBe(202);
    const orderId = `112-0000000-${String(++n).padStart(7, '0')}`;
    const now = new Date(clock.now()).toISOString();
    const created = await c.signed('/v1/orders', orderBody({ orderId, orderedAt: now, referral: { clickId: click.id, tag: account.tag, clickedAt: now }, ...(options.items ? { items: options.items } : {}) }));
    expect(created.status, created.text).toBe(201);
    if (options.ship !== false) await event(orderId, { type: 'shipped', ...(options.shippedAt ? { at: options.shippedAt } : {}) });
    return orderId;
  };
  const balance = async (account: TestAccount) => {
    const reply = await c.admin('GET', `/v1/balance?account=${account.id}`);
    expect(reply.status, reply.text).toBe(200);
    return reply.body.byCurrency.USD;
  };
  const run = (through: string) => c.admin('POST', '/v1/payouts', { through });
  return { c, clock, jane, bob, sale, event, balance, run };
}

const BOOK_ONLY = [{ lineId: '1', sku: BOOK, name: 'Book', category: 'books', quantity: 1, unitAmount: 1299 }]; // 58

/** Every statement must tie out: opening + entries − payouts = closing (SPEC §10). */
function tiesOut(s: Json): void {
  const entries = s.entries.reduce((a: number, e: Json) => a + e.amount, 0);
  const payouts = s.payouts.reduce((a: number, p: Json) => a + p.amount, 0);
  expect(s.openingBalance + entries - payouts).toBe(s.closingBalance);
}

async function statement(c: TestCollector, account: TestAccount, month: string): Promise<Json> {
  const reply = await c.admin('GET', `/v1/statements?month=${month}&account=${account.id}&currency=USD`);
  expect(reply.status, reply.text).toBe(200);
  tiesOut(reply.body);
  return reply.body;
}

describe('GET /v1/balance', () => {
  it('pending until shipped, maturing until 00:00 UTC on the first of the next month plus payableAfterDays, then payable', async () => {
    const { c, clock, jane, bob, sale, balance } = await program();
    const orderId = await sale(jane, { ship: false });
    expect(await balance(jane)).toEqual({ pending: 2113, maturing: 0, payable: 0, inPayout: 0, paid: 0, onHold: 0, carriedForward: 0 });
    expect((await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.nextPayout).toEqual({}); // nothing earned until shipped
    await c.signed(`/v1/orders/${orderId}/events`, { type: 'shipped', at: new Date(clock.now()).toISOString() });
    expect(await balance(jane)).toMatchObject({ pending: 0, maturing: 2113, payable: 0 });
    // The next payout: all of it, paid by a run through Oct 31 (or later).
    const next = { amount: 2113, payableOn: '2026-10-31', minimum: 1000, belowMinimum: false };
    expect((await c.admin('GET', `/v1/balance?account=${jane.id}`)).body.nextPayout).toEqual({ USD: next });
    clock.set('2026-10-30T23:59:59.999Z'); // Oct 1 + 30 days = Oct 31, 00:00 UTC
    expect(await balance(jane)).toMatchObject({ maturing: 2113, payable: 0 });
    clock.set('2026-10-31T00:00:00Z');
    expect(await balance(jane)).toMatchObject({ maturing: 0, payable: 2113 });

    // An account sees its own; the admin every account (Bob with nothing yet).
    const own = await jane.api('GET', '/v1/balance');
    expect(own.body).toEqual({ account: jane.id, byCurrency: { USD: expect.objectContaining({ payable: 2113 }) }, nextPayout: { USD: next } });
    const all = await c.admin('GET', '/v1/balance');
    expect(all.status).toBe(200);
    expect(all.body.accounts).toEqual(expect.arrayContaining([{ account: bob.id, byCurrency: {}, nextPayout: {} }, { account: jane.id, byCurrency: { USD: expect.objectContaining({ payable: 2113 }) }, nextPayout: { USD: next } }]));
    expectProblem(await jane.api('GET', `/v1/balance?account=${bob.id}`), 404);
    expectProblem(await c.admin('GET', '/v1/balance?account=nobody'), 404, 'nobody');
    expectProblem(await c.admin('GET', '/v1/balance?account='), 400, 'account');
  });

  it('a back-dated merchant `at` dates nothing: the entry belongs to the month the collector recorded it', async () => {
    const { c, clock, jane, sale, balance } = await program();
    clock.set('2026-09-28T10:00:00Z');
    const orderId = await sale(jane, { ship: false });
    clock.set('2026-10-02T10:00:00Z');
    const reply = await c.signed(`/v1/orders/${orderId}/events`, { type: 'shipped', at: '2026-09-29T10:00:00Z' });
    expect(reply.status, reply.text).toBe(200);
    // Recorded in October: payable on Nov 1 + 30 days, not Oct 31.
    clock.set('2026-11-05T00:00:00Z');
    expect(await balance(jane)).toMatchObject({ maturing: 2113, payable: 0 });
    expect((await statement(c, jane, '2026-09')).entries).toEqual([]);
    expect((await statement(c, jane, '2026-10')).entries.map((e: Json) => e.amount)).toEqual([1996, 117]);
    expect((await c.admin('POST', '/v1/payouts', { through: '2026-11-05' })).body.payouts).toEqual([]);
  });
});

describe('POST /v1/payouts', () => {
  it('pays what is payable through the date, once: the same run again, and two racing runs, make one set of payouts', async () => {
    const events: Json[] = [];
    const { c, clock, jane, bob, sale, run, balance } = await program({ moneyOut: { notify: (e) => void events.push(e) } });
    await sale(jane);
    await sale(bob, { items: BOOK_ONLY }); // 58: below the 1000 minimum
    clock.set('2026-11-02T00:00:00Z');
    const [a, b] = await Promise.all([run('2026-10-31'), run('2026-10-31')]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.payouts).toEqual(b.body.payouts);
    expect(a.body.payouts).toEqual([expect.objectContaining({ account: jane.id, currency: 'USD', amount: 2113, through: '2026-10-31', status: 'created', entries: [expect.any(Number), expect.any(Number)] })]);
    expect(a.body.belowMinimum).toEqual([{ account: bob.id, currency: 'USD', net: 58, minimum: 1000, entries: [expect.any(Number)] }]);
    const again = await run('2026-10-31');
    expect(again.status).toBe(200);
    expect(again.body.payouts).toEqual(a.body.payouts);
    const list = await c.admin('GET', '/v1/payouts');
    expect(list.body.payouts).toHaveLength(1);
    expect(await balance(jane)).toMatchObject({ payable: 0, inPayout: 2113 });
    expect(await balance(bob)).toMatchObject({ payable: 58 });
    // Jane's money is in a payout now (nothing next); Bob's 58 rolls over until his balance reaches the minimum.
    expect((await jane.api('GET', '/v1/balance')).body.nextPayout).toEqual({});
    expect((await bob.api('GET', '/v1/balance')).body.nextPayout).toEqual({ USD: { amount: 58, payableOn: '2026-11-02', minimum: 1000, belowMinimum: true } });
    expect(events).toEqual([{ type: 'payout.created', data: a.body.payouts[0] }]);

    // An account reads its own payouts only.
    const id = a.body.payouts[0].id;
    expect((await jane.api('GET', `/v1/payouts/${id}`)).body).toEqual(a.body.payouts[0]);
    expectProblem(await bob.api('GET', `/v1/payouts/${id}`), 404);
    expect((await bob.api('GET', '/v1/payouts')).body).toEqual({ payouts: [] });
    expectProblem(await jane.api('POST', '/v1/payouts', { through: '2026-10-31' }), 403);
    expectProblem(await jane.api('POST', `/v1/payouts/${id}/paid`, { reference: 'x' }), 403);
  });

  it('cancel frees the entries and the next run pays them anew; paid, a return after payment is carried forward and lowers the next payout', async () => {
    const events: Json[] = [];
    const { c, clock, jane, sale, event, run, balance } = await program({ moneyOut: { notify: (e) => void events.push(e) } });
    const first = await sale(jane);
    clock.set('2026-11-02T00:00:00Z');
    const made = (await run('2026-10-31')).body.payouts[0];
    const cancelled = await c.admin('POST', `/v1/payouts/${made.id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ id: made.id, status: 'cancelled' });
    expect(await balance(jane)).toMatchObject({ payable: 2113, inPayout: 0 });
    const rerun = await run('2026-10-31');
    expect(rerun.status).toBe(201);
    const payout = rerun.body.payouts[0];
    expect(payout).toMatchObject({ amount: 2113, status: 'created', entries: made.entries });
    expect(payout.id).not.toBe(made.id);
    expectProblem(await c.admin('POST', `/v1/payouts/${made.id}/paid`, { reference: 'PP-1' }), 409);

    const paid = await c.admin('POST', `/v1/payouts/${payout.id}/paid`, { reference: 'PP-1' });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', reference: 'PP-1', paidAt: '2026-11-02T00:00:00.000Z' });
    expect((await c.admin('POST', `/v1/payouts/${payout.id}/paid`, { reference: 'PP-1' })).status).toBe(200);
    expectProblem(await c.admin('POST', `/v1/payouts/${payout.id}/paid`, { reference: 'PP-2' }), 409);
    expectProblem(await c.admin('POST', `/v1/payouts/${payout.id}/cancel`), 409);
    expect(events.map((e) => e.type)).toEqual(['payout.created', 'payout.created', 'payout.paid']);

    // A book comes back after payment: −59, carried forward.
    await event(first, { type: 'returned', items: [{ lineId: '2', quantity: 1 }] });
    expect(await balance(jane)).toMatchObject({ paid: 2113, carriedForward: -59, payable: 0, maturing: 0 });
    // Next month's sale: 2113 recorded in November, payable Dec 31; the next payout is 2113 − 59.
    clock.set('2026-11-15T00:00:00Z');
    await sale(jane);
    clock.set('2027-01-01T00:00:00Z');
    const next = await run('2026-12-31');
    expect(next.body.payouts).toEqual([expect.objectContaining({ amount: 2054 })]);
    expect(next.body.payouts[0].entries).toHaveLength(3);
    expect(await balance(jane)).toMatchObject({ paid: 2113, carriedForward: 0, inPayout: 2054 });

    // Statements tie out and carry the payout in the month it was paid.
    const november = await statement(c, jane, '2026-11');
    expect(november).toMatchObject({ openingBalance: 2113, closingBalance: 2113 - 2113 - 59 + 2113, payouts: [{ id: payout.id, amount: 2113, reference: 'PP-1' }] });
  });

  it('entries of an order on hold count in onHold and are never paid (holds seam)', async () => {
    const held = new Set<string>();
    const { clock, jane, sale, run, balance } = await program({ moneyOut: { heldOrders: async (ids) => new Set(ids.filter((id) => held.has(id))) } });
    held.add(await sale(jane));
    await sale(jane, { items: BOOK_ONLY });
    clock.set('2026-11-02T00:00:00Z');
    expect(await balance(jane)).toMatchObject({ onHold: 2113, payable: 58 });
    const reply = await run('2026-10-31');
    expect(reply.body.payouts).toEqual([]);
    expect(reply.body.belowMinimum).toEqual([expect.objectContaining({ net: 58 })]);
  });

  it('bad input: 422 or 400 naming the field, 404 for an unknown payout', async () => {
    const { c } = await program();
    expectProblem(await c.admin('POST', '/v1/payouts', {}), 422, 'through');
    expectProblem(await c.admin('POST', '/v1/payouts', { through: '2026-02-30' }), 422, 'through');
    expectProblem(await c.admin('POST', '/v1/payouts', { through: 20261031 }), 422, 'through');
    expectProblem(await c.admin('POST', '/v1/payouts', { through: '2026-10-31', dryRun: true }), 422, 'dryRun');
    expectProblem(await c.admin('POST', '/v1/payouts', '{"through":'), 400);
    expectProblem(await c.admin('GET', '/v1/payouts?status=lost'), 400, 'status');
    expectProblem(await c.admin('GET', '/v1/payouts/preview?through=tomorrow'), 422, 'through');
    expectProblem(await c.admin('GET', '/v1/payouts/po_nope'), 404, 'po_nope');
    expectProblem(await c.admin('POST', '/v1/payouts/po_nope/cancel'), 404, 'po_nope');
    expectProblem(await c.admin('POST', '/v1/payouts/po_nope/paid', { reference: 'x' }), 404, 'po_nope');
    expectProblem(await c.admin('POST', '/v1/payouts/po_nope/paid', {}), 422, 'reference');
    expectProblem(await c.admin('POST', '/v1/payouts/po_nope/paid', { reference: '   ' }), 422, 'reference');
    expectProblem(await c.admin('GET', '/v1/payouts/export?format=pdf'), 400, 'format');
    expectProblem(await c.admin('GET', '/v1/payouts/export?through=2026-13-01'), 400, 'through');
  });
});

describe('payout details and files', () => {
  it('PATCH /v1/accounts/{id} sets the payout method and email; exports list accounts without them as not payable', async () => {
    const { c, clock, jane, bob, sale, run } = await program({ payouts: { payableAfterDays: 30, minimum: { USD: 50 } } });
    await sale(jane);
    await sale(bob, { items: BOOK_ONLY });
    const patched = await jane.api('PATCH', `/v1/accounts/${jane.id}`, { payoutMethod: 'paypal', payoutEmail: 'jane@example.com' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ id: jane.id, payoutMethod: 'paypal', payoutEmail: 'jane@example.com' });
    expect((await c.admin('PATCH', `/v1/accounts/${jane.id}`, { payoutEmail: 'pay@janesblog.example' })).body).toMatchObject({ payoutMethod: 'paypal', payoutEmail: 'pay@janesblog.example' });
    expectProblem(await bob.api('PATCH', `/v1/accounts/${jane.id}`, { payoutEmail: 'bob@example.com' }), 404);
    expectProblem(await c.admin('PATCH', `/v1/accounts/${jane.id}`, { payoutEmail: 'not-an-email' }), 422, 'payoutEmail');
    expectProblem(await c.admin('PATCH', `/v1/accounts/${jane.id}`, { payoutMethod: 'bank' }), 422, 'payoutMethod');
    expectProblem(await c.admin('PATCH', `/v1/accounts/${jane.id}`, {}), 422, 'payoutMethod');
    expectProblem(await c.admin('PATCH', '/v1/accounts/nobody', { payoutEmail: 'x@example.com' }), 404, 'nobody');

    clock.set('2026-11-02T00:00:00Z');
    const payouts = (await run('2026-10-31')).body.payouts;
    expect(payouts.map((p: Json) => [p.account, p.amount])).toEqual(expect.arrayContaining([[jane.id, 2113], [bob.id, 58]]));
    const janeId = payouts.find((p: Json) => p.account === jane.id).id;
    const bobId = payouts.find((p: Json) => p.account === bob.id).id;

    const paypal = await c.admin('GET', '/v1/payouts/export?through=2026-10-31&format=paypal');
    expect(paypal.status, paypal.text).toBe(200);
    expect(paypal.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(paypal.text).toBe(`pay@janesblog.example,21.13,USD,${janeId},Affiliate commission through 2026-10-31 (${janeId}),PAYPAL\r\n`);
    const left = JSON.parse(paypal.headers.get('x-affil-not-payable')!);
    expect(left).toEqual([expect.objectContaining({ payout: bobId, account: bob.id, amount: '0.58', reason: expect.stringContaining('no payout email') })]);

    const wise = await c.admin('GET', '/v1/payouts/export?through=2026-10-31&format=wise');
    expect(wise.text.split('\r\n')[0]).toBe('name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency');
    expect(JSON.parse(wise.headers.get('x-affil-not-payable')!).map((n: Json) => n.payout).sort()).toEqual([bobId, janeId].sort());

    const csv = await c.admin('GET', '/v1/payouts/export?through=2026-10-31&format=csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('payout,account,currency,amount,amount_minor,through,status,payout_method,payout_email,payable,reason');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(janeId))).toContain(',21.13,2113,2026-10-31,created,paypal,pay@janesblog.example,yes,');
  });
});

describe('GET /v1/statements', () => {
  it('signed statements an affiliate verifies with affil verify against the collector key set; an edit is caught', { timeout: 30_000 }, async () => {
    const { c, clock, jane, sale, event, run } = await program();
    const first = await sale(jane);
    clock.set('2026-10-05T00:00:00Z');
    await event(first, { type: 'returned', items: [{ lineId: '2', quantity: 1 }] });
    clock.set('2026-11-02T00:00:00Z');
    const payout = (await run('2026-10-31')).body.payouts[0];
    expect(payout.amount).toBe(2054); // the October return goes with the September book it reverses
    await c.admin('POST', `/v1/payouts/${payout.id}/paid`, { reference: 'PP-9' });

    const september = await statement(c, jane, '2026-09');
    expect(september).toMatchObject({ account: jane.id, currency: 'USD', month: '2026-09', openingBalance: 0, closingBalance: 2113, chain: { previous: '0'.repeat(64) } });
    expect(september.entries.map((e: Json) => [e.kind, e.amount, e.rule, e.rateBp])).toEqual([['shipment', 1996, expect.any(String), 400], ['shipment', 117, expect.any(String), 450]]);
    const october = await statement(c, jane, '2026-10');
    expect(october).toMatchObject({ openingBalance: 2113, closingBalance: 2054 });
    expect(october.chain.previous).toBe(september.chain.last);
    expect(october.entries[0]).toMatchObject({ kind: 'return', amount: -59, reverses: september.entries[1].id });
    const november = await statement(c, jane, '2026-11');
    expect(november).toMatchObject({ openingBalance: 2054, closingBalance: 2054 - 2054, payouts: [{ id: payout.id, amount: 2054, reference: 'PP-9' }] });

    const keys = await c.request('GET', '/.well-known/affil-statement-key');
    expect(keys.status).toBe(200);
    expect(keys.body).toEqual({ keys: [{ kid: october.signature.kid, kty: 'OKP', crv: 'Ed25519', x: expect.any(String) }] });
    expect(verifyStatement(october, keys.body, { previous: september })).toEqual([]);

    const dir = mkdtempSync(join(tmpdir(), 'affil-statements-'));
    try {
      writeFileSync(join(dir, 'sep.json'), JSON.stringify(september));
      writeFileSync(join(dir, 'oct.json'), JSON.stringify(october));
      writeFileSync(join(dir, 'edited.json'), JSON.stringify({ ...october, closingBalance: october.closingBalance + 1 }));
      const ok = await affil(dir, 'verify', 'oct.json', '--key', `${c.url}/.well-known/affil-statement-key`, '--previous', 'sep.json');
      expect(ok, ok.err).toEqual({ code: 0, out: 'oct.json: valid (signature, chain and sums check out)\n', err: '' });
      const bad = await affil(dir, 'verify', 'edited.json', '--key', `${c.url}/.well-known/affil-statement-key`);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('signature');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The same key after a restart-free second read; CSV and HTML of one statement.
    const csv = await c.admin('GET', `/v1/statements?month=2026-10&account=${jane.id}&currency=USD&format=csv`);
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text).toContain('-0.59');
    const html = await jane.api('GET', '/v1/statements?month=2026-10&currency=USD&format=html');
    expect(html.status, html.text).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const list = await c.admin('GET', '/v1/statements?month=2026-10');
    expect(list.body.statements).toHaveLength(1);
    list.body.statements.forEach(tiesOut);
  });

  it('bad input: 400 naming the field; an account sees only its own', async () => {
    const { c, jane, bob } = await program();
    expectProblem(await c.admin('GET', '/v1/statements'), 400, 'month');
    expectProblem(await c.admin('GET', '/v1/statements?month=2026-13'), 400, 'month');
    expectProblem(await c.admin('GET', '/v1/statements?month=2026-10&currency=usd'), 400, 'currency');
    expectProblem(await c.admin('GET', '/v1/statements?month=2026-10&format=xml'), 400, 'format');
    expectProblem(await c.admin('GET', '/v1/statements?month=2026-10&format=csv'), 400, 'currency');
    expectProblem(await jane.api('GET', `/v1/statements?month=2026-10&account=${bob.id}`), 404);
    expectProblem(await c.request('GET', '/v1/statements?month=2026-10'), 401);
    const empty = await jane.api('GET', '/v1/statements?month=2026-10&currency=USD');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ account: jane.id, openingBalance: 0, closingBalance: 0, entries: [], payouts: [] });
  });
});

describe('affil payouts', () => {
  it('run --through on the same database (idempotent), export to stdout; verify --db names an edited entry; usage errors exit 2 naming the problem', { timeout: 60_000 }, async () => {
    const { c, jane, bob, sale } = await program();
    await sale(jane);
    await c.admin('PATCH', `/v1/accounts/${jane.id}`, { payoutMethod: 'wise', payoutEmail: 'jane@example.com' });
    const dir = mkdtempSync(join(tmpdir(), 'affil-payouts-'));
    try {
      // The command reads the program's config (default: payable 60 days after the month), not the test collector's.
      const first = await affil(dir, 'payouts', 'run', '--through', '2026-11-30', '--db', c.db, '--json');
      expect(first.code, first.err).toBe(0);
      const made = JSON.parse(first.out);
      expect(made.payouts).toEqual([expect.objectContaining({ account: jane.id, amount: 2113, status: 'created' })]);
      const again = await affil(dir, 'payouts', 'run', '--through', '2026-11-30', '--db', c.db);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain('0 new payout(s) through 2026-11-30');
      expect(again.out).toContain(made.payouts[0].id);
      expect((await c.admin('GET', '/v1/payouts')).body.payouts.map((p: Json) => p.id)).toEqual([made.payouts[0].id]);
      const wise = await affil(dir, 'payouts', 'export', '--through', '2026-11-30', '--format', 'wise', '--db', c.db);
      expect(wise.code, wise.err).toBe(0);
      expect(wise.out).toBe(`name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency\r\nJane,jane@example.com,${made.payouts[0].id},PRIVATE,target,21.13,USD,USD\r\n`);
      const missing = await affil(dir, 'payouts', 'run', '--db', c.db);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('--through');
      const bad = await affil(dir, 'payouts', 'run', '--through', '2026-02-30', '--db', c.db);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('through');
      const intact = await affil(dir, 'verify', '--db', c.db);
      expect(intact, intact.err).toEqual({ code: 0, out: 'ledger: 2 entries in 1 chains, every link intact\n', err: '' });
      await tamper(c.db, "UPDATE ledger_entries SET amount = amount + 100 WHERE line_id = '2'");
      const edited = await affil(dir, 'verify', '--db', c.db);
      expect(edited.code, edited.err).toBe(1);
      expect(edited.out).toMatch(/entry \d+: content does not match its hash: the entry was changed/);
      const format = await affil(dir, 'payouts', 'export', '--format', 'pdf', '--db', c.db);
      expect(format.code).toBe(2);
      expect(format.err).toContain('format');
      expect(bob.id).toBeTruthy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function affil(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AFFIL_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 30_000 }, (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }));
  });
}
