// Issue 8 budget: durable click ingest (POST /v1/events, one click per request, acknowledged
// only after its transaction commits) at ≥ 0.85× the throughput of a bare Express route that
// answers 204, same machine, same run. Prints throughput, p99 latency, CPU per request and memory.
//
// The load generator shares this machine's cores with the servers, and the machine's speed drifts
// by 2× within minutes (a shared VM), so the servers are not measured one after the other: all run
// at once, idle but for the one under load, and take turns in short rounds; each figure sums its
// rounds. CPU per request (the server process's user + system time / requests) is the steadier
// figure. The tag the clicks carry is registered first, as a real program's are.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, clickBody, clickLoad, cpuMs, startProcess } from './processes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

const proc = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(proc(pid))?.[1] ?? 0) / 1024;
/** The process's user + system CPU time in ms (Linux; clock ticks of 10 ms). */
const load = (url, seconds) => clickLoad(url, { seconds, connections: CONNECTIONS, body: () => clickBody({ signals: true }) });

export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'affil-ingest-'));
  const config = join(dir, 'affil.json');
  const db = join(dir, 'affil.db');
  // One address sends everything here: the per-address limit would answer 429.
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0 }));
  const cli = (...args) => execFileSync(process.execPath, [CLI, ...args, '--db', db, '--config', config, '--json'], { encoding: 'utf8' });
  const account = JSON.parse(cli('accounts', 'create', 'Bench')).id;
  cli('tags', 'add', account, 'bench-20', 'us');

  const bare = await startProcess([new URL('./bare-server.mjs', import.meta.url).pathname]);
  const collector = await startProcess([CLI, 'serve', '--port', '0', '--db', db, '--config', config]);
  // The collector's beacon endpoint, the same endpoint through Express's router (Express also
  // routes `/v1/events/` there; the collector serves exactly `/v1/events` ahead of Express), and
  // the baseline.
  const targets = [
    { name: 'bare', url: `${bare.url}/v1/events`, pid: bare.child.pid },
    { name: 'collector', url: `${collector.url}/v1/events`, pid: collector.child.pid },
    { name: 'via Express', url: `${collector.url}/v1/events/`, pid: collector.child.pid },
  ].map((t) => ({ ...t, requests: 0, cpu: 0, p99: [], p50: [] }));
  const rows = [];
  try {
    for (const t of targets) await load(t.url, 1);
    const rssBefore = rssMb(collector.child.pid);
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const cpu = cpuMs(t.pid);
        const result = await load(t.url, SECONDS);
        t.cpu += cpuMs(t.pid) - cpu;
        t.requests += result['2xx'];
        t.p50.push(result.latency.p50);
        t.p99.push(result.latency.p99);
      }
    }
    const rssAfter = rssMb(collector.child.pid);
    const [base, ingest, routed] = targets;
    const seconds = ROUNDS * SECONDS;
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const describe = (t) => [
      { name: `  p50 / p99 latency (median of ${ROUNDS} rounds)`, value: `${median(t.p50)} / ${median(t.p99)}`, unit: 'ms' },
      { name: '  server CPU per request', value: Math.round((t.cpu * 1000) / t.requests), unit: 'µs' },
    ];
    const ratio = ingest.requests / base.requests;
    rows.push(
      { name: `bare Express 204 (${CONNECTIONS} connections, ${ROUNDS}×${SECONDS} s)`, value: Math.round(base.requests / seconds), unit: 'req/s' },
      ...describe(base),
      { name: '  server memory (RSS)', value: rssMb(bare.child.pid).toFixed(0), unit: 'MiB' },
      { name: 'collector click ingest, stored durably', value: Math.round(ingest.requests / seconds), unit: 'req/s' },
      ...describe(ingest),
      { name: '  server memory (RSS) before → after', value: `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)}`, unit: 'MiB' },
      { name: 'the same ingest routed by Express', value: Math.round(routed.requests / seconds), unit: 'req/s' },
      ...describe(routed),
      { name: 'ingest / bare throughput', value: ratio.toFixed(2), unit: '×', budget: '≥ 0.85', ok: ratio >= 0.85 },
    );
  } finally {
    for (const { child } of [bare, collector]) child.kill('SIGTERM');
    await Promise.all([bare, collector].map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
