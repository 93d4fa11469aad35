import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { handOffCheckpoints, openDatabase } from './db/database.js';
import { startCheckpointer } from './db/checkpointer.js';
import { startRetention } from './retention.js';
import { createRepository, type Repository } from './db/repository.js';
import { createApp } from './http/app.js';
import { liveHub, type LiveOptions } from './http/live.js';
import { createMetrics } from './http/metrics.js';
import { compileTrust } from './http/client-address.js';
import { DEFAULT_SERVER, type ServeConfig } from './config.js';
import { localRevocations, watchRevocations } from './services/revocations.js';
import { writeHealth } from './services/write-health.js';
import { throttledLog } from './log-throttle.js';
import type { Context } from './services/context.js';
import { createAdminKey } from './services/accounts.js';
import { hashKey } from './secrets.js';
import { ensureWebhookSecret } from './services/signing-secrets.js';

export interface Collector {
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  repo: Repository;
  context: Context;
  /** Secrets generated on this start: shown once, never again. */
  generated: { adminKey?: string; webhookSecret?: string };
  /** Purges raw events past the retention period now (it also runs hourly); answers how many. */
  purgeExpired(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

const WEBHOOK_SECRET_SETTING = 'webhook_secret';

/**
 * Folds the write-ahead log into the database and closes it. On a full disk (or a failing one)
 * the checkpoint cannot finish: every committed transaction is still in the WAL beside the
 * database, which SQLite replays on the next start, so that is reported and shutdown goes on.
 */
function finalCheckpoint(db: ReturnType<typeof openDatabase>, repo: Repository, log: (message: string) => void): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    log(`shutdown: the final checkpoint failed (${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}); every committed write is kept in the write-ahead log next to the database and is applied on the next start`);
  }
  try {
    repo.close();
  } catch (error) {
    log(`shutdown: closing the database failed (${(error as Error).message}); the write-ahead log keeps every committed write`);
  }
}

/** Opens the database, fills in first-start secrets and listens. */
export async function startCollector(
  config: ServeConfig,
  options: { log?: (message: string) => void; now?: () => number; /** Live stream timings (tests shorten them). */ live?: Pick<LiveOptions, 'flushMs' | 'busyFlushMs' | 'heartbeatMs'> } = {},
): Promise<Collector> {
  // Each distinct line once a minute, then a count of its repeats: a failing disk under load logs a
  // line a minute, not a stack per request.
  const log = throttledLog(options.log ?? ((m: string) => console.error(m)));
  let db;
  try {
    db = openDatabase(config.db, { warn: log });
  } catch (error) {
    log.stop();
    throw error;
  }
  const repo = createRepository(db);
  const generated: Collector['generated'] = {};

  if (!config.adminKey && !repo.accounts.hasAdminKey()) {
    generated.adminKey = createAdminKey({ repo, now: Date.now }).key;
  }
  let webhookSecrets = config.webhookSecrets;
  if (!webhookSecrets) {
    // The HMAC needs the secret itself, so it is kept (unlike API keys, which are hashed).
    const stored = ensureWebhookSecret(repo);
    if (stored.generated) generated.webhookSecret = stored.generated;
    webhookSecrets = stored.secrets;
  }

  const live = liveHub({ ...options.live, perKey: config.streamsPerKey ?? DEFAULT_SERVER.streamsPerKey, total: config.streamsTotal ?? DEFAULT_SERVER.streamsTotal });
  const metrics = createMetrics();
  metrics.watchLive(live.stats);
  // A revoked key's streams end at once; keys revoked elsewhere (the CLI) are picked up within a second.
  const revocations = localRevocations();
  revocations.subscribe((keyId) => live.endKey(keyId));
  const revocationWatch = watchRevocations(repo.accounts.revokedAfter, revocations, () => live.stats().open > 0, { log });
  const context: Context = { program: config, repo, now: options.now ?? Date.now, webhookSecrets, publish: (e) => live.publish(e), observe: metrics.observer, revocations };
  const app = createApp({
    ctx: context, repo, live, metrics, publicUrl: config.publicUrl, envAdminKeyHash: config.adminKey ? hashKey(config.adminKey) : undefined, log,
    trust: compileTrust(config.trustProxy ?? DEFAULT_SERVER.trustProxy), metricsPublic: config.metricsPublic ?? DEFAULT_SERVER.metricsPublic,
    health: writeHealth(),
  });
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = createServer(app);
      s.once('error', reject);
      s.listen(config.port, config.host, () => resolve(s));
    });
  } catch (error) {
    repo.close();
    log.stop();
    throw error;
  }
  handOffCheckpoints(db);
  const checkpointer = config.db === ':memory:' ? undefined : startCheckpointer(config.db);
  const retention = startRetention(repo, config.retentionDays, context.now, log);
  server.keepAliveTimeout = 5_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    repo,
    context,
    generated,
    purgeExpired: () => retention.runOnce(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        retention.stop();
        revocationWatch.stop();
        live.close();
        metrics.close();
        // Connections that finish their request after this become idle; close those as they
        // appear, and after 10 s close whatever is still open.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          void (checkpointer?.stop() ?? Promise.resolve()).then(() => {
            finalCheckpoint(db, repo, log);
            log.flush();
            log.stop();
            resolve();
          });
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
