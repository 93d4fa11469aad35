// `affil verify` as an affiliate runs it: the built command in a real process, a statement and
// the collector's JWK set on disk or served over HTTP on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chain } from '../../src/domain/ledger-chain.js';
import { buildStatement, generateStatementKey, jwkSet, signStatement, type Statement } from '../../src/domain/statement.js';

const BIN = fileURLToPath(new URL('../../bin/affil.js', import.meta.url));
const t = (iso: string) => Date.parse(iso);

let dir: string;
let server: Server | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-verify-'));
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

function affil(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AFFIL_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 30_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

const key = generateStatementKey();
function statements(): { september: Statement; october: Statement } {
  const entries = chain([
    { id: 1, account: 'ann', currency: 'USD', kind: 'shipment', amount: 3000, quantity: 1, orderId: 'o1', lineId: 'l1', recordedAt: t('2026-09-03T10:00:00Z') },
    { id: 2, account: 'ann', currency: 'USD', kind: 'shipment', amount: 1250, quantity: 2, orderId: 'o2', lineId: 'l1', recordedAt: t('2026-10-03T10:00:00Z') },
  ]);
  const build = (month: string) => signStatement(buildStatement({ account: 'ann', currency: 'USD', month, entries, payouts: [], payableAfterDays: 60, now: t('2026-11-02T00:00:00Z') }), key);
  return { september: build('2026-09'), october: build('2026-10') };
}
function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

describe('affil verify', { timeout: 30_000 }, () => { // each test starts node processes: slow on a loaded machine
  it('exit 0 for an intact statement, with the previous one too', async () => {
    const { september, october } = statements();
    write('keys.json', jwkSet([key]));
    write('2026-09.json', september);
    write('2026-10.json', october);
    const r = await affil('verify', '2026-10.json', '--key', 'keys.json', '--previous', '2026-09.json');
    expect(r).toEqual({ code: 0, out: '2026-10.json: valid (signature, chain and sums check out)\n', err: '' });
  });

  it('exit 1 and one line per problem for an edited statement; --json for machines', async () => {
    const { october } = statements();
    write('keys.json', jwkSet([key]));
    write('2026-10.json', JSON.stringify(october).replace('"amount":1250', '"amount":1350'));
    const r = await affil('verify', '2026-10.json', '--key', 'keys.json');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^2026-10.json: signature does not verify/m);
    expect(r.out).toMatch(/^2026-10.json: sums do not tie out/m);
    expect(r.out).toMatch(/^2026-10.json: entry 2: content does not match its hash/m);
    const j = await affil('verify', '2026-10.json', '--key', 'keys.json', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ file: '2026-10.json', valid: false, problems: expect.arrayContaining([expect.stringMatching(/signature does not verify/)]) });
  });

  it('takes the key set from a URL (the collector\'s /.well-known/affil-statement-key)', async () => {
    const { october } = statements();
    write('2026-10.json', october);
    server = createServer((req, res) => {
      if (req.url === '/.well-known/affil-statement-key') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwkSet([key])));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await affil('verify', '2026-10.json', '--key', `${base}/.well-known/affil-statement-key`)).code).toBe(0);
    const missing = await affil('verify', '2026-10.json', '--key', `${base}/nope`);
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/cannot fetch key set .*: HTTP 404/) });
  });

  it.each([
    [['verify', 'statement.json'], /usage: affil verify STATEMENT.json --key/],
    [['verify', 'absent.json', '--key', 'keys.json'], /cannot read statement absent.json: ENOENT/],
    [['verify', 'garbage.json', '--key', 'keys.json'], /statement garbage.json is not JSON/],
    [['verify', 'statement.json', '--key', 'keys.json', '--bogus'], /bogus/],
  ])('exit 2 with a message: %j', async (args, message) => {
    write('keys.json', jwkSet([key]));
    write('statement.json', statements().october);
    write('garbage.json', '{not json');
    const r = await affil(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
