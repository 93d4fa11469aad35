import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MARKETPLACES, resolveServeConfig } from '../src/config.js';
import { UsageError } from '../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'affil-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (content: unknown) => {
  const path = join(dir, 'affil.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('resolveServeConfig', () => {
  it('has the spec defaults', () => {
    const c = resolveServeConfig({}, {});
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', db: './data/affil.db', clickWindowHours: 24, cartWindowDays: 90, rateLimitPerMinute: 600, retentionDays: 400, adminKey: undefined, webhookSecrets: undefined, publicUrl: undefined });
    expect(c.tagPattern).toBe('^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$');
  });

  it('builds default marketplaces only from storefronts with a known tag suffix', () => {
    expect(DEFAULT_MARKETPLACES.map((m) => m.id)).toEqual(['us', 'uk', 'de', 'fr', 'it', 'es', 'nl', 'se', 'ca', 'jp', 'br', 'in']);
    expect(DEFAULT_MARKETPLACES.find((m) => m.id === 'jp')).toMatchObject({ hosts: ['amazon.co.jp'], tagSuffix: '-22', currency: 'JPY' });
    expect(DEFAULT_MARKETPLACES.every((m) => m.rates.default === 400 && m.rates.books === 450)).toBe(true);
  });

  it('takes flags over environment over file over defaults', () => {
    const path = file({ port: 1111, host: '0.0.0.0', db: 'file.db', clickWindowHours: 48 });
    expect(resolveServeConfig({ config: path }, {})).toMatchObject({ port: 1111, host: '0.0.0.0', db: 'file.db', clickWindowHours: 48 });
    expect(resolveServeConfig({ config: path }, { AFFIL_PORT: '2222', AFFIL_DB: 'env.db' })).toMatchObject({ port: 2222, db: 'env.db', host: '0.0.0.0' });
    expect(resolveServeConfig({ config: path, port: '3333', host: '127.0.0.2' }, { AFFIL_PORT: '2222', AFFIL_HOST: 'x' })).toMatchObject({ port: 3333, host: '127.0.0.2' });
    expect(resolveServeConfig({}, { AFFIL_CONFIG: path })).toMatchObject({ port: 1111 });
  });

  it('takes the database from --db, then AFFIL_DB, then DATABASE_URL, then the file, then ./data/affil.db', () => {
    const path = file({ db: 'file.db', dbPoolSize: 4, dbStatementTimeoutMs: 2000 });
    const pg = 'postgres://affil@db.example:5432/affil';
    expect(resolveServeConfig({ config: path, db: 'flag.db' }, { AFFIL_DB: 'env.db', DATABASE_URL: pg })).toMatchObject({ db: 'flag.db' });
    expect(resolveServeConfig({ config: path }, { AFFIL_DB: 'env.db', DATABASE_URL: pg })).toMatchObject({ db: 'env.db' });
    expect(resolveServeConfig({ config: path }, { DATABASE_URL: pg })).toMatchObject({ db: pg, dbPoolSize: 4, dbStatementTimeoutMs: 2000 });
    expect(resolveServeConfig({ config: path }, {})).toMatchObject({ db: 'file.db' });
    expect(resolveServeConfig({}, {})).toMatchObject({ db: './data/affil.db', dbPoolSize: 10, dbStatementTimeoutMs: 5000 });
    expect(() => resolveServeConfig({ config: file({ dbPoolSize: 0 }) }, {})).toThrow(/dbPoolSize/);
  });

  it('resolves integrity rules over their defaults, and names a wrong setting by its key', () => {
    expect(resolveServeConfig({}, {}).integrity).toEqual({ selfReferral: true, burst: { clicks: 10, minutes: 10 }, stuffing: { minDwellMs: 500 }, orderVelocity: 5 });
    expect(resolveServeConfig({ config: file({ integrity: { burst: { clicks: 3 }, stuffing: false, orderVelocity: 2 } }) }, {}).integrity)
      .toEqual({ selfReferral: true, burst: { clicks: 3, minutes: 10 }, stuffing: false, orderVelocity: 2 });
    expect(() => resolveServeConfig({ config: file({ integrity: { burst: { clicks: 0 } } }) }, {})).toThrow(/integrity\.burst\.clicks: must be a whole number of clicks from 1 to 1000000/);
    expect(() => resolveServeConfig({ config: file({ integrity: { burts: true } }) }, {})).toThrow(/integrity\.burts: unknown field/);
  });

  it('reads secrets and the public URL from the environment', () => {
    const c = resolveServeConfig({}, { AFFIL_ADMIN_KEY: 'k', AFFIL_WEBHOOK_SECRET: 'whsec_AAAAAAAAAAAAAAAAAAAAAA== whsec_BBBBBBBBBBBBBBBBBBBBBB==', AFFIL_PUBLIC_URL: 'https://track.example.com/' });
    expect(c.adminKey).toBe('k');
    expect(c.webhookSecrets).toEqual(['whsec_AAAAAAAAAAAAAAAAAAAAAA==', 'whsec_BBBBBBBBBBBBBBBBBBBBBB==']);
    expect(c.publicUrl).toBe('https://track.example.com');
  });

  it('replaces the marketplaces with the file\'s', () => {
    const path = file({ marketplaces: [{ id: 'shop', hosts: ['localhost:8788'], tagSuffix: '-20', currency: 'EUR', rates: { default: 250 } }] });
    expect(resolveServeConfig({ config: path }, {}).marketplaces).toEqual([{ id: 'shop', hosts: ['localhost:8788'], tagSuffix: '-20', currency: 'EUR', rates: { default: 250 } }]);
  });

  it.each([
    { name: 'unknown key', content: { clickWindowHour: 24 }, message: /clickWindowHour: unknown field \(did you mean "clickWindowHours"\?\)/ },
    { name: 'mistyped key', content: { cartWindowDay: 30 }, message: /cartWindowDay: unknown field \(did you mean "cartWindowDays"\?\)/ },
    { name: 'mistyped marketplace key', content: { marketplaces: [{ id: 'us', hosts: ['amazon.com'], tagSufix: '-20', currency: 'USD', rates: { default: 400 } }] }, message: /marketplaces\[0\]\.tagSufix: unknown field \(did you mean "tagSuffix"\?\)/ },
    { name: 'unknown key far from any', content: { colour: 'red' }, message: /colour: unknown field \(known keys: port, host, db, publicUrl/ },
    { name: 'wrong type', content: { cartWindowDays: '90' }, message: /cartWindowDays/ },
    { name: 'rates without default', content: { marketplaces: [{ id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { books: 450 } }] }, message: /marketplaces\[0\]\.rates: must include a "default" rate/ },
    { name: 'fractional basis points', content: { marketplaces: [{ id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 4.5 } }] }, message: /rates\.default/ },
    { name: 'lowercase currency', content: { marketplaces: [{ id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'usd', rates: { default: 1 } }] }, message: /currency: must be an ISO 4217 code/ },
    { name: 'host with a scheme', content: { marketplaces: [{ id: 'us', hosts: ['https://amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /hosts\[0\]/ },
    { name: 'duplicate marketplace', content: { marketplaces: [{ id: 'us', hosts: ['a.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }, { id: 'us', hosts: ['b.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /duplicate marketplace id "us"/ },
    { name: 'bad regex', content: { tagPattern: '([' }, message: /tagPattern: must be a valid regular expression/ },
    // Public suffixes: every site under them would be a "marketplace" and /go an open redirect.
    { name: 'a public suffix as host (com)', content: { marketplaces: [{ id: 'us', hosts: ['com'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /hosts\[0\]: "com" is a public suffix/ },
    { name: 'a public suffix as host (co.uk)', content: { marketplaces: [{ id: 'us', hosts: ['co.uk'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /hosts\[0\]: "co.uk" is a public suffix/ },
    { name: 'a private-section public suffix as host (github.io)', content: { marketplaces: [{ id: 'us', hosts: ['github.io'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /"github.io" is a public suffix/ },
    { name: 'a public suffix with a port', content: { marketplaces: [{ id: 'us', hosts: ['com:8080'], tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] }, message: /"com:8080" is a public suffix/ },
    { name: 'a tag pattern with nested quantifiers', content: { tagPattern: '^([a-z]+)+-20$' }, message: /tagPattern: may take exponential time/ },
    { name: 'a tag pattern with a repeated repeating group', content: { tagPattern: '^(?:[a-z0-9]+-?)*-[0-9]{2}$' }, message: /tagPattern: may take exponential time/ },
    { name: 'trustProxy true (anyone could pick an address)', content: { trustProxy: true }, message: /trustProxy: true trusts every peer/ },
    { name: 'trustProxy with a bad address', content: { trustProxy: ['10.0.0.300'] }, message: /trustProxy: .*10\.0\.0\.300/ },
    { name: 'a stream limit of 0', content: { streamsPerKey: 0 }, message: /streamsPerKey/ },
    { name: 'not JSON', content: '{ nope', message: /is not valid JSON/ },
  ])('rejects a config file with $name, naming the problem', ({ content, message }) => {
    const path = file(content);
    expect(() => resolveServeConfig({ config: path }, {})).toThrow(UsageError);
    expect(() => resolveServeConfig({ config: path }, {})).toThrow(message);
  });

  it('accepts shop domains, subdomains of suffixes and local hosts', () => {
    const hosts = ['amazon.com', 'amazon.co.uk', 'shop.github.io', 'localhost:8788', 'localhost', '127.0.0.1:8789', 'shop.test', 'intranet'];
    const path = file({ marketplaces: [{ id: 'us', hosts, tagSuffix: '-20', currency: 'USD', rates: { default: 1 } }] });
    expect(resolveServeConfig({ config: path }, {}).marketplaces[0]!.hosts).toEqual(hosts);
  });

  it('has server defaults: no trusted proxy, 10 streams per key, 1,000 in all, /metrics behind the admin key', () => {
    expect(resolveServeConfig({}, {})).toMatchObject({ trustProxy: false, streamsPerKey: 10, streamsTotal: 1000, metricsPublic: false });
  });

  it.each([
    ['1', 1],
    ['2', 2],
    ['0', false],
    ['false', false],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.1, 10.1.0.0/16,loopback', ['10.0.0.1', '10.1.0.0/16', 'loopback']],
  ])('reads --trust-proxy %s (flag over environment over file)', (text, expected) => {
    const path = file({ trustProxy: ['192.168.0.1'] });
    expect(resolveServeConfig({ config: path }, {}).trustProxy).toEqual(['192.168.0.1']);
    expect(resolveServeConfig({ config: path }, { AFFIL_TRUST_PROXY: text }).trustProxy).toEqual(expected);
    expect(resolveServeConfig({ config: path, trustProxy: text }, { AFFIL_TRUST_PROXY: '3' }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'not-an-address', '10.0.0.1/99'])('rejects --trust-proxy %s with a message', (text) => {
    expect(() => resolveServeConfig({ trustProxy: text }, {})).toThrow(UsageError);
    expect(() => resolveServeConfig({}, { AFFIL_TRUST_PROXY: text })).toThrow(/trust proxy/);
  });

  it('reads payouts: every key optional, defaults 60 days and 1000 minor units, a bad key named', () => {
    expect(resolveServeConfig({}, {}).payouts).toEqual({ payableAfterDays: 60, minimum: {}, defaultMinimum: 1000 });
    expect(resolveServeConfig({ config: file({ payouts: { minimum: { JPY: 500 } } }) }, {}).payouts).toEqual({ payableAfterDays: 60, minimum: { JPY: 500 }, defaultMinimum: 1000 });
    expect(resolveServeConfig({ config: file({ payouts: { payableAfterDays: 30 } }) }, {}).payouts?.payableAfterDays).toBe(30);
    expect(() => resolveServeConfig({ config: file({ payouts: { payableAfterDays: -1 } }) }, {})).toThrow(/payouts: payouts\.payableAfterDays must be a whole number/);
    expect(() => resolveServeConfig({ config: file({ payouts: { minimum: { usd: 1000 } } }) }, {})).toThrow(/payouts\.minimum\.usd/);
    expect(() => resolveServeConfig({ config: file({ payouts: { minimum: { USD: 10.5 } } }) }, {})).toThrow(/payouts\.minimum\.USD must be a whole number of minor units/);
    expect(() => resolveServeConfig({ config: file({ payouts: { payableDays: 30 } }) }, {})).toThrow(/payouts\.payableDays is not a setting/);
  });

  it('names a config file it cannot read', () => {
    expect(() => resolveServeConfig({ config: join(dir, 'missing.json') }, {})).toThrow(/cannot read config file .*missing\.json: ENOENT/);
  });

  it.each([['port', { port: 'eighty' }, /port "eighty"/], ['public URL', { publicUrl: 'track.example.com' }, /public URL/]])('rejects a bad %s flag', (_name, flags, message) => {
    expect(() => resolveServeConfig(flags, {})).toThrow(message);
  });

  it('rejects a malformed webhook secret', () => {
    expect(() => resolveServeConfig({}, { AFFIL_WEBHOOK_SECRET: 'hunter2' })).toThrow(/AFFIL_WEBHOOK_SECRET/);
  });
});
