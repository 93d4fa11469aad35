import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startRetention } from './retention.js';
import { startDeliveryWorker } from './services/delivery-worker.js';
import { heldOrders } from './services/integrity.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/port.js';
import { createApp } from './http/app.js';
import { liveHub, type LiveOptions } from './http/live.js';
import { createMetrics } from './http/metrics.js';
import { compileTrust } from './http/client-address.js';
import { DEFAULT_SERVER, type ServeConfig } from './config.js';
import { localRevocations, watchRevocations } from './services/revocations.js';
import { writeHealth } from './services/write-health.js';
import { throttledLog } from './log-throttle.js';
import type { Context, LiveEvent, MoneyOutHooks } from './services/context.js';
import { statementKeys } from './services/money-out.js';
import { createAdminKey } from './services/accounts.js';
import { hashKey } from './secrets.js';
import { ensureWebhookSecret } from './services/signing-secrets.js';

export interface Collector {
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  storage: Storage;
  context: Context;
  /** Secrets generated on this start: shown once, never again. */
  generated: { adminKey?: string; webhookSecret?: string };
  /** Purges raw events past the retention period now (it also runs hourly); answers how many. */
  purgeExpired(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Opens the database, fills in first-start secrets and listens. */
export async function startCollector(
  config: ServeConfig,
  options: {
    log?: (message: string) => void; now?: () => number; /** Live stream timings (tests shorten them). */ live?: Pick<LiveOptions, 'flushMs' | 'busyFlushMs' | 'heartbeatMs'>;
    /** Money out's seams (holds, events out). */ moneyOut?: MoneyOutHooks;
    /** Told after an integrity review decision commits (issue 20's outbox). */ notify?: Context['notify'];
  } = {},
): Promise<Collector> {
  // Each distinct line once a minute, then a count of its repeats: a failing disk under load logs a
  // line a minute, not a stack per request.
  const log = throttledLog(options.log ?? ((m: string) => console.error(m)));
  let storage: Storage;
  try {
    storage = await openStorage(config.db, { warn: log, server: true, poolSize: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs });
  } catch (error) {
    log.stop();
    throw error;
  }
  const generated: Collector['generated'] = {};
  const now = options.now ?? Date.now;

  let webhookSecrets = config.webhookSecrets;
  try {
    // First start, once even when two instances start together: the bootstrap lock serializes them.
    await storage.transaction(async (tx) => {
      await tx.lock('bootstrap');
      if (!config.adminKey && !(await tx.accounts.hasAdminKey())) {
        generated.adminKey = (await createAdminKey({ storage: tx, now: Date.now })).key;
      }
      if (!webhookSecrets) {
        // The HMAC needs the secret itself, so it is kept (unlike API keys, which are hashed).
        const stored = await ensureWebhookSecret(tx);
        if (stored.generated) generated.webhookSecret = stored.generated;
        webhookSecrets = stored.secrets;
      }
    });
  } catch (error) {
    await storage.close().catch(() => {});
    log.stop();
    throw error;
  }

  const live = liveHub({ ...options.live, perKey: config.streamsPerKey ?? DEFAULT_SERVER.streamsPerKey, total: config.streamsTotal ?? DEFAULT_SERVER.streamsTotal });
  const metrics = createMetrics();
  metrics.watchLive(live.stats);

  // Live updates and revocations reach every instance on the same database through its signals.
  const instance = randomUUID();
  const unsubscribe: (() => void)[] = [];
  const remote = storage.signals.remote === true;
  const publish = (e: LiveEvent): void => {
    live.publish(e);
    if (remote) void storage.signals.publish('live', JSON.stringify({ from: instance, event: e })).catch((error: unknown) => log(`live: cannot publish to other instances: ${(error as Error).message}`));
  };
  if (remote) {
    // This instance's own signals come back in-process at once: recognised by their start, not parsed.
    const own = JSON.stringify({ from: instance }).slice(0, -1);
    unsubscribe.push(storage.signals.subscribe('live', (payload) => {
      if (payload.startsWith(own)) return;
      const { from, event } = JSON.parse(payload) as { from: string; event: LiveEvent };
      if (from !== instance) live.publish(event);
    }));
  }
  // A revoked key's streams end at once; keys revoked elsewhere (the CLI, another instance) within a second.
  const revocations = localRevocations();
  revocations.subscribe((keyId) => live.endKey(keyId));
  const announce = revocations.announce;
  revocations.announce = (keyId) => {
    announce(keyId);
    if (remote) void storage.signals.publish('key_revoked', keyId).catch(() => {});
  };
  unsubscribe.push(storage.signals.subscribe('key_revoked', (keyId) => announce(keyId)));
  const revocationWatch = watchRevocations((since) => storage.accounts.revokedAfter(since), { announce }, () => live.stats().open > 0, { log });

  // Money out counts integrity holds (issue 19's heldOrders) unless a caller injects its own.
  const moneyOut: MoneyOutHooks = { heldOrders: heldOrders(storage), ...options.moneyOut };
  const context: Context = { program: config, storage, now, webhookSecrets: webhookSecrets!, publish, observe: metrics.observer, revocations, moneyOut, ...(options.notify ? { notify: options.notify } : {}) };
  await statementKeys(context); // first start: the statement signing key, once for every instance
  const app = createApp({
    ctx: context, live, metrics, publicUrl: config.publicUrl, envAdminKeyHash: config.adminKey ? hashKey(config.adminKey) : undefined, log,
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
    revocationWatch.stop();
    for (const stop of unsubscribe) stop();
    live.close();
    metrics.close();
    await storage.close().catch(() => {});
    log.stop();
    throw error;
  }
  const stopMaintenance = storage.startMaintenance();
  const retention = startRetention(storage, config.retentionDays, context.now, log);
  const deliveries = startDeliveryWorker(storage, {
    send: { allowPrivateTargets: config.allowPrivateWebhookTargets ?? DEFAULT_SERVER.allowPrivateWebhookTargets, timeoutMs: config.webhookTimeoutMs ?? DEFAULT_SERVER.webhookTimeoutMs },
    now: context.now,
    log,
  });
  server.keepAliveTimeout = 5_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    storage,
    context,
    generated,
    purgeExpired: () => retention.runOnce(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        retention.stop();
        revocationWatch.stop();
        for (const stop of unsubscribe) stop();
        live.close();
        metrics.close();
        // Connections that finish their request after this become idle; close those as they
        // appear, and after 10 s close whatever is still open.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          // Requests in flight are recorded first; an unrecorded one is sent again after its lease.
          void deliveries.stop()
            .then(() => stopMaintenance())
            .then(() => storage.close())
            .catch((error: unknown) => log(`shutdown: closing the database failed (${(error as Error).message})`))
            .then(() => {
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
