// What the load benches share (ingest, postgres, outbox, streams): the collector's CLI, a child
// process started and awaited until it prints its address, a process's CPU time, and a load of
// beacon clicks with autocannon that fails on any non-2xx reply.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
export const CLI = new URL('../packages/collector/bin/affil.js', import.meta.url).pathname;

/** Starts `node …args`; resolves once its output matches `ready` (first group: its URL). */
export function startProcess(args, env = {}, ready = /listening on (\S+)/) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** A process's user + system CPU time in ms (Linux; 0 once it is gone). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** A click beacon as the SDK sends it, with a fresh event id (`signals`: its integrity fields and a sub-ID, SPEC §10). */
export const clickBody = ({ signals = false } = {}) =>
  JSON.stringify({
    type: 'click', id: randomUUID(), tag: 'bench-20', url: 'https://www.amazon.com/dp/B08XYZ1234?tag=bench-20', page: 'https://blog.example/post', session: 's1', via: 'click', at: Date.now(),
    ...(signals ? { trusted: true, visible: true, framed: false, dwell: 5321, sub: 'post-42' } : {}),
  });

/** POSTs clicks (`body()` each) to `url` for `seconds` over `connections`; throws on any non-2xx or error. */
export async function clickLoad(url, { seconds, connections, body = clickBody }) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA }, setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}
