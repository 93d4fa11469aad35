// Issue 20 budget: beacon ingest with a webhook endpoint subscribed to order events only keeps
// ≥ 0.90× the rate of a collector with no endpoint, same run (click.created is opt-in: a program
// without such a subscriber must not pay for events out on the click path). The same ingest with
// an endpoint that opted in to click.created is measured too (every click then writes an outbox
// event and a delivery, and is sent), with the receiver's count.
//
// Three collectors on their own databases take turns under the same load in short rounds (the
// shared machine's speed drifts within seconds); the budget is on the median per-round ratio.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const CLI = new URL('../packages/collector/bin/affil.js', import.meta.url).pathname;

function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

async function load(url, seconds) {
  const result = await autocannon({
    url: `${url}/v1/events`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ type: 'click', id: randomUUID(), tag: 'bench-20', url: 'https://www.amazon.com/dp/B08XYZ1234?tag=bench-20', page: 'https://blog.example/post', session: 's1', via: 'click', at: Date.now() }) }),
    }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

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
