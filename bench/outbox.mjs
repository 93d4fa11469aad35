// Issue 20 budget: beacon ingest with a webhook endpoint subscribed to order events only keeps
// ≥ 0.90× the rate of a collector with no endpoint, same run (click.created is opt-in: a program
// without such a subscriber must not pay for events out on the click path). The same ingest with
// an endpoint that opted in to click.created is measured too (every click then writes an outbox
// event and a delivery, and is sent), with the receiver's count.
//
// Three collectors on their own databases take turns under the same load in short rounds (the
// shared machine's speed drifts within seconds); the budget is on the median per-round ratio.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, clickLoad, cpuMs, startProcess } from './processes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

const load = (url, seconds) => clickLoad(`${url}/v1/events`, { seconds, connections: CONNECTIONS });

export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'affil-outbox-'));
  const config = join(dir, 'affil.json');
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0, allowPrivateWebhookTargets: true }));
  const adminKey = `affil_admin_${randomBytes(16).toString('base64url')}`;
  const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
  const received = new Map();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.set(req.url, (received.get(req.url) ?? 0) + 1);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookBase = `http://127.0.0.1:${receiver.address().port}`;

  const names = ['none', 'orders', 'clicks'];
  for (const name of names) {
    const cli = (...args) => execFileSync(process.execPath, [CLI, ...args, '--db', join(dir, `${name}.db`), '--config', config, '--json'], { encoding: 'utf8' });
    const account = JSON.parse(cli('accounts', 'create', 'Bench')).id;
    cli('tags', 'add', account, 'bench-20', 'us');
  }
  const servers = await Promise.all(names.map((name) => startProcess([CLI, 'serve', '--port', '0', '--db', join(dir, `${name}.db`), '--config', config], env)));
  const rows = [];
  try {
    const hook = async (url, events) => {
      const res = await fetch(`${url}/v1/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: `${hookBase}/${events[0]}`, events }) });
      if (res.status !== 201) throw new Error(`POST /v1/webhooks: ${res.status} ${await res.text()}`);
    };
    await hook(servers[1].url, ['order.attributed', 'order.updated', 'commission.adjusted']);
    await hook(servers[2].url, ['click.created']);

    const targets = names.map((name, i) => ({ name, url: servers[i].url, pid: servers[i].child.pid, requests: 0, cpu: 0 }));
    for (const t of targets) await load(t.url, 1);
    const ratios = { orders: [], clicks: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const done = new Map();
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        const cpu = cpuMs(t.pid);
        const result = await load(t.url, SECONDS);
        t.cpu += cpuMs(t.pid) - cpu;
        t.requests += result['2xx'];
        done.set(t.name, result['2xx']);
      }
      ratios.orders.push(done.get('orders') / done.get('none'));
      ratios.clicks.push(done.get('clicks') / done.get('none'));
    }
    // Let the click.created worker catch up, then count what arrived.
    const clickRequests = targets[2].requests;
    const deadline = Date.now() + 60_000;
    let delivered = received.get('/click.created') ?? 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = received.get('/click.created') ?? 0;
      if (now === delivered && now > 0) break;
      delivered = now;
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const seconds = ROUNDS * SECONDS;
    const [none, orders, clicks] = targets;
    const perRequest = (t) => Math.round((t.cpu * 1000) / t.requests);
    rows.push(
      { name: `click ingest, no endpoint (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s)`, value: Math.round(none.requests / seconds), unit: 'req/s' },
      { name: '  server CPU per request', value: perRequest(none), unit: 'µs' },
      { name: 'click ingest, an endpoint for order events only', value: Math.round(orders.requests / seconds), unit: 'req/s' },
      { name: '  server CPU per request', value: perRequest(orders), unit: 'µs' },
      { name: 'click ingest, an endpoint with click.created', value: Math.round(clicks.requests / seconds), unit: 'req/s' },
      { name: '  server CPU per request', value: perRequest(clicks), unit: 'µs' },
      { name: '  click.created delivered / clicks sent (rounds; + warm-up)', value: `${received.get('/click.created') ?? 0} / ${clickRequests} +`, unit: '' },
      { name: '  click.created / none, median of the rounds', value: median(ratios.clicks).toFixed(2), unit: '×' },
      { name: `  orders-only / none per round (lowest … highest)`, value: `${Math.min(...ratios.orders).toFixed(2)} … ${Math.max(...ratios.orders).toFixed(2)}`, unit: '×' },
      { name: 'orders-only endpoint / none, median of the rounds', value: median(ratios.orders).toFixed(2), unit: '×', budget: '≥ 0.90', ok: median(ratios.orders) >= 0.9 },
    );
  } finally {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
