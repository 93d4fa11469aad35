import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { handOffCheckpoints, openDatabase } from './db/database.js';
import { startCheckpointer } from './db/checkpointer.js';
import { startRetention } from './retention.js';
import { createRepository, type Repository } from './db/repository.js';
import { createApp } from './http/app.js';
import { liveHub } from './http/live.js';
import { createMetrics } from './http/metrics.js';
import type { ServeConfig } from './config.js';
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

/** Opens the database, fills in first-start secrets and listens. */
export async function startCollector(config: ServeConfig, options: { log?: (message: string) => void; now?: () => number } = {}): Promise<Collector> {
  const log = options.log ?? ((m: string) => console.error(m));
  const db = openDatabase(config.db);
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

  const live = liveHub();
  const metrics = createMetrics();
  const context: Context = { program: config, repo, now: options.now ?? Date.now, webhookSecrets, publish: (e) => live.publish(e), observe: metrics.observer };
  const app = createApp({ ctx: context, repo, live, metrics, publicUrl: config.publicUrl, envAdminKeyHash: config.adminKey ? hashKey(config.adminKey) : undefined, log });
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = createServer(app);
      s.once('error', reject);
      s.listen(config.port, config.host, () => resolve(s));
    });
  } catch (error) {
    repo.close();
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
            db.pragma('wal_checkpoint(TRUNCATE)');
            repo.close();
            resolve();
          });
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
