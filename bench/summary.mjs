// Issue 6 budget: with 10 million clicks and 1 million orders, a one-year summary for one
// account answers in under 50 ms. Measured over HTTP (what a dashboard waits for) and inside
// the server (the report service alone).
import { startCollector } from '../packages/collector/dist/server.js';
import { DEFAULT_PROGRAM } from '../packages/collector/dist/config.js';
import { summary } from '../packages/collector/dist/services/reports.js';
import { ensureOrders, seededDatabase, warmFile } from './seed.mjs';
import { percentile } from './stats.mjs';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 10_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const RUNS = 200;

export async function bench() {
  const db = seededDatabase({ name: `clicks-${CLICKS}`, clicks: CLICKS });
  const warmed = warmFile(db);
  ensureOrders(db, { orders: ORDERS });
  const collector = await startCollector({ ...DEFAULT_PROGRAM, port: 0, host: '127.0.0.1', db, adminKey: 'bench-admin', webhookSecrets: ['whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2g='], publicUrl: undefined }, { log: () => {} });
  const query = { from: '2025-11-21', to: '2026-11-20' };
  const inProcess = [];
  const http = [];
  let body;
  for (let i = 0; i < RUNS; i++) {
    const account = `acc_bench${(i * 37) % 1000}`;
    const t0 = process.hrtime.bigint();
    body = await summary(collector.context, { role: 'account', keyId: 'bench', accountId: account }, query);
    inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const t1 = process.hrtime.bigint();
    const res = await fetch(`${collector.url}/v1/reports/summary?from=${query.from}&to=${query.to}&account=${account}`, { headers: { authorization: 'Bearer bench-admin' } });
    await res.json();
    http.push(Number(process.hrtime.bigint() - t1) / 1e6);
    if (res.status !== 200) throw new Error(`summary answered ${res.status}`);
  }
  await collector.close();
  const p99 = percentile(http, 99);
  return [
    { name: 'stored clicks / orders', value: `${(CLICKS / 1e6).toFixed(0)}M / ${(ORDERS / 1e6).toFixed(1)}M`, unit: '' },
    { name: 'database read into the OS cache first', value: warmed.toFixed(1), unit: 's' },
    { name: `one account, one year (e.g. ${body.clicks} clicks, ${body.orders} orders)`, value: '', unit: '' },
    { name: 'summary in the server p50', value: percentile(inProcess, 50).toFixed(2), unit: 'ms' },
    { name: 'summary in the server p99', value: percentile(inProcess, 99).toFixed(2), unit: 'ms' },
    { name: 'summary over HTTP p50', value: percentile(http, 50).toFixed(2), unit: 'ms' },
    { name: 'summary over HTTP p99', value: p99.toFixed(2), unit: 'ms', budget: '50 ms', ok: p99 < 50 },
  ];
}
