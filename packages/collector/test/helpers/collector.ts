import { get, type IncomingHttpHeaders } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { dropDatabase, freshDatabase, releaseDatabase } from './backend.js';
import { Webhook } from 'standardwebhooks';
import { afterEach } from 'vitest';
import { DEFAULT_PROGRAM, DEFAULT_SERVER, type ServeConfig } from '../../src/config.js';
import type { Marketplace } from '../../src/domain/marketplace.js';
import { parsePayoutsConfig } from '../../src/domain/payouts.js';
import type { MoneyOutHooks } from '../../src/services/context.js';
import { startCollector, type Collector } from '../../src/server.js';

/**
 * A parsed JSON answer. Tests read deep into answers (`body.lines[0].commission`), and a typed
 * model of every endpoint would only restate the implementation, so answers stay loosely typed.
 */
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON (`application/json`, `application/problem+json`), else undefined. */
  body: Json;
  text: string;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
export type Call = (method: Method, path: string, body?: unknown) => Promise<Reply>;

/** A user agent of a current desktop Chrome: what a real visitor's beacon carries. */
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** A settable clock for the collector's `now`: the server's receive time is the event time. */
export interface Clock {
  now: () => number;
  set(time: string | number): void;
  advance(ms: number): void;
}

export function createClock(start: string | number): Clock {
  let t = typeof start === 'string' ? Date.parse(start) : start;
  if (Number.isNaN(t)) throw new Error(`createClock: "${start}" is not a date`);
  return {
    now: () => t,
    set(time) {
      t = typeof time === 'string' ? Date.parse(time) : time;
    },
    advance(ms) {
      t += ms;
    },
  };
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export interface TestCollectorOptions {
  /** Program overrides; default: the built-in marketplaces and windows. */
  marketplaces?: Marketplace[];
  clickWindowHours?: number;
  cartWindowDays?: number;
  rateLimitPerMinute?: number;
  tagPattern?: string;
  /** Integrity rules (issue 19); default all on with their defaults. */
  integrity?: ServeConfig['integrity'];
  /** Told after an integrity review decision (issue 19's seam for the outbox). */
  notify?: (event: unknown) => void;
  /** Every secret the collector verifies with; default one fresh secret. `signed` signs with the first. */
  webhookSecrets?: string[];
  /** The collector's clock; default `Date.now`. */
  now?: () => number;
  /** Live stream timings; default the collector's (clicks once a second, a heartbeat every 25 s). */
  live?: { flushMs?: number; busyFlushMs?: number; heartbeatMs?: number };
  /** Server settings (trustProxy, stream limits, metricsPublic); default the built-in ones. */
  server?: Partial<Pick<ServeConfig, 'trustProxy' | 'streamsPerKey' | 'streamsTotal' | 'metricsPublic' | 'allowPrivateWebhookTargets' | 'webhookTimeoutMs'>>;
  /** Config `payouts` as a config file holds it (money out); default the built-in one. */
  payouts?: unknown;
  /** Money out's seams (holds, events out); default none. */
  moneyOut?: MoneyOutHooks;
}

export interface SignOptions {
  /** `webhook-id`; default a fresh one. */
  id?: string;
  /**
   * When the callback was signed; default the real current time. The signature library checks
   * timestamps against the machine's clock, not the collector's injected one.
   */
  timestamp?: Date;
  /** Default: the collector's first secret. */
  secret?: string;
  /** Extra or replacement headers; `undefined` drops a header (e.g. a missing signature). */
  headers?: Record<string, string | undefined>;
}

export interface BeaconOptions {
  /** Default `text/plain;charset=UTF-8`, as `navigator.sendBeacon` sends a string. */
  contentType?: string;
  /** Default a desktop Chrome user agent. */
  userAgent?: string;
}

export interface TestAccount {
  id: string;
  name: string;
  tag: string;
  marketplace: string;
  keyId: string;
  key: string;
  /** Calls made with this account's key. */
  api: Call;
}

export interface TestCollector {
  url: string;
  /** The running collector itself, for what has no HTTP surface (e.g. purging now). */
  collector: Collector;
  /** Its database: a SQLite file path, or a PostgreSQL URL on the postgres half of the matrix. */
  db: string;
  adminKey: string;
  webhookSecrets: string[];
  /** Any request; `body` is sent as is when a string, else as JSON. */
  request(method: Method, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  admin: Call;
  as(key: string): Call;
  /** A signed merchant callback (POST); `body` is sent as is when a string, else as JSON. */
  signed(path: string, body: unknown, options?: SignOptions): Promise<Reply>;
  /** A beacon to `POST /v1/events`; `body` is sent as is when a string, else as JSON. */
  beacon(body: unknown, options?: BeaconOptions): Promise<Reply>;
  /** Creates an account, registers `tag` in `marketplace` for it and issues an account key. */
  setupAccount(name: string, tag: string, marketplace: string): Promise<TestAccount>;
  /** Every answer with a 5xx status so far (the collector must never answer one). */
  serverErrors: { method: string; path: string; status: number; text: string }[];
  /** What the collector logged (it logs only unexpected errors). */
  logs: string[];
  /** Stops the collector and removes its database; rejects when any 5xx was answered. */
  close(): Promise<void>;
}

const toText = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

/** A GET answered as raw bytes and headers (fetch would decompress the body). */
export function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** Starts a real collector on 127.0.0.1, an ephemeral port and a fresh temporary SQLite file. */
export async function startTestCollector(options: TestCollectorOptions = {}): Promise<TestCollector> {
  const db = await freshDatabase({ migrated: true });
  const adminKey = `affil_admin_test_${randomBytes(16).toString('base64url')}`;
  const webhookSecrets = options.webhookSecrets ?? [newWebhookSecret()];
  const config: ServeConfig = {
    ...DEFAULT_PROGRAM,
    ...DEFAULT_SERVER,
    ...options.server,
    ...(options.marketplaces ? { marketplaces: options.marketplaces } : {}),
    ...(options.clickWindowHours !== undefined ? { clickWindowHours: options.clickWindowHours } : {}),
    ...(options.cartWindowDays !== undefined ? { cartWindowDays: options.cartWindowDays } : {}),
    ...(options.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    ...(options.tagPattern !== undefined ? { tagPattern: options.tagPattern } : {}),
    ...(options.payouts !== undefined ? { payouts: parsePayoutsConfig(options.payouts) } : {}),
    ...(options.integrity !== undefined ? { integrity: options.integrity } : {}),
    port: 0,
    host: '127.0.0.1',
    db,
    adminKey,
    webhookSecrets,
    publicUrl: undefined,
  };
  const logs: string[] = [];
  let collector: Collector;
  try {
    collector = await startCollector(config, { log: (m) => logs.push(m), ...(options.now ? { now: options.now } : {}), ...(options.live ? { live: options.live } : {}), ...(options.moneyOut ? { moneyOut: options.moneyOut } : {}), ...(options.notify ? { notify: options.notify } : {}) });
  } catch (error) {
    await dropDatabase(db);
    throw error;
  }
  const serverErrors: TestCollector['serverErrors'] = [];

  async function request(method: Method, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const response = await fetch(collector.url + path, {
      method,
      redirect: 'manual', // a redirect is an answer to assert on, not to follow
      headers: o.headers ?? {},
      ...(o.body !== undefined ? { body: toText(o.body) } : {}),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let body: Json;
    if (/\bjson\b/.test(type)) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined; // a JSON content type with a non-JSON body: the test sees `text`
      }
    }
    if (response.status >= 500) serverErrors.push({ method, path, status: response.status, text });
    return { status: response.status, headers: response.headers, body, text };
  }

  const as = (key: string): Call => (method, path, body) =>
    request(method, path, {
      ...(body !== undefined ? { body } : {}),
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    });
  const admin = as(adminKey);

  const expect2xx = (what: string, reply: Reply): Json => {
    if (reply.status < 200 || reply.status > 299) throw new Error(`${what}: ${reply.status} ${reply.text}`);
    return reply.body;
  };

  let closed: Promise<void> | undefined;
  return {
    url: collector.url,
    collector,
    db: config.db,
    adminKey,
    webhookSecrets,
    request,
    admin,
    as,
    signed(path, body, o = {}) {
      const payload = toText(body);
      const id = o.id ?? `msg_${randomUUID()}`;
      const timestamp = o.timestamp ?? new Date();
      const signature = new Webhook(o.secret ?? webhookSecrets[0]!).sign(id, timestamp, payload);
      const headers: Record<string, string | undefined> = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
        ...o.headers,
      };
      const sent = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
      return request('POST', path, { body: payload, headers: sent });
    },
    beacon(body, o = {}) {
      return request('POST', '/v1/events', {
        body: toText(body),
        headers: { 'content-type': o.contentType ?? 'text/plain;charset=UTF-8', 'user-agent': o.userAgent ?? BROWSER_UA },
      });
    },
    async setupAccount(name, tag, marketplace) {
      const account = expect2xx(`create account ${name}`, await admin('POST', '/v1/accounts', { name }));
      expect2xx(`register tag ${tag}`, await admin('POST', `/v1/accounts/${account.id}/tags`, { tag, marketplace }));
      const key = expect2xx(`issue key for ${name}`, await admin('POST', `/v1/accounts/${account.id}/keys`));
      return { id: account.id, name: account.name, tag, marketplace, keyId: key.id, key: key.key, api: as(key.key) };
    },
    serverErrors,
    logs,
    close() {
      closed ??= (async () => {
        try {
          await collector.close();
        } finally {
          await releaseDatabase(db);
        }
        if (serverErrors.length > 0) {
          const list = serverErrors.map((e) => `${e.method} ${e.path} → ${e.status} ${e.text}`).join('\n');
          throw new Error(`the collector answered 5xx (it never should):\n${list}\nlogged:\n${logs.join('\n')}`);
        }
      })();
      return closed;
    },
  };
}

/**
 * Registers an `afterEach` that closes every collector the returned function started during the
 * test (and removes its database), so a test can start collectors with the settings it needs.
 */
export function useCollectors(): (options?: TestCollectorOptions) => Promise<TestCollector> {
  const running: TestCollector[] = [];
  afterEach(async () => {
    const results = await Promise.allSettled(running.splice(0).map((c) => c.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return async (options) => {
    const collector = await startTestCollector(options);
    running.push(collector);
    return collector;
  };
}
