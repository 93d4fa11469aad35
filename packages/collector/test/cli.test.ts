import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { run } from '../src/cli.js';

/** A stand-in for `process`: captured output and signals we can raise. */
function fakeProcess(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const signals = new EventEmitter();
  const out: string[] = [];
  const err: string[] = [];
  return {
    proc: {
      argv: ['node', 'affil', ...argv],
      env,
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      once: (signal: 'SIGTERM' | 'SIGINT', listener: () => void) => signals.once(signal, listener),
    },
    out: () => out.join(''),
    err: () => err.join(''),
    signal: (name: 'SIGTERM' | 'SIGINT') => signals.emit(name),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function until(probe: () => boolean) {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('affil', () => {
  it('prints help and exits 0', async () => {
    const p = fakeProcess(['help']);
    expect(await run(p.proc)).toBe(0);
    expect(p.out()).toContain('affil serve');
  });

  it('rejects an unknown command with exit 2 and a message', async () => {
    const p = fakeProcess(['serv']);
    expect(await run(p.proc)).toBe(2);
    expect(p.err()).toContain('unknown command "serv"');
  });

  it('rejects an unknown flag', async () => {
    const p = fakeProcess(['serve', '--prot', '1']);
    expect(await run(p.proc)).toBe(2);
    expect(p.err()).toMatch(/--prot/);
  });

  it('serve: generates and prints the admin key and signing secret once, answers, and stops on SIGTERM', async () => {
    const db = join(dir, 'affil.db');
    const first = fakeProcess(['serve', '--port', '0', '--db', db]);
    const running = run(first.proc);
    await until(() => first.out().includes('listening on'));
    const url = /listening on (\S+)/.exec(first.out())![1]!;
    const adminKey = /admin key \(shown once, store it now\): (\S+)/.exec(first.out())![1]!;
    expect(first.out()).toMatch(/signing secret \(shown once\): whsec_/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const accounts = await fetch(`${url}/v1/accounts`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(accounts.status).toBe(200);
    first.signal('SIGTERM');
    expect(await running).toBe(0);

    // Second start on the same database: nothing generated, nothing printed, the key still works.
    const second = fakeProcess(['serve', '--port', '0', '--db', db]);
    const again = run(second.proc);
    await until(() => second.out().includes('listening on'));
    expect(second.out()).not.toContain('admin key');
    expect(second.out()).not.toContain('whsec_');
    const url2 = /listening on (\S+)/.exec(second.out())![1]!;
    expect((await fetch(`${url2}/v1/accounts`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(200);
    second.signal('SIGINT');
    expect(await again).toBe(0);
  });

  it('secrets rotate: a lost signing secret is replaced; the old one verifies until secrets retire', async () => {
    const db = join(dir, 'affil.db');
    /** Starts serve, posts an empty order signed with each secret, stops; 422 = signature accepted, 401 = refused. */
    const statuses = async (...secrets: string[]) => {
      const p = fakeProcess(['serve', '--port', '0', '--db', db]);
      const running = run(p.proc);
      await until(() => p.out().includes('listening on'));
      const url = /listening on (\S+)/.exec(p.out())![1]!;
      const answers = [];
      for (const secret of secrets) {
        const id = `msg_${secrets.indexOf(secret)}_${Date.now()}`;
        const at = new Date();
        const signature = new Webhook(secret).sign(id, at, '{}');
        const res = await fetch(`${url}/v1/orders`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature } });
        answers.push(res.status);
      }
      p.signal('SIGTERM');
      await running;
      return { answers, out: p.out() };
    };
    const first = await statuses();
    const old = /signing secret \(shown once\): (whsec_\S+)/.exec(first.out)![1]!;

    const rotated = fakeProcess(['secrets', 'rotate', '--db', db]);
    expect(await run(rotated.proc)).toBe(0);
    const fresh = /secret \(shown once, store it now\): (whsec_\S+)/.exec(rotated.out())![1]!;
    expect(fresh).not.toBe(old);
    expect(rotated.out()).toContain('affil secrets retire');
    expect((await statuses(old, fresh)).answers).toEqual([422, 422]);

    const retired = fakeProcess(['secrets', 'retire', '--db', db]);
    expect(await run(retired.proc)).toBe(0);
    expect(retired.out()).toContain('retired 1 older secret(s)');
    expect((await statuses(old, fresh)).answers).toEqual([401, 422]);

    // With the secrets in the environment, the database's are not used: the command says what to do instead.
    const fromEnv = fakeProcess(['secrets', 'rotate', '--db', db], { AFFIL_WEBHOOK_SECRET: fresh });
    expect(await run(fromEnv.proc)).toBe(2);
    expect(fromEnv.err()).toContain('come from AFFIL_WEBHOOK_SECRET');
  });

  it('serve: a port in use is a clear error, not a crash', async () => {
    const db = join(dir, 'affil.db');
    const first = fakeProcess(['serve', '--port', '0', '--db', db]);
    const running = run(first.proc);
    await until(() => first.out().includes('listening on'));
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(first.out())![1]!;
    const second = fakeProcess(['serve', '--port', port, '--db', join(dir, 'other.db')]);
    expect(await run(second.proc)).toBe(2);
    expect(second.err()).toContain('EADDRINUSE');
    first.signal('SIGTERM');
    await running;
  });

  it('a database path whose folder cannot be made exits 2 with one clear line', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const args of [['serve', '--port', '0'], ['accounts', 'create', 'Jane']]) {
      const p = fakeProcess([...args, '--db', join(file, 'data', 'affil.db')]);
      expect(await run(p.proc)).toBe(2);
      expect(p.err()).toMatch(/^affil: cannot create the database folder .*a-file\/data: ENOTDIR\n$/);
    }
  });

  it('a postgres:// or postgresql:// --db never becomes a file or folder, and no command prints its password', async () => {
    // Port 1 on loopback: nothing listens there, whether or not the PostgreSQL adapter is built.
    const urls = ['postgres://affil:s3cret-pw@127.0.0.1:1/affil', 'postgresql://affil:s3cret-pw@127.0.0.1:1/affil'];
    const cwdBefore = readdirSync(process.cwd()).sort();
    for (const url of urls) {
      for (const args of [['serve', '--port', '0', '--db', url], ['accounts', 'create', 'Jane', '--db', url], ['backup', join(dir, 'copy.db'), '--db', url], ['link', 'janesblog-20', 'https://www.amazon.com/dp/B0', '--db', url]]) {
        const p = fakeProcess(args);
        expect(await run(p.proc), args.join(' ')).toBe(2);
        expect(p.err(), args.join(' ')).toMatch(/^affil: .+\n$/);
        expect(p.err() + p.out()).not.toContain('s3cret-pw');
      }
      // From the environment too: AFFIL_DB, then DATABASE_URL.
      for (const env of [{ AFFIL_DB: url }, { DATABASE_URL: url }]) {
        const p = fakeProcess(['accounts', 'list'], env);
        expect(await run(p.proc)).toBe(2);
      }
    }
    expect(readdirSync(process.cwd()).sort()).toEqual(cwdBefore);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(process.cwd(), 'postgres:'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'postgresql:'))).toBe(false);
  });

  it('backup on a PostgreSQL database runs pg_dump (or explains it) instead of failing obscurely', async () => {
    const p = fakeProcess(['backup', join(dir, 'copy.dump'), '--db', 'postgres://affil:pw@db.invalid:5432/affil']);
    expect(await run(p.proc)).toBe(2);
    // pg_dump installed: its own reason, naming the database without the password; else how to back up.
    expect(p.err()).toMatch(/pg_dump of postgres:\/\/affil:\*\*\*@db\.invalid:5432\/affil failed: pg_dump: error|PostgreSQL database: affil backup runs pg_dump, which is not installed/);
    expect(p.err()).not.toContain(':pw@');
    expect(existsSync(join(dir, 'copy.dump'))).toBe(false);
  });

  it('serve: an invalid config file is a clear error', async () => {
    const p = fakeProcess(['serve', '--config', join(dir, 'nope.json')]);
    expect(await run(p.proc)).toBe(2);
    expect(p.err()).toMatch(/cannot read config file/);
  });
});

describe('affil accounts / tags / keys', () => {
  const cli = async (...args: string[]) => {
    const p = fakeProcess([...args, '--db', join(dir, 'program.db')]);
    const code = await run(p.proc);
    return { code, out: p.out(), err: p.err() };
  };

  it('creates an account, registers a tag, issues and revokes a key that then works and stops working', async () => {
    const created = await cli('accounts', 'create', "Jane's Blog", '--json');
    expect(created.code).toBe(0);
    const account = JSON.parse(created.out) as { id: string; name: string };
    expect(account.name).toBe("Jane's Blog");

    expect((await cli('tags', 'add', account.id, 'janesblog-20', 'us')).out).toContain('registered janesblog-20');
    const listed = await cli('tags', 'list', account.id, '--json');
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ tag: 'janesblog-20', marketplace: 'us' })]);

    const key = JSON.parse((await cli('keys', 'create', account.id, '--json')).out) as { id: string; key: string };
    expect(key.key).toMatch(/^affil_acct_/);

    // The key works against a collector on the same database, until revoked.
    const server = fakeProcess(['serve', '--port', '0', '--db', join(dir, 'program.db')]);
    const serving = run(server.proc);
    await until(() => server.out().includes('listening on'));
    const url = /listening on (\S+)/.exec(server.out())![1]!;
    const tags = () => fetch(`${url}/v1/accounts/${account.id}/tags`, { headers: { authorization: `Bearer ${key.key}` } });
    expect((await tags()).status).toBe(200);
    expect((await cli('keys', 'revoke', key.id)).code).toBe(0);
    expect((await tags()).status).toBe(401);
    server.signal('SIGTERM');
    await serving;

    expect(JSON.parse((await cli('accounts', 'list', '--json')).out)).toEqual([expect.objectContaining({ id: account.id })]);
  });

  it('warns, and still creates it, when another account already has the name', async () => {
    const first = JSON.parse((await cli('accounts', 'create', 'Jane', '--json')).out) as { id: string };
    expect((await cli('accounts', 'create', 'Bob')).err).toBe('');
    const again = await cli('accounts', 'create', ' jane ');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^created account acc_\S+ \(jane\)/);
    expect(again.err).toBe(`affil: warning: another account is already named "jane" (${first.id}); tell them apart by ID\n`);
    expect(JSON.parse((await cli('accounts', 'list', '--json')).out)).toHaveLength(3);
  });

  it.each([
    [['tags', 'add', 'acc_missing', 'janesblog-20', 'us'], /No account "acc_missing"/],
    [['accounts', 'create'], /usage: affil accounts create NAME/],
    [['keys', 'revoke', 'key_nope'], /No active key "key_nope"/],
    [['tags', 'frobnicate'], /usage: affil tags add/],
  ])('%j fails with exit 2 and says why', async (args, message) => {
    await cli('accounts', 'create', 'Someone');
    const result = await cli(...(args as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it.each([
    ['accounts', 'list'],
    ['tags', 'list', 'acc_x'],
    ['keys', 'revoke', 'key_x'],
    ['link', 'janesblog-20', 'https://www.amazon.com/dp/B08XYZ1234', '--collector', 'https://t.example'],
    ['audit', '/nonexistent.html'],
  ])('%s %s with no database at --db fails naming it, and creates none', async (...args) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`no database at ${join(dir, 'program.db')}`);
    expect(existsSync(join(dir, 'program.db'))).toBe(false);
  });

  it('refuses a tag with the wrong suffix or one already taken', async () => {
    const account = JSON.parse((await cli('accounts', 'create', 'A', '--json')).out) as { id: string };
    expect((await cli('tags', 'add', account.id, 'janesblog-21', 'us')).err).toContain('must end with "-20"');
    await cli('tags', 'add', account.id, 'janesblog-20', 'us');
    const again = await cli('tags', 'add', account.id, 'janesblog-20', 'us');
    expect(again.code).toBe(2);
    expect(again.err).toContain('already registered');
  });

  it('issues an admin key', async () => {
    const created = await cli('keys', 'create', '--admin', '--json');
    expect(JSON.parse(created.out).key).toMatch(/^affil_admin_/);
  });
});
