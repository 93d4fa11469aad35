// Issue 14 budget: beacon ingest with 500 reading /v1/stream connections open (half on admin keys,
// half on keys of the account whose clicks are being sent, so every stream gets every click it may
// see) keeps ≥ 0.90× the rate of the same collector setup without streams, same run.
//
// Two collectors run at once on their own databases, one with the streams open (read by a separate
// process) and one without, and take turns under the same load in short rounds, as the ingest bench
// does. The shared machine's speed drifts within seconds (other work lands in one turn and not the
// other), so each round's pair gives a ratio and the budget is on the median of those ratios.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, clickLoad, cpuMs, startProcess } from './processes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 500);
const KEYS = Math.ceil(STREAMS / 10); // streamsPerKey is 10

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** A program database with the bench account and its tag; answers the account id. */
const load = (url, seconds) => clickLoad(`${url}/v1/events`, { seconds, connections: CONNECTIONS });

function program(db, config) {
  const cli = (...args) => execFileSync(process.execPath, [CLI, ...args, '--db', db, '--config', config, '--json'], { encoding: 'utf8' });
  const account = JSON.parse(cli('accounts', 'create', 'Bench')).id;
  cli('tags', 'add', account, 'bench-20', 'us');
  return { account, cli };
}

export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'affil-streams-'));
  const config = join(dir, 'affil.json');
  // One address sends everything here: the per-address limit would answer 429.
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0 }));
  const adminKey = `affil_admin_${randomBytes(16).toString('base64url')}`;
  const env = { AFFIL_ADMIN_KEY: adminKey, AFFIL_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
  program(join(dir, 'quiet.db'), config);
  const busy = program(join(dir, 'busy.db'), config);
  // Half the keys admin keys, half the bench account's own.
  const keys = [];
  for (let i = 0; i < KEYS; i++) keys.push(JSON.parse(i % 2 ? busy.cli('keys', 'create', busy.account) : busy.cli('keys', 'create', '--admin')).key);

  const serve = (db) => startProcess([CLI, 'serve', '--port', '0', '--db', db, '--config', config], env);
  const [without, withStreams] = await Promise.all([serve(join(dir, 'quiet.db')), serve(join(dir, 'busy.db'))]);
  let readers;
  const rows = [];
  try {
    readers = await startProcess([new URL('./stream-readers.mjs', import.meta.url).pathname], { STREAMS_URL: withStreams.url, STREAMS_KEYS: JSON.stringify(keys), STREAMS_COUNT: String(STREAMS) }, /(all open)/);
    const metrics = await (await fetch(`${withStreams.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
    const open = Number(/^affil_live_streams (\d+)/m.exec(metrics)?.[1]);
    if (open !== STREAMS) throw new Error(`${open} streams open, expected ${STREAMS}`);

    const targets = [
      { name: 'without', url: without.url, pid: without.child.pid, requests: 0, cpu: 0 },
      { name: 'with', url: withStreams.url, pid: withStreams.child.pid, requests: 0, cpu: 0 },
    ];
    for (const t of targets) await load(t.url, 1);
    const ratios = [];
    for (let round = 0; round < ROUNDS; round++) {
      const done = new Map();
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        const cpu = cpuMs(t.pid);
        const result = await load(t.url, SECONDS);
        t.cpu += cpuMs(t.pid) - cpu;
        t.requests += result['2xx'];
        done.set(t.name, result['2xx']);
      }
      ratios.push(done.get('with') / done.get('without'));
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1];
    const rss = rssMb(withStreams.child.pid);
    readers.child.kill('SIGTERM');
    await new Promise((resolve) => readers.child.once('exit', resolve));
    const seen = JSON.parse(readers.output().split('\n').filter(Boolean).at(-1));
    const after = await (await fetch(`${withStreams.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
    const slow = Number(/^affil_live_streams_closed_total\{reason="slow_consumer"\} (\d+)/m.exec(after)?.[1] ?? 0);
    const [base, streamed] = targets;
    const seconds = ROUNDS * SECONDS;
    const ratio = median;
    rows.push(
      { name: `click ingest, no streams (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s)`, value: Math.round(base.requests / seconds), unit: 'req/s' },
      { name: '  server CPU per request', value: Math.round((base.cpu * 1000) / base.requests), unit: 'µs' },
      { name: `click ingest, ${STREAMS} reading streams (${KEYS} keys, half admin)`, value: Math.round(streamed.requests / seconds), unit: 'req/s' },
      { name: '  server CPU per request', value: Math.round((streamed.cpu * 1000) / streamed.requests), unit: 'µs' },
      { name: '  server memory (RSS) at the end', value: rss.toFixed(0), unit: 'MiB' },
      { name: '  clicks messages read (listed / counted)', value: `${seen.clicks} / ${seen.counts}`, unit: '' },
      { name: '  streams closed as slow consumers', value: slow, unit: '' },
      { name: `  ratio per round (${ROUNDS} rounds, lowest … highest)`, value: `${ratios[0].toFixed(2)} … ${ratios.at(-1).toFixed(2)}`, unit: '×' },
      { name: 'with streams / without, sums of all rounds', value: (streamed.requests / base.requests).toFixed(2), unit: '×' },
      { name: 'with streams / without, median of the rounds', value: ratio.toFixed(2), unit: '×', budget: '≥ 0.90', ok: ratio >= 0.9 },
    );
  } finally {
    for (const p of [without, withStreams, readers]) if (p && p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all([without, withStreams, readers].filter(Boolean).map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
