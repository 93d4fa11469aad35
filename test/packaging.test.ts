// The packages as users get them: `npm pack` tarballs installed into empty folders outside the
// repository (offline, see helpers/offline-install.ts), then used the way the README says. Runs
// the built `dist` that `npm test` has just built.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installOffline, npmEnv, packAll, REPO, tarballManifest } from './helpers/offline-install.js';
import { until } from './helpers/until.js';

const run = promisify(execFile);

let dir: string;
let tarballs: Map<string, string>;
const tarball = (name: string) => tarballs.get(name)!;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-packaging-'));
  tarballs = packAll(join(dir, 'tarballs'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tarballs', () => {
  it('carry what runs, and no tests, sources, maps or build state', async () => {
    for (const file of tarballs.values()) {
      const { stdout } = await run('tar', ['-tzf', file]);
      const files = stdout.split('\n').filter(Boolean);
      expect(files.filter((f) => /\.map$|tsbuildinfo|\/test\/|\/src\//.test(f)), file).toEqual([]);
    }
    const collector = (await run('tar', ['-tzf', tarball('@affil/collector')])).stdout;
    for (const needed of ['package/bin/affil.js', 'package/dist/cli.js', 'package/dist/index.d.ts', 'package/dist/merchant/index.d.ts', 'package/dashboard/index.html']) {
      expect(collector).toContain(needed);
    }
    expect((await run('tar', ['-tzf', tarball('@affil/sdk')])).stdout).toContain('package/dist/affil.js');
  });

  it('carry the @affil packages they use inside them, so npm never asks the public registry for one', async () => {
    const inside = async (file: string) => (await run('tar', ['-tzf', file])).stdout;
    expect(tarballManifest(tarball('@affil/collector')).bundleDependencies).toEqual(['@affil/sdk', '@affil/merchant']);
    expect(await inside(tarball('@affil/collector'))).toContain('package/node_modules/@affil/sdk/dist/affil.js');
    expect(await inside(tarball('@affil/collector'))).toContain('package/node_modules/@affil/merchant/dist/index.js');
    expect(tarballManifest(tarball('@affil/merchant')).bundleDependencies).toEqual(['@affil/sdk']);
    expect(await inside(tarball('@affil/merchant'))).toContain('package/node_modules/@affil/sdk/dist/lib/url.js');
  });
});

describe('a collector installed from the tarballs in an empty folder', () => {
  let app: string;
  let server: ChildProcess | undefined;

  beforeAll(() => {
    app = join(dir, 'collector-app');
    installOffline(app, [tarball('@affil/collector')]);
  }, 60_000);
  afterAll(() => {
    // The whole group: npx runs affil in a shell of its own.
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
  });

  it('runs `npx affil help` there', async () => {
    const { stdout } = await run('npx', ['--offline', 'affil', 'help'], { cwd: app, env: npmEnv() });
    expect(stdout).toContain('affil serve');
  });

  it('serves the API, the SDK scripts and the dashboard with its vendored chart library from `npx affil serve`', async () => {
    server = spawn('npx', ['--offline', 'affil', 'serve', '--port', '0', '--db', join(app, 'data', 'affil.db')], { cwd: app, env: npmEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (chunk) => (out += chunk));
    server.stderr!.on('data', (chunk) => (out += chunk));
    const url = await until('the collector to listen', () => /listening on (http:\/\/\S+)/.exec(out)?.[1], 20_000);
    expect(out).toMatch(/admin key \(shown once/);
    for (const path of ['/healthz', '/affil.js', '/affil-merchant.js', '/dashboard', '/dashboard/dashboard.js', '/dashboard/vendor/uPlot.esm.js']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    }
    process.kill(-server.pid!, 'SIGTERM');
    await until('the collector to stop', () => (server!.exitCode !== null || server!.signalCode !== null ? true : undefined), 10_000);
  });

  it('imports the merchant kit as @affil/collector/merchant', async () => {
    writeFileSync(join(app, 'shop.mjs'), "import { createOrderClient, referralMiddleware } from '@affil/collector/merchant';\nconsole.log(typeof createOrderClient, typeof referralMiddleware);\n");
    expect((await run(process.execPath, ['shop.mjs'], { cwd: app })).stdout.trim()).toBe('function function');
  });
});

describe('a shop installing only the merchant kit', () => {
  let shop: string;
  beforeAll(() => {
    shop = join(dir, 'shop');
    installOffline(shop, [tarball('@affil/merchant')]);
  }, 60_000);

  it('gets no database, web framework or collector', () => {
    for (const heavy of ['better-sqlite3', 'express', '@affil/collector']) expect(existsSync(join(shop, 'node_modules', heavy)), heavy).toBe(false);
  });

  it('imports @affil/merchant, and a strict TypeScript shop type-checks against its declarations', async () => {
    writeFileSync(join(shop, 'checkout.ts'), `import { createOrderClient, getReferral, referralMiddleware, type Order } from '@affil/merchant';
import type { IncomingMessage } from 'node:http';
const client = createOrderClient({ collectorUrl: 'https://track.example', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const order: Order = { orderId: 'o-1', marketplace: 'us', currency: 'USD', orderedAt: '2026-11-20T10:00:00Z',
  items: [{ lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900 }] };
export const send = (req: IncomingMessage) => client.sendOrder({ ...order, referral: getReferral(req) });
export const middleware = referralMiddleware({ maxAgeDays: 30 });
console.log(typeof client.sendOrder, typeof middleware);
`);
    writeFileSync(join(shop, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')] },
      files: ['checkout.ts'],
    }));
    // The repository's TypeScript and Node types: the shop's own would be the same ones.
    await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: shop });
    writeFileSync(join(shop, 'checkout.mjs'), "import { createOrderClient, referralMiddleware } from '@affil/merchant';\nconsole.log(typeof createOrderClient, typeof referralMiddleware());\n");
    expect((await run(process.execPath, ['checkout.mjs'], { cwd: shop })).stdout.trim()).toBe('function function');
  });
});
