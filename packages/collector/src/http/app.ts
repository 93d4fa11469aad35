import express from 'express';
import type { Context } from '../services/context.js';
import type { Repository } from '../db/repository.js';
import { errorHandler, notFound } from './problems.js';
import { publicRoutes } from './routes/public.js';
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

/** The collector's HTTP surface. Each area is a sub-router; the error handler comes last. */
export function createApp(o: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // SDK assets set their own; API answers are not cached
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c
  app.use(o.metrics.middleware);
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
  app.use(publicRoutes(o.ctx, sdkAssets(o.publicUrl)));
  app.use(merchantRoutes(o.ctx));
  app.use(apiRoutes(o.ctx, o.repo, o.live, o.envAdminKeyHash));
  app.use(dashboardRoutes());
  app.use(notFound);
  app.use(errorHandler(o.log));
  return app;
}
