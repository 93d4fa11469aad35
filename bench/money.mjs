// Money out at ~10k ledger entries (issue 18): chaining a ledger written unchained once (the upgrade
// step of migration 011: entries are chained when written since), balances, a payout run's
// preview, a signed monthly statement and its offline verification. In the server (the service
// alone) and over HTTP. SQLite; the seed writes rows as the collector would (entries recorded
// through the year, one in ten shipments returned).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../packages/collector/dist/server.js';
import { DEFAULT_PROGRAM } from '../packages/collector/dist/config.js';
import { openDatabase } from '../packages/collector/dist/db/database.js';
import { chainUnchained } from '../packages/collector/dist/db/ledger-chain.js';
import { balance, runPayouts, statementKeySet, statements } from '../packages/collector/dist/services/money-out.js';
import { verifyStatement } from '../packages/collector/dist/domain/verify-statement.js';
import { percentile } from './stats.mjs';

const ENTRIES = Number(process.env.BENCH_MONEY_ENTRIES ?? 10_000);
const ACCOUNTS = 10;
const RUNS = 30;
const START = Date.parse('2026-01-01T00:00:00Z');
const MONTH = 30 * 86_400_000;

function seed(file) {
  const db = openDatabase(file);
  const order = db.prepare(`INSERT INTO orders (order_id, marketplace, currency, ordered_at, content_hash, request, attributed, rule, click_id, tag,
    credited_tag, account_id, unverified_referral, response, received_at) VALUES (?, 'us', 'USD', ?, 'h', '{}', 1, 'click_window', NULL, ?, ?, ?, 0, '{}', ?)`);
  const line = db.prepare(`INSERT INTO order_lines (order_id, line_id, position, sku, name, category, quantity, unit_amount, cart_added_at,
    attributed, direct, reason, rate_bp, commission, cancelled, shipped, returned, pending, revenue) VALUES (?, '1', 0, 'SKU', NULL, 'books', 2, ?, NULL, 1, 1, 'click_window', 450, ?, 0, 2, ?, 0, ?)`);
  const event = db.prepare("INSERT INTO order_events (order_id, type, at, items, received_at) VALUES (?, ?, ?, '[]', ?)");
  const entry = db.prepare(`INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
    VALUES (?, ?, '1', ?, ?, 'us', 'USD', ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let a = 0; a < ACCOUNTS; a++) {
      db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(`acc_m${a}`, `Money ${a}`, START);
      db.prepare("INSERT INTO tags (tag, account_id, marketplace, created_at) VALUES (?, ?, 'us', ?)").run(`money${a}-20`, `acc_m${a}`, START);
    }
    let entries = 0;
    for (let i = 0; entries < ENTRIES; i++) {
      const account = `acc_m${i % ACCOUNTS}`;
      const tag = `money${i % ACCOUNTS}-20`;
      const at = START + Math.floor((i * 10 * MONTH) / (ENTRIES * 0.91));
      const id = `o-${i}`;
      const unit = 1000 + (i % 5000);
      const commission = Math.round((unit * 2 * 450) / 10_000);
      const returned = i % 10 === 0 ? 1 : 0;
      order.run(id, at, tag, tag, account, at);
      line.run(id, unit, commission, returned, unit * 2);
      const shipped = event.run(id, 'shipped', at, at).lastInsertRowid;
      entry.run(shipped, id, account, tag, 'shipment', 2, commission, at);
      entries++;
      if (returned) {
        const back = event.run(id, 'returned', at + 86_400_000, at + 86_400_000).lastInsertRowid;
        entry.run(back, id, account, tag, 'return', 1, -Math.round(commission / 2), at + 86_400_000);
        entries++;
      }
    }
  })();
  db.close();
}

/** Wall time in ms; the process's CPU time goes to `cpu` (what the work costs on a machine others share). */
const cpu = [];
async function time(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const out = await fn();
  const used = process.cpuUsage(c0);
  cpu.push((used.user + used.system) / 1000);
  return [Number(process.hrtime.bigint() - t0) / 1e6, out];
}
/** Runs `fn`, answering [wall ms, cpu ms, its value]. */
async function timed(fn) {
  const [ms, out] = await time(fn);
  return [ms, cpu.at(-1), out];
}

export { seed };
export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'affil-bench-money-'));
  const db = join(dir, 'affil.db');
  try {
    seed(db);
    // The seed writes entries as the version before migration 011 did (not chained); chain them as its upgrade step does.
    const [chainMs, chained] = await time(() => {
      const handle = openDatabase(db);
      try {
        return handle.transaction(() => chainUnchained(handle))();
      } finally {
        handle.close();
      }
    });
    const collector = await startCollector({ ...DEFAULT_PROGRAM, port: 0, host: '127.0.0.1', db, adminKey: 'bench-admin', webhookSecrets: ['whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2g='], publicUrl: undefined }, { log: () => {}, now: () => Date.parse('2026-12-03T12:00:00Z') });
    const ctx = collector.context;
    const admin = { role: 'admin', keyId: 'bench' };
    const samples = { balanceOne: [], balanceAll: [], preview: [], statement: [], verify: [], httpStatement: [] };
    const cpuOf = { balanceOne: [], balanceAll: [], preview: [], statement: [], verify: [] };
    const keys = await statementKeySet(ctx);
    let statement;
    let preview;
    for (let i = 0; i < RUNS; i++) {
      const account = `acc_m${i % ACCOUNTS}`;
      let ms;
      let used;
      [ms, used] = await timed(() => balance(ctx, admin, { account }));
      samples.balanceOne.push(ms);
      cpuOf.balanceOne.push(used);
      [ms, used] = await timed(() => balance(ctx, admin, {}));
      samples.balanceAll.push(ms);
      cpuOf.balanceAll.push(used);
      [ms, used, preview] = await timed(() => runPayouts(ctx, { through: '2026-10-31' }, { store: false }));
      samples.preview.push(ms);
      cpuOf.preview.push(used);
      [ms, used, statement] = await timed(() => statements(ctx, admin, { month: '2026-06', account, currency: 'USD' }));
      samples.statement.push(ms);
      cpuOf.statement.push(used);
      [ms, used] = await timed(() => {
        const problems = verifyStatement(statement.body, keys);
        if (problems.length) throw new Error(problems.join('; '));
      });
      samples.verify.push(ms);
      cpuOf.verify.push(used);
      samples.httpStatement.push((await time(async () => {
        const url = `${collector.url}/v1/statements?month=2026-06&account=${account}&currency=USD`;
        const get = () => fetch(url, { headers: { authorization: 'Bearer bench-admin' } });
        // A kept-alive socket the server closed while this process was busy in between: once more.
        const res = await get().catch(get);
        if (res.status !== 200) throw new Error(`statement answered ${res.status}`);
        return res.json();
      }))[0]);
    }
    await collector.close();
    const p = (xs, q) => percentile(xs, q).toFixed(2);
    const [chainCpu] = cpu;
    return [
      { name: `ledger entries / accounts`, value: `${chained} / ${ACCOUNTS}`, unit: '' },
      { name: 'chain an unchained ledger once (upgrade)', value: `${chainMs.toFixed(0)} (cpu ${chainCpu.toFixed(0)})`, unit: 'ms' },
      { name: 'balance, one account p50 / p99', value: `${p(samples.balanceOne, 50)} / ${p(samples.balanceOne, 99)}`, unit: 'ms' },
      { name: 'balance, every account p50 / p99', value: `${p(samples.balanceAll, 50)} / ${p(samples.balanceAll, 99)}`, unit: 'ms' },
      { name: `payout preview (${preview.body.payouts.length} payouts) p50 / p99`, value: `${p(samples.preview, 50)} / ${p(samples.preview, 99)}`, unit: 'ms' },
      { name: `signed statement (${statement.body.entries.length} entries) p50 / p99`, value: `${p(samples.statement, 50)} / ${p(samples.statement, 99)}`, unit: 'ms' },
      { name: 'signed statement over HTTP p50 / p99', value: `${p(samples.httpStatement, 50)} / ${p(samples.httpStatement, 99)}`, unit: 'ms' },
      { name: 'verify a statement offline p50 / p99', value: `${p(samples.verify, 50)} / ${p(samples.verify, 99)}`, unit: 'ms' },
      { name: 'cpu p50: balance one / all / preview', value: `${p(cpuOf.balanceOne, 50)} / ${p(cpuOf.balanceAll, 50)} / ${p(cpuOf.preview, 50)}`, unit: 'ms' },
      { name: 'cpu p50: statement / verify', value: `${p(cpuOf.statement, 50)} / ${p(cpuOf.verify, 50)}`, unit: 'ms' },
      { name: 'machine load average (1 min) while measured', value: (await import('node:os')).loadavg()[0].toFixed(1), unit: '' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
