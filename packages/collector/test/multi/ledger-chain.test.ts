// The ledger's hash chain with concurrent writers on one PostgreSQL database (issue 18): entries
// are chained in the transaction that writes them, a chain's writers taking turns, so a chain's
// order is its commit order and its id order. Before, entries were chained lazily by the next
// money-out read: an entry whose transaction committed after a read had chained a later id went
// on the chain out of id order (that month's statement failed to verify), and one committed more
// than 10,000 ids late was never chained (its money counted nowhere). PostgreSQL only: on SQLite
// one writer runs at a time.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM, DEFAULT_SERVER } from '../../src/config.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';
import { startCollector, type Collector } from '../../src/server.js';
import { ledgerProblems } from '../../src/services/money-out.js';
import { receiveOrderEvent } from '../../src/services/orders.js';
import { openStorage } from '../../src/storage/open.js';
import type { Storage } from '../../src/storage/port.js';
import { ON_POSTGRES } from '../helpers/backend.js';
import { createClock, useCollectors, type Json, type TestAccount, type TestCollector } from '../helpers/collector.js';
import { orderBody, TEST_MARKETPLACES } from '../helpers/fixtures.js';
import { query } from '../storage/pg-helpers.js';

const start = useCollectors();
const NO_HOLDS = { selfReferral: false, burst: false, stuffing: false, orderVelocity: false } as const;

/** A signed order callback as the service reads it. */
function signedRequest(secret: string, body: unknown) {
  const text = JSON.stringify(body);
  const id = `msg_${randomUUID()}`;
  const now = new Date();
  return { body: text, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, text) } };
}

/** An order credited to `account` through a referral the merchant captured (ordered at `orderedAt`). */
async function order(c: TestCollector, account: TestAccount, orderedAt: string, units = 1): Promise<string> {
  const orderId = `112-${randomUUID().slice(0, 7)}-${randomUUID().slice(0, 7)}`;
  const items = [{ lineId: '1', sku: '0143127748', name: 'Book', category: 'books', quantity: units, unitAmount: 2000 }];
  const reply = await c.signed('/v1/orders', orderBody({ orderId, orderedAt, referral: { clickId: `clk-${orderId}`, tag: account.tag, clickedAt: orderedAt }, items }));
  expect(reply.status, reply.text).toBe(201);
  expect(reply.body.attributed).toBe(true);
  return orderId;
}

