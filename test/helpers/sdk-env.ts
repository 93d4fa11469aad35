/**
 * The world the publisher SDK's browser tests run in: a real collector (temporary SQLite database,
 * one account owning the tag), a publisher's blog and a merchant's shop, each on its own site
 * (`blog.test`, `shop.test`, the collector on 127.0.0.1), and headless Chromium. Tests load blog
 * pages that include the collector's `/affil.js`, act like a reader, and assert on what the
 * collector stored (`/v1/clicks`, `/v1/reports/summary`) and on what the shop was asked for.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startCollector, type Collector } from '../../packages/collector/src/server.js';
import { DEFAULT_PROGRAM } from '../../packages/collector/src/config.js';
import { launchSdkBrowser } from './sdk-browser.js';

export const TAG = 'janesblog-20';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A click as `GET /v1/clicks` shows it. */
export interface StoredClick {
  id: string;
  tag: string;
  marketplace: string | null;
  url: string;
  product: string | null;
  page: string | null;
  via: string;
  bot: boolean;
  at: string;
}

interface Fixture {
  status?: number;
  body: string;
  headers?: OutgoingHttpHeaders;
}

/** A small site on its own origin (`http://<name>.test:<port>`). */
export interface Site {
  origin: string;
  /** `host:port`, as a marketplace lists it. */
  host: string;
  /** Paths (with query) requested so far, in order. */
  requests: string[];
  /** Serves `body` at `path` (exact match, query ignored). */
  serve(path: string, body: string, headers?: OutgoingHttpHeaders): void;
}

export interface SdkEnv {
  browser: Browser;
  collector: Collector;
  blog: Site;
  shop: Site;
  /** The `<script>` a publisher pastes (`data-tag` form). */
  snippet: string;
  /** Every stored click, newest first. */
  clicks(): Promise<StoredClick[]>;
  /** The stored clicks on one product (ASIN), newest first. */
  clicksOn(product: string): Promise<StoredClick[]>;
  summary(): Promise<{ pageviews: number; linkImpressions: number; clicks: number }>;
  /** A fresh browser context (no storage, no cookies) and a page in it whose script errors are collected. */
  newPage(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** A site that answers fixtures it was given, and any other path with `fallback` (or a 404). */
async function startSite(name: string, fallback?: (req: IncomingMessage) => Fixture): Promise<Site & { server: Server }> {
  const fixtures = new Map<string, Fixture>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const fixture = fixtures.get(url.split('?')[0]!) ?? fallback?.(req) ?? { status: 404, body: 'not found' };
    const type = /\.js$/.test(url.split('?')[0]!) ? 'text/javascript' : 'text/html; charset=utf-8';
    res.writeHead(fixture.status ?? 200, { 'content-type': type, 'cache-control': 'no-store', ...fixture.headers });
    res.end(fixture.body);
  });
  server.keepAliveTimeout = 1_000;
  const port = await listen(server);
  const host = `${name}.test:${port}`;
  return {
    server,
    origin: `http://${host}`,
    host,
    requests,
    serve: (path, body, headers) => void fixtures.set(path, { body, headers }),
  };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * Starts the collector, the blog, the shop and Chromium. The program's one marketplace (`us`, tag
 * suffix `-20`) lists the shop and amazon.com, so links to either are merchant links.
 */
export async function startSdkEnv(): Promise<SdkEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'affil-sdk-e2e-'));
  const adminKey = `affil_admin_test_${randomBytes(12).toString('base64url')}`;
  const shop = await startSite('shop', () => ({ body: '<!doctype html><title>shop</title><p>product page</p>' }));
  const blog = await startSite('blog');
  const collector = await startCollector(
    {
      ...DEFAULT_PROGRAM,
      marketplaces: [{ id: 'us', hosts: [shop.host, 'amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 400 } }],
      rateLimitPerMinute: 0,
      port: 0,
      host: '127.0.0.1',
      db: join(dir, 'affil.db'),
      adminKey,
      webhookSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
      publicUrl: undefined,
    },
    { log: () => undefined },
  );
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const account = await api<{ id: string }>('POST', '/v1/accounts', { name: "Jane's Blog" });
  await api('POST', `/v1/accounts/${account.id}/tags`, { tag: TAG, marketplace: 'us' });
  const browser = await launchSdkBrowser();

  // Reports take whole UTC days: yesterday to tomorrow covers a run that crosses midnight.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const period = `from=${day(-1)}&to=${day(1)}`;
  const clicks = async () => (await api<{ clicks: StoredClick[] }>('GET', `/v1/clicks?${period}&limit=1000`)).clicks;
  const contexts: BrowserContext[] = [];

  return {
    browser,
    collector,
    blog,
    shop,
    snippet: `<script src="${collector.url}/affil.js" data-tag="${TAG}"></script>`,
    clicks,
    clicksOn: async (product) => (await clicks()).filter((c) => c.product === product),
    summary: () => api('GET', `/v1/reports/summary?${period}`),
    async newPage(options) {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      return { context, page, errors };
    },
    async close() {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser.close();
      await collector.close();
      await Promise.all([close(blog.server), close(shop.server)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A blog page: `body`, then the snippet (or `snippet`), as a publisher's template would have it. */
export const blogPage = (body: string, snippet: string, head = ''): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>A post</title>${head}</head><body>${body}\n${snippet}</body></html>`;

/** The `affil_cid` values in a URL (a navigated one should hold exactly one). */
export const clickIds = (url: string): string[] => new URL(url, 'http://x.invalid').searchParams.getAll('affil_cid');
