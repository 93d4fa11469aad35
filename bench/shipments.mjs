// The ledger's write path: a merchant's shipment callback (`POST /v1/orders/{id}/events`, 2 lines,
// two ledger entries) and a return (one entry), called through the service in the server, on
// SQLite and, when AFFIL_BENCH_PG or AFFIL_TEST_PG names a server, PostgreSQL. Latency one at a
// time, then throughput with 8 callbacks in flight, all for one affiliate (one ledger chain:
// its writers take turns) and spread over 8 affiliates (8 chains). PostgreSQL: a database of its
// own, affil_bench_<random>, dropped at the end.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startCollector } from '../packages/collector/dist/server.js';
import { DEFAULT_PROGRAM } from '../packages/collector/dist/config.js';
import { receiveOrder, receiveOrderEvent } from '../packages/collector/dist/services/orders.js';
import { createAccount, createTag } from '../packages/collector/dist/services/accounts.js';
import { percentile } from './stats.mjs';
import { pgOnce } from './pg-once.mjs';

const ORDERS = Number(process.env.BENCH_SHIPMENTS ?? 600);
const WARMUP = 50;
const INFLIGHT = 8;
const SERVER = process.env.AFFIL_BENCH_PG ?? process.env.AFFIL_TEST_PG;

async function run(label, db) {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const collector = await startCollector({ ...DEFAULT_PROGRAM, port: 0, host: '127.0.0.1', db, adminKey: 'bench-admin', webhookSecrets: [secret], publicUrl: undefined }, { log: () => {} });
  const ctx = collector.context;
  const webhook = new Webhook(secret);
  const signed = (body) => {
    const text = JSON.stringify(body);
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const now = new Date();
    return { body: text, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': webhook.sign(id, now, text) } };
  };
  const tags = [];
  for (let a = 0; a < INFLIGHT; a++) {
    const account = await createAccount(ctx, { name: `Ship ${a}` });
    const tag = `ship${a}-20`;
    await createTag(ctx, account.id, { tag, marketplace: 'us' });
    tags.push(tag);
  }
  let n = 0;
  const order = async (tag) => {
    const orderId = `SHIP-${n++}-${randomBytes(4).toString('hex')}`;
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const answer = await receiveOrder(ctx, signed({
      orderId, marketplace: 'us', currency: 'USD', orderedAt: at,
      referral: { clickId: `c-${orderId}`, tag, clickedAt: new Date(Date.now() - 7_200_000).toISOString() },
      items: [{ lineId: '1', sku: 'B0A', category: 'books', quantity: 2, unitAmount: 1999 }, { lineId: '2', sku: 'B0B', category: 'toys', quantity: 1, unitAmount: 4999 }],
    }));
    if (answer.status !== 201 || !answer.body.attributed) throw new Error(`order not attributed: ${JSON.stringify(answer.body).slice(0, 200)}`);
    return orderId;
  };
  const event = async (orderId, body) => {
    const answer = await receiveOrderEvent(ctx, orderId, signed(body));
    if (answer.status !== 200) throw new Error(`${body.type} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
  };
  const time = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };

  // One at a time: every order of the first affiliate (one chain).
  const ids = [];
  for (let i = 0; i < ORDERS + WARMUP; i++) ids.push(await order(tags[0]));
  const shipped = [];
  const returned = [];
  let cpu0;
  for (const [i, id] of ids.entries()) {
    if (i === WARMUP) cpu0 = process.cpuUsage();
    const ms = await time(() => event(id, { type: 'shipped' }));
    if (i >= WARMUP) shipped.push(ms);
  }
  // This process's CPU per shipment (on SQLite the whole cost; on PostgreSQL the collector's side):
  // less at the mercy of other work on a shared machine than wall time.
  const used = process.cpuUsage(cpu0);
  const cpuPerShipment = (used.user + used.system) / 1000 / ORDERS;
  for (const [i, id] of ids.entries()) {
    if (i % 5 !== 0) continue;
    const ms = await time(() => event(id, { type: 'returned', items: [{ lineId: '1', quantity: 1 }] }));
    if (i >= WARMUP) returned.push(ms);
  }

  // In flight: INFLIGHT callers, each shipping its own orders; one affiliate, then INFLIGHT affiliates.
  const throughput = async (spread) => {
    const per = Math.floor(ORDERS / INFLIGHT);
    const batches = [];
    for (let w = 0; w < INFLIGHT; w++) {
      const mine = [];
      for (let i = 0; i < per; i++) mine.push(await order(tags[spread ? w : 0]));
      batches.push(mine);
    }
    const t0 = process.hrtime.bigint();
    await Promise.all(batches.map(async (mine) => {
      for (const id of mine) await event(id, { type: 'shipped' });
    }));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return (per * INFLIGHT) / s;
  };
  const oneChain = await throughput(false);
  const manyChains = await throughput(true);
  await collector.close();
  const p = (xs, q) => percentile(xs, q).toFixed(2);
  return [
    { name: `${label}: 2-line shipment p50 / p99 (${shipped.length})`, value: `${p(shipped, 50)} / ${p(shipped, 99)}`, unit: 'ms' },
    { name: `${label}: CPU per shipment (this process)`, value: cpuPerShipment.toFixed(3), unit: 'ms' },
    { name: `${label}: return p50 / p99 (${returned.length})`, value: `${p(returned, 50)} / ${p(returned, 99)}`, unit: 'ms' },
    { name: `${label}: shipments/s, ${INFLIGHT} in flight, 1 / ${INFLIGHT} affiliates`, value: `${oneChain.toFixed(0)} / ${manyChains.toFixed(0)}`, unit: '/s' },
  ];
}

export async function bench() {
  const results = [];
  const dir = mkdtempSync(join(tmpdir(), 'affil-bench-ship-'));
  try {
    results.push(...(await run('SQLite', join(dir, 'affil.db'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (SERVER) {
    const name = `affil_bench_${randomBytes(6).toString('hex')}`;
    await pgOnce(SERVER, `CREATE DATABASE ${name}`);
    try {
      const u = new URL(SERVER);
      u.pathname = `/${name}`;
      results.push(...(await run('PostgreSQL', u.toString())));
    } finally {
      await pgOnce(SERVER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
  results.push({ name: 'machine load average (1 min) while measured', value: (await import('node:os')).loadavg()[0].toFixed(1), unit: '' });
  return results;
}