/** Resolves once a session of this database waits for an advisory lock (a chain's second writer), unless stopped. */
async function someoneWaitsForALock(db: string, stopped: () => boolean): Promise<boolean> {
  while (!stopped()) {
    const [row] = await query<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    if (row!.n > 0) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** `storage` whose first transaction stops before its COMMIT until `release` resolves; `atCommit` says it got there. */
function holdingFirstCommit(storage: Storage, release: Promise<void>): { storage: Storage; atCommit: Promise<void> } {
  let reached!: () => void;
  const atCommit = new Promise<void>((resolve) => (reached = resolve));
  let held = false;
  return {
    atCommit,
    storage: {
      ...storage,
      transaction: (fn) =>
        storage.transaction(async (tx) => {
          const out = await fn(tx);
          if (!held) {
            held = true;
            reached();
            await release;
          }
          return out;
        }),
    },
  };
}

/** Every statement of `account` in USD for these months verifies and continues the one before it; answers them. */
async function verifiedStatements(c: TestCollector, account: TestAccount, months: string[]): Promise<Json[]> {
  const keys = (await c.request('GET', '/.well-known/affil-statement-key')).body;
  const out: Json[] = [];
  for (const month of months) {
    const reply = await c.admin('GET', `/v1/statements?month=${month}&account=${account.id}&currency=USD`);
    expect(reply.status, reply.text).toBe(200);
    const previous = out.at(-1);
    expect(verifyStatement(reply.body, keys, previous ? { previous } : {}), `${account.name} ${month}`).toEqual([]);
    out.push(reply.body);
  }
  return out;
}

describe.skipIf(!ON_POSTGRES)('the ledger chain with concurrent writers on PostgreSQL', () => {
  /**
   * Order A's shipment runs in a second collector's transaction that stops before its COMMIT;
   * meanwhile order B's shipment (same affiliate, same currency: one chain) arrives at the first
   * collector, followed by a balance read. A commits, then B. `late`: ids jump by 20,000 between A's
   * entry and B's, as when that many entries are written while A's transaction is open.
   */
  async function race(late: boolean) {
    const clock = createClock('2026-11-20T09:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, integrity: NO_HOLDS });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    // Different order and shipment days: the two transactions share no per-day totals row.
    const a = await order(c, jane, '2026-11-10T10:00:00Z', 1); // 2000 × 450 bp = 90
    const b = await order(c, jane, '2026-11-11T10:00:00Z', 2); // 4000 × 450 bp = 180
    const other = await openStorage(c.db);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = holdingFirstCommit(other, released);
    try {
      const ctx = { ...c.collector.context, storage: held.storage };
      const first = receiveOrderEvent(ctx, a, signedRequest(c.webhookSecrets[0]!, { type: 'shipped', at: '2026-11-12T10:00:00Z' }));
      await held.atCommit; // A's entry is written, not committed
      if (late) await query(c.db, "SELECT setval(seq, nextval(seq) + 20000) FROM (SELECT pg_get_serial_sequence('ledger_entries', 'id') AS seq) s");
      let secondDone = false;
      const second = (async () => {
        const shipped = await c.signed(`/v1/orders/${b}/events`, { type: 'shipped', at: '2026-11-13T10:00:00Z' });
        const balance = await c.admin('GET', `/v1/balance?account=${jane.id}`);
        secondDone = true;
        return { shipped, balance };
      })();
      // Now: B waits for A's chain (it cannot commit before A), or B is through and read (the lazy chain).
      const waited = await Promise.race([someoneWaitsForALock(c.db, () => secondDone), second.then(() => false)]);
      release();
      const [one, two] = await Promise.all([first, second]);
      expect(one.status).toBe(200);
      expect(two.shipped.status, two.shipped.text).toBe(200);

      // Every entry chained, in commit order = id order; the money of both counts; statements verify.
      const problems = await ledgerProblems(c.collector.context);
      expect(problems).toEqual({ entries: 2, chains: 1, problems: [] });
      const balance = await c.admin('GET', `/v1/balance?account=${jane.id}`);
      expect(balance.body.byCurrency.USD).toMatchObject({ maturing: 270, pending: 0 });
      const [october, november, december] = await verifiedStatements(c, jane, ['2026-10', '2026-11', '2026-12']);
      expect(october.entries).toEqual([]);
      expect(november.entries.map((e: Json) => [e.orderId, e.amount])).toEqual([[a, 90], [b, 180]]);
      expect(november.entries[1].id - november.entries[0].id).toBeGreaterThan(late ? 20_000 : 0);
      expect(november.closingBalance).toBe(270);
      expect(december.openingBalance).toBe(270);
      // How: B's transaction waited for the chain A held until A committed.
      expect(waited).toBe(true);
    } finally {
      release();
      await other.close();
    }
  }

  it('two shipments of one affiliate in overlapping transactions: chained in commit order, the month’s statement verifies', () => race(false));

  it('an entry committed after 20,000 later ids were handed out is chained, and counts', () => race(true));

  it('two collectors taking shipments and returns for two affiliates at once, over two months: every statement verifies, nothing left unchained', { timeout: 120_000 }, async () => {
    const clock = createClock('2026-10-20T09:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now, integrity: NO_HOLDS });
    const second: Collector = await startCollector(
      { ...DEFAULT_PROGRAM, ...DEFAULT_SERVER, marketplaces: TEST_MARKETPLACES, integrity: NO_HOLDS, port: 0, host: '127.0.0.1', db: c.db, adminKey: c.adminKey, webhookSecrets: c.webhookSecrets, publicUrl: undefined },
      { log: () => {}, now: clock.now },
    );
    try {
      const signedTo = async (base: string, path: string, body: unknown) => {
        const { body: text, headers } = signedRequest(c.webhookSecrets[0]!, body);
        const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
        return { status: response.status, text: await response.text() };
      };
      const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
      const bob = await c.setupAccount('Bob', 'bobsblog-20', 'us');
      let expected = 0;
      const month = async (orderedAt: string) => {
        const orders: string[] = [];
        for (let i = 0; i < 12; i++) orders.push(await order(c, i % 2 === 0 ? jane : bob, orderedAt, 1 + (i % 3)));
        // Shipments and then returns of one unit, half through each collector, all at once, with balance reads among them.
        const results = await Promise.all([
          ...orders.map((id, i) => signedTo(i % 2 === 0 ? c.url : second.url, `/v1/orders/${id}/events`, { type: 'shipped' })),
          ...[jane, bob].map((who) => c.admin('GET', `/v1/balance?account=${who.id}`)),
        ]);
        for (const r of results) expect(r.status, r.text).toBe(200);
        const returns = await Promise.all(orders.map((id, i) => signedTo(i % 2 === 1 ? c.url : second.url, `/v1/orders/${id}/events`, { type: 'returned', items: [{ lineId: '1', quantity: 1 }] })));
        for (const r of returns) expect(r.status, r.text).toBe(200);
        // 2000 × 450 bp = 90 a unit: shipped 1–3 units, one returned.
        expected += orders.reduce((n, _, i) => n + 90 * (1 + (i % 3)) - 90, 0);
      };
      await month('2026-10-20T08:00:00Z');
      clock.set('2026-11-05T09:00:00Z');
      await month('2026-11-05T08:00:00Z');

      const check = await ledgerProblems(c.collector.context);
      expect(check.problems).toEqual([]);
      expect(check.entries).toBe(48);
      let owed = 0;
      for (const who of [jane, bob]) {
        const [october, november] = await verifiedStatements(c, who, ['2026-10', '2026-11']);
        expect(october.entries).toHaveLength(12);
        expect(november.entries).toHaveLength(12);
        // Returns name the shipment they reverse.
        for (const e of [...october.entries, ...november.entries].filter((x: Json) => x.kind === 'return')) {
          expect([...october.entries, ...november.entries].find((s: Json) => s.id === e.reverses)).toMatchObject({ kind: 'shipment', orderId: e.orderId });
        }
        owed += november.closingBalance;
      }
      expect(owed).toBe(expected);
    } finally {
      await second.close();
    }
  });
});
