// `affil audit` where the blog lives: the built command run as a real process from a temporary
// folder that has no `data/`, in each of its three ways of knowing the tags: `--tag` alone (no
// database, no collector), `--collector URL --key KEY` (GET /v1/tags), and `--db` (the collector's host).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCollectors } from '../helpers/collector.js';
import { TEST_MARKETPLACES } from '../helpers/fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/affil.js', import.meta.url));
const start = useCollectors();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-blog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Audited { status: string; tag: string | null; detail: string; line: number }

/** `affil …` run in `dir`, with an environment free of the collector's settings. */
function affil(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AFFIL_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 30_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

/** A blog post with one link of each kind, one per line. */
function post(): string {
  mkdirSync(join(dir, 'posts'));
  const links = [
    'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-20', // 1 own
    'https://www.amazon.com/dp/B08XYZ1234', // 2 missing
    'https://www.amazon.com/dp/B08XYZ1234?tag=bobsdeals-20', // 3 someone else's
    'https://amzn.to/3abcd', // 4 short
    'https://www.amazon.com:99999/dp/B08XYZ1234', // 5 invalid
    'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-21', // 6 wrong marketplace (a uk tag)
    'https://www.amazon.com/dp/B08XYZ1234?tag=janesblog-2', // 7 cut short
    'https://www.amazon.com/dp/B08XYZ1234?tag=stranger-20', // 8 well-formed, nobody's
    'https://example.com/not-a-merchant',
  ];
  const file = join(dir, 'posts', 'cameras.html');
  writeFileSync(file, links.map((href) => `<a href="${href}">x</a>`).join('\n'));
  return 'posts';
}

const statuses = (out: string) => (JSON.parse(out).links as Audited[]).map((l) => l.status);

describe('affil audit, in a folder without a database', () => {
  it('--tag alone: every status from the tags given and the built-in marketplaces, and no data/ created', async () => {
    const target = post();
    const result = await affil('audit', target, '--tag', 'janesblog-20,janesblog-21', '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    expect(statuses(result.out)).toEqual([
      'own_tag', 'missing_tag', 'foreign_tag', 'short_link', 'invalid_url', 'wrong_marketplace', 'unregistered_tag', 'foreign_tag',
    ]);
    const links = JSON.parse(result.out).links as Audited[];
    expect(links[6]!.detail).toContain('did you mean janesblog-20?');
    expect(existsSync(join(dir, 'data'))).toBe(false);

    const text = await affil('audit', target, '--tag', 'janesblog-20', '--tag', 'janesblog-21');
    expect(text.code).toBe(1);
    expect(text.out).toContain('8 merchant link(s)');
  });

  it('--tag alone: marketplaces from --config', async () => {
    writeFileSync(join(dir, 'affil.json'), JSON.stringify({ marketplaces: [{ id: 'shop', hosts: ['shop.example'], tagSuffix: '-99', currency: 'EUR', rates: { default: 500 } }] }));
    writeFileSync(join(dir, 'index.html'), '<a href="https://shop.example/p/1?tag=janesblog-99">ok</a>\n<a href="https://www.amazon.com/dp/B08XYZ1234">not this program</a>');
    const result = await affil('audit', 'index.html', '--tag', 'janesblog-99', '--config', 'affil.json', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).links).toEqual([expect.objectContaining({ status: 'own_tag', marketplace: 'shop', line: 1 })]);
  });

  it('says what it needs: no --tag, or a --tag the program cannot take, exits 2 with a message', async () => {
    const target = post();
    const none = await affil('audit', target);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no database at \.\/data\/affil\.db.*--tag YOUR_TAG.*--collector URL --key KEY/);
    const odd = await affil('audit', target, '--tag', 'Jane Blog');
    expect(odd.code).toBe(2);
    expect(odd.err).toContain('--tag Jane Blog cannot be a tag of this program');
  });
});

describe('affil audit --collector URL --key KEY', () => {
  async function program() {
    const c = await start({ marketplaces: TEST_MARKETPLACES });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    expect((await c.admin('POST', `/v1/accounts/${jane.id}/tags`, { tag: 'janesblog-21', marketplace: 'uk' })).status).toBe(201);
    await c.setupAccount('Bob', 'bobsdeals-20', 'us');
    return { c, jane };
  }

  it("with an account key: checks against the account's own tags, including tags not registered", async () => {
    const { c, jane } = await program();
    const result = await affil('audit', post(), '--collector', c.url, '--key', jane.key, '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    expect(statuses(result.out)).toEqual([
      'own_tag', 'missing_tag', 'foreign_tag', 'short_link', 'invalid_url', 'wrong_marketplace', 'unregistered_tag', 'foreign_tag',
    ]);
    const links = JSON.parse(result.out).links as Audited[];
    expect(links[5]!.detail).toBe('tag janesblog-21 is for marketplace uk, this link goes to us');
    expect(links[2]!.detail).toContain("not one of your account's tags");
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('with the admin key: every registered tag is known, so a tag nobody registered is "not registered"', async () => {
    const { c } = await program();
    const result = await affil('audit', post(), '--collector', c.url, '--key', c.adminKey, '--tag', 'janesblog-20,janesblog-21', '--json');
    expect(result.code).toBe(1);
    const links = JSON.parse(result.out).links as Audited[];
    expect(links.map((l) => l.status)).toEqual([
      'own_tag', 'missing_tag', 'foreign_tag', 'short_link', 'invalid_url', 'wrong_marketplace', 'unregistered_tag', 'unregistered_tag',
    ]);
    expect(links[7]!.detail).toBe('tag stranger-20 is not registered');
  });

  it('refuses a --tag the key does not own, a refused key and an unreachable collector, exit 2 with a message', async () => {
    const { c, jane } = await program();
    const target = post();
    const notOwn = await affil('audit', target, '--collector', c.url, '--key', jane.key, '--tag', 'bobsdeals-20');
    expect(notOwn.code).toBe(2);
    expect(notOwn.err).toContain("--tag bobsdeals-20 is not registered to this key's account");
    const refused = await affil('audit', target, '--collector', c.url, '--key', 'affil_acct_nope');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('the collector answered 401');
    const unreachable = await affil('audit', target, '--collector', 'http://127.0.0.1:1', '--key', jane.key);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toContain('cannot reach the collector');
    const noKey = await affil('audit', target, '--collector', c.url);
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('--collector needs --key');
  });
});

describe('affil audit --db (on the collector host)', () => {
  it('keeps working as before, from any folder', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'affil-host-')), 'affil.db');
    try {
      const jane = JSON.parse((await affil('accounts', 'create', 'Jane', '--db', db, '--json')).out) as { id: string };
      expect((await affil('tags', 'add', jane.id, 'janesblog-20', 'us', '--db', db)).code).toBe(0);
      const result = await affil('audit', post(), '--db', db, '--tag', 'janesblog-20', '--json');
      expect(result.code).toBe(1);
      const links = JSON.parse(result.out).links as Audited[];
      expect(links.map((l) => l.status)).toEqual([
        'own_tag', 'missing_tag', 'unregistered_tag', 'short_link', 'invalid_url', 'unregistered_tag', 'unregistered_tag', 'unregistered_tag',
      ]);
      expect(existsSync(join(dir, 'data'))).toBe(false);
      // A --tag the program does not have is refused, as before.
      expect((await affil('audit', 'posts', '--db', db, '--tag', 'nobody-20')).err).toContain('--tag nobody-20 is not registered in this program');
    } finally {
      rmSync(join(db, '..'), { recursive: true, force: true });
    }
  });
});
