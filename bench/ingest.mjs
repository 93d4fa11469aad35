// Issue 8 budget: durable click ingest (POST /v1/events, one click per request, acknowledged
// only after its transaction commits) at ≥ 0.85× the throughput of a bare Express route that
// answers 204, same machine, same run. Prints throughput, p99 latency and server memory.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function startProcess(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function load(url, name) {
  const result = await autocannon({
    url: `${url}/v1/events`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ type: 'click', id: randomUUID(), tag: 'bench-20', url: 'https://www.amazon.com/dp/B08XYZ1234?tag=bench-20', page: 'https://blog.example/post', session: 's1', via: 'click', at: Date.now() }),
      }),
    }],
  });
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: ok / DURATION, p99: result.latency.p99, p50: result.latency.p50 };
}

export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'affil-ingest-'));
  const config = join(dir, 'affil.json');
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 0 }));
  const rows = [];
  try {
    const bare = await startProcess([new URL('./bare-server.mjs', import.meta.url).pathname]);
    await load(bare.url, 'warm-up');
    const baseline = await load(bare.url, 'bare');
    const bareRss = rssMb(bare.child.pid);
    bare.child.kill('SIGTERM');

    const collector = await startProcess([new URL('../packages/collector/bin/affil.js', import.meta.url).pathname, 'serve', '--port', '0', '--db', join(dir, 'affil.db'), '--config', config]);
    const admin = { authorization: 'Bearer bench-admin', 'content-type': 'application/json' };
    void admin;
    await load(collector.url, 'warm-up');
    const rssBefore = rssMb(collector.child.pid);
    const ingest = await load(collector.url, 'collector');
    const rssAfter = rssMb(collector.child.pid);
    collector.child.kill('SIGTERM');

    const ratio = ingest.rps / baseline.rps;
    rows.push(
      { name: `bare Express 204 (${CONNECTIONS} connections, ${DURATION} s)`, value: Math.round(baseline.rps), unit: 'req/s' },
      { name: '  p50 / p99 latency', value: `${baseline.p50} / ${baseline.p99}`, unit: 'ms' },
      { name: '  server memory (RSS)', value: bareRss.toFixed(0), unit: 'MiB' },
      { name: 'collector click ingest, stored durably', value: Math.round(ingest.rps), unit: 'req/s' },
      { name: '  p50 / p99 latency', value: `${ingest.p50} / ${ingest.p99}`, unit: 'ms' },
      { name: '  server memory (RSS) before → after', value: `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)}`, unit: 'MiB' },
      { name: 'ingest / bare throughput', value: ratio.toFixed(2), unit: '×', budget: '≥ 0.85', ok: ratio >= 0.85 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
