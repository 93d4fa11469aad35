import express from 'express';
import type { Context } from '../services/context.js';
import type { Repository } from '../db/repository.js';
import { errorHandler, notFound } from './problems.js';
import { cors, publicRoutes } from './routes/public.js';
import { BEACON_PATH, beaconEndpoint } from './beacon.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { merchantRoutes } from './routes/merchant.js';
import { apiRoutes } from './routes/api.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { sdkAssets } from './sdk-assets.js';
import type { LiveHub } from './live.js';
import type { createMetrics } from './metrics.js';

export interface AppOptions {
  ctx: Context;
  repo: Repository;
  live: LiveHub;
  metrics: ReturnType<typeof createMetrics>;
  publicUrl: string | undefined;
  envAdminKeyHash: string | undefined;
  log: (message: string) => void;
}

/**
 * The collector's HTTP surface, as a Node request listener: beacons go straight to their endpoint
 * (see beacon.ts), everything else to the Express app, where each area is a sub-router and the
 * error handler comes last.
 */
export function createApp(o: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const beacons = beaconEndpoint(o.ctx, o.metrics.record, o.log);
  const app = expressApp(o, beacons);
  return (req, res) => (beacons.matches(req) ? beacons.handle(req, res) : app(req, res));
}

function expressApp(o: AppOptions, beacons: ReturnType<typeof beaconEndpoint>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // SDK assets set their own; API answers are not cached
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c
  app.use(o.metrics.middleware);
  app.post(BEACON_PATH, (req, res) => beacons.serve(req, res));
  app.options(BEACON_PATH, cors);
  app.use(publicRoutes(o.ctx, sdkAssets(o.publicUrl)));
  app.get('/metrics', o.metrics.handler);

  app.get('/healthz', (_req, res) => {
    let ok = false;
    try {
      ok = o.repo.ping();
    } catch {
      ok = false; // a closed or broken database is exactly what this endpoint reports
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable' });
  });
  app.use(merchantRoutes(o.ctx));
  app.use(apiRoutes(o.ctx, o.repo, o.live, o.envAdminKeyHash));
  app.use(dashboardRoutes({ program: o.ctx.program, publicUrl: o.publicUrl }));
  app.use(notFound);
  app.use(errorHandler(o.log));
  return app;
}
