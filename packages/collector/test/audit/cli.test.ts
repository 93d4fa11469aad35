import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  return cliWith({}, ...args);
}

async function cliWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  const code = await run({
    argv: ['node', 'affil', ...args, '--db', join(dir, 'program.db')],
    env,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    once: (s: 'SIGTERM' | 'SIGINT', l: () => void) => signals.once(s, l),
  });
  return { code, out: out.join(''), err: err.join('') };
}

async function program() {
  const account = JSON.parse((await cli('accounts', 'create', 'Jane', '--json')).out) as { id: string };
  await cli('tags', 'add', account.id, 'janesblog-20', 'us');
  const bob = JSON.parse((await cli('accounts', 'create', 'Bob', '--json')).out) as { id: string };
  await cli('tags', 'add', bob.id, 'bob-20', 'us');
}

describe('affil audit', () => {
  it('lists every merchant link of a folder with its status, and exits 1 when revenue leaks', async () => {
    await program();
    const site = join(dir, 'site');
    mkdirSync(join(site, 'posts'), { recursive: true });
    mkdirSync(join(site, 'node_modules'));
    writeFileSync(join(site, 'index.html'), `<a href="https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20">ok</a>
<a href="https://www.amazon.com/dp/B08XYZ1234">missing</a>
<a href="https://amzn.to/3abcd">short</a>`);
    writeFileSync(join(site, 'posts', 'review.md'), 'Buy [it](https://www.amazon.com/dp/B000000001?tag=janesblog-2) or https://www.amazon.com/dp/B000000002?tag=bob-20\n');
    writeFileSync(join(site, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
    writeFileSync(join(site, 'node_modules', 'x.html'), '<a href="https://www.amazon.com/dp/B0?x">ignored</a>');
    writeFileSync(join(site, 'data.json'), Buffer.from([0x7b, 0, 0x7d])); // binary content in a text-typed file

    const result = await cli('audit', site, '--tag', 'janesblog-20', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out);
    expect(report.links.map((l: { status: string; line: number }) => [l.status, l.line])).toEqual([
      ['own_tag', 1], ['missing_tag', 2], ['short_link', 3], ['unregistered_tag', 1], ['foreign_tag', 1],
    ]);
    expect(report.links[3].detail).toContain('did you mean janesblog-20?');
    expect(report.problems).toEqual([{ source: join(site, 'data.json'), detail: 'skipped: binary file' }]);
    expect(report.summary).toMatchObject({ links: 5, leaking: 3 });

    const text = await cli('audit', site, '--tag', 'janesblog-20');
    expect(text.out).toContain('5 merchant link(s)');
    expect(text.out).toContain('3 leak revenue');
  });

  it('exits 0 when nothing leaks, counting links the snippet will decorate', async () => {
    await program();
    writeFileSync(join(dir, 'page.html'), `<script async src="https://t.example/affil.js" data-tag="janesblog-20"></script>
<a href="https://www.amazon.com/dp/B08XYZ1234">decorated by the snippet</a>`);
    const result = await cli('audit', join(dir, 'page.html'), '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).links[0]).toMatchObject({ status: 'decorated', tag: 'janesblog-20', leaks: false });
  });

  it('reports unreadable, huge and missing items one by one and goes on, exiting 2 for what it could not read', async () => {
    await program();
    writeFileSync(join(dir, 'ok.html'), '<a href="https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20">ok</a>');
    writeFileSync(join(dir, 'huge.html'), Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    const result = await cli('audit', join(dir, 'missing.html'), join(dir, 'huge.html'), join(dir, 'ok.html'), 'http://127.0.0.1:1/nothing-listens', '--json');
    const report = JSON.parse(result.out);
    expect(result.code).toBe(2);
    // A file skipped for its size alone does not fail the run.
    expect((await cli('audit', join(dir, 'huge.html'), join(dir, 'ok.html'))).code).toBe(0);
    expect(report.links).toHaveLength(1);
    expect(report.problems.map((p: { detail: string }) => p.detail)).toEqual([
      'cannot read: ENOENT',
      expect.stringMatching(/^skipped: 10485761 bytes is over the 10485760-byte limit$/),
      expect.stringMatching(/^cannot fetch: /),
    ]);
  });

  it('audits a page served on this machine, resolving relative links', async () => {
    await program();
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<a href="https://www.amazon.com/dp/B08XYZ1234">x</a><a href="/about">local</a>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const result = await cli('audit', `http://127.0.0.1:${port}/`, '--json');
      expect(result.code).toBe(1);
      expect(JSON.parse(result.out).links).toEqual([expect.objectContaining({ status: 'missing_tag', source: `http://127.0.0.1:${port}/` })]);
    } finally {
      server.close();
    }
  });

  it('exits 2 naming what could not be audited: a missing file, a page that could not be fetched', async () => {
    await program();
    const missing = await cli('audit', join(dir, 'nope.html'));
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('cannot read');
    expect(missing.err).toContain('1 item(s) could not be audited');
    const unreachable = await cli('audit', 'http://127.0.0.1:1/');
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toContain('http://127.0.0.1:1/');
  });

  it('refuses an unregistered --tag and a call without targets', async () => {
    await program();
    expect((await cli('audit', dir, '--tag', 'nobody-20')).err).toContain('--tag nobody-20 is not registered');
    expect((await cli('audit')).code).toBe(2);
  });
});

describe('affil link', () => {
  it('prints the /go redirect link', async () => {
    await program();
    const result = await cli('link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234?th=1', '--collector', 'https://track.example.com/');
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe('https://track.example.com/go/janesblog-20?url=https%3A%2F%2Fwww.amazon.com%2Fdp%2FB08XYZ1234%3Fth%3D1');
  });

  it('adds a sub-ID with --sub, and refuses an invalid one', async () => {
    await program();
    const result = await cli('link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'https://track.example.com', '--sub', 'video-42');
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe('https://track.example.com/go/janesblog-20?url=https%3A%2F%2Fwww.amazon.com%2Fdp%2FB08XYZ1234&sub=video-42');
    for (const bad of ['two words', 'x'.repeat(65), '']) {
      const refused = await cli('link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'https://track.example.com', '--sub', bad);
      expect(refused.code, bad).toBe(2);
      expect(refused.err).toContain('--sub');
    }
  });

  it('without --collector, points at AFFIL_PUBLIC_URL, else the config file\'s publicUrl, else this machine\'s collector, and says which', async () => {
    await program();
    const product = 'https://www.amazon.com/dp/B08XYZ1234';
    const path = '/go/janesblog-20?url=https%3A%2F%2Fwww.amazon.com%2Fdp%2FB08XYZ1234';
    const fromEnv = await cliWith({ AFFIL_PUBLIC_URL: 'https://track.example.com' }, 'link', 'janesblog-20', product);
    expect(fromEnv).toMatchObject({ code: 0, out: `https://track.example.com${path}\n` });
    expect(fromEnv.err).toContain('from AFFIL_PUBLIC_URL');
    const config = join(dir, 'affil.json');
    writeFileSync(config, JSON.stringify({ publicUrl: 'https://config.example', port: 9000 }));
    const fromConfig = await cliWith({ AFFIL_CONFIG: config }, 'link', 'janesblog-20', product);
    expect(fromConfig).toMatchObject({ code: 0, out: `https://config.example${path}\n` });
    expect(fromConfig.err).toContain('from publicUrl in the config file');
    const local = await cliWith({ AFFIL_PORT: '9100', AFFIL_HOST: '0.0.0.0' }, 'link', 'janesblog-20', product);
    expect(local).toMatchObject({ code: 0, out: `http://127.0.0.1:9100${path}\n` });
    expect(local.err).toContain('only this machine can follow it');
    const help = await cliWith({ AFFIL_PUBLIC_URL: 'https://track.example.com' }, 'link', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Here that is https://track.example.com, from AFFIL_PUBLIC_URL.');
    expect((await cli('link', '--help')).out).toMatch(/Here that is http:\/\/127\.0\.0\.1:8787, from this machine's affil serve address/);
  });

  it.each([
    [['link', 'janesblog-20', 'https://evil.example/x', '--collector', 'https://t.example'], /is not a marketplace of this program/],
    [['link', 'nobody-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'https://t.example'], /tag nobody-20 is not registered/],
    [['link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'notaurl'], /--collector "notaurl" must be an origin/],
    [['link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'javascript:alert(1)'], /must be an origin/],
    // The link's own mistakes are named before a bad collector URL.
    [['link', 'nobody-20', 'https://www.amazon.com/dp/B08XYZ1234'], /tag nobody-20 is not registered/],
    [['link', 'janesblog-20', 'https://evil.example/x'], /is not a marketplace of this program/],
  ])('%j fails with a message', async (args, message) => {
    await program();
    const result = await cli(...(args as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
