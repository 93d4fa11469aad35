import express from 'express';
import type { Context } from '../services/context.js';
import { errorHandler, notFound } from './problems.js';
import { cors, publicRoutes } from './routes/public.js';
import { BEACON_PATH, beaconEndpoint } from './beacon.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { merchantRoutes } from './routes/merchant.js';
import { apiRoutes } from './routes/api.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { moneyRoutes } from './routes/money.js';
import { sdkAssets } from './sdk-assets.js';
import type { LiveHub } from './live.js';
import type { createMetrics } from './metrics.js';
import { adminOnly, authenticate } from './auth.js';
import type { TrustFunction } from './client-address.js';
import type { WriteHealth } from '../services/write-health.js';

export interface AppOptions {
  ctx: Context;
  live: LiveHub;
  metrics: ReturnType<typeof createMetrics>;
  publicUrl: string | undefined;
  envAdminKeyHash: string | undefined;
  log: (message: string) => void;
  /** Which peers' X-Forwarded-For names the client (`trustProxy`). */
  trust: TrustFunction;
  /** `/metrics` without a key (`metricsPublic`); otherwise it needs the admin key. */
  metricsPublic: boolean;
  /** Storage failures of writes, for `/healthz` and 503 answers. */
  health: WriteHealth;
}

/**
 * The collector's HTTP surface, as a Node request listener: beacons go straight to their endpoint
 * (see beacon.ts), everything else to the Express app, where each area is a sub-router and the
 * error handler comes last.
 */
export function createApp(o: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const beacons = beaconEndpoint(o.ctx, { record: o.metrics.record, log: o.log, trust: o.trust, health: o.health });
  const app = expressApp(o, beacons);
  return (req, res) => (beacons.matches(req) ? beacons.handle(req, res) : app(req, res));
}

function expressApp(o: AppOptions, beacons: ReturnType<typeof beaconEndpoint>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // SDK assets set their own; API answers are not cached
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c
  // req.ip and req.protocol (the scheme /affil.js embeds) believe X-Forwarded-* from trusted proxies only.
  app.set('trust proxy', o.trust);
  app.use(o.metrics.middleware);
  app.post(BEACON_PATH, (req, res) => beacons.serve(req, res));
  app.options(BEACON_PATH, cors);
  app.use(publicRoutes(o.ctx, sdkAssets(o.publicUrl), o.trust));
  // Program-wide volumes (orders, events) are the admin's to see, unless opened for a private scraper.
  app.get('/metrics', ...(o.metricsPublic ? [] : [authenticate((hash) => o.ctx.storage.accounts.keyByHash(hash), o.envAdminKeyHash), adminOnly]), o.metrics.handler);

  // 200 when the database answers and takes a write. Reads keep working on a full disk, so a
  // small write is tried each time, and a write that failed lately counts too.
  app.get('/healthz', async (_req, res) => {
    // A closed or broken database is exactly what this endpoint reports.
    const probe = await o.ctx.storage.health();
    let reason = probe.ok ? undefined : probe.reason;
    const failure = o.health.recentFailure();
    reason ??= failure && `writes failing since ${new Date(failure.at).toISOString()}: ${failure.reason}`;
    res.status(reason ? 503 : 200).json(reason ? { status: 'unavailable', reason } : { status: 'ok' });
  });
  app.use(merchantRoutes(o.ctx));
  app.use(apiRoutes(o.ctx, o.live, o.envAdminKeyHash));
  app.use(moneyRoutes(o.ctx, o.envAdminKeyHash));
  app.use(dashboardRoutes({ program: o.ctx.program, publicUrl: o.publicUrl }));
  app.use(notFound);
  app.use(errorHandler(o.log, o.health));
  return app;
}
