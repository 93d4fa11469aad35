import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import { ingestEvents } from '../../services/events.js';
import { redirectClick } from '../../services/redirect.js';
import { parseJson } from '../../validation.js';
import { rateLimit } from '../rate-limit.js';
import { smallTextBody } from '../body.js';
import type { SdkAssets } from '../sdk-assets.js';

/** Browser endpoints: CORS open, no credentials. */
export function publicRoutes(ctx: Context, assets: SdkAssets): Router {
  const router = Router();
  const cors: express.RequestHandler = (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.set({ 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'content-type', 'Access-Control-Max-Age': '86400' });
      return void res.status(204).end();
    }
    next();
  };

  for (const name of ['affil.js', 'affil-merchant.js'] as const) {
    router.get(`/${name}`, cors, (req, res) => {
      const asset = assets.get(name, ctx.program, req);
      res.set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300', ETag: asset.etag });
      if (req.fresh) return void res.status(304).end();
      res.send(asset.body);
    });
  }

  router.options('/v1/events', cors);
  router.post(
    '/v1/events',
    cors,
    rateLimit(ctx.program.rateLimitPerMinute, ctx.now),
    // text/plain avoids a CORS preflight for sendBeacon; both types carry JSON.
    smallTextBody(16 * 1024),
    async (req, res) => {
      const body = parseJson(typeof req.body === 'string' ? req.body : '');
      const result = await ingestEvents(ctx, body, { userAgent: req.headers['user-agent'] });
      res.status(202).type('json').end(JSON.stringify(result));
    },
  );
  router.get('/go/:tag', rateLimit(ctx.program.rateLimitPerMinute, ctx.now), (req, res) => {
    const purpose = `${req.get('sec-purpose') ?? ''} ${req.get('purpose') ?? ''} ${req.get('x-moz') ?? ''}`;
    const location = redirectClick(ctx, {
      tag: req.params.tag as string,
      url: req.query.url,
      page: req.query.page,
      userAgent: req.get('user-agent'),
      speculative: /prefetch|prerender/i.test(purpose),
    });
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).redirect(302, location);
  });
  return router;
}
