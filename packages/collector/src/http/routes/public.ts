import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import { redirectClick } from '../../services/redirect.js';
import { rateLimit } from '../rate-limit.js';
import { clientAddress, type TrustFunction } from '../client-address.js';
import type { SdkAssets } from '../sdk-assets.js';

/** Open to every origin, without credentials; answers preflight requests itself. */
export const cors: express.RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.set({ 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'content-type', 'Access-Control-Max-Age': '86400' });
    return void res.status(204).end();
  }
  next();
};

/** No handler at all when the limit is off (`0`). Buckets are per client address as `trust` yields it. */
export const limits = (ctx: Context, trust: TrustFunction): express.RequestHandler[] =>
  ctx.program.rateLimitPerMinute > 0 ? [rateLimit(ctx.program.rateLimitPerMinute, ctx.now, (req) => clientAddress(req, trust))] : [];

/** The SDK scripts and the `/go` redirect: CORS open, no credentials. */
export function publicRoutes(ctx: Context, assets: SdkAssets, trust: TrustFunction): Router {
  const router = Router();
  const limited = limits(ctx, trust);

  // Preflights too (a page fetching the script or the redirect with custom headers).
  router.options(['/affil.js', '/affil-merchant.js', '/go/:tag'], cors);
  for (const name of ['affil.js', 'affil-merchant.js'] as const) {
    router.get(`/${name}`, cors, (req, res) => {
      const asset = assets.get(name, ctx.program, req);
      // Compressed when the browser takes it (every browser does): each encoding is its own
      // representation, with its own ETag.
      // (Brotli first: browsers list gzip first but take either.)
      const coded = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : undefined;
      res.set({
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        Vary: 'Accept-Encoding',
        ETag: coded ? asset.etag.replace(/"$/, `-${coded}"`) : asset.etag,
      });
      if (req.fresh) return void res.status(304).end();
      if (coded) res.set('Content-Encoding', coded).send(asset[coded]);
      else res.send(asset.body);
    });
  }

  router.get('/go/:tag', cors, ...limited, async (req, res) => {
    const purpose = `${req.get('sec-purpose') ?? ''} ${req.get('purpose') ?? ''} ${req.get('x-moz') ?? ''}`;
    const { location, notCounted } = await redirectClick(ctx, {
      tag: req.params.tag as string,
      url: req.query.url,
      page: req.query.page,
      sub: req.query.sub,
      userAgent: req.get('user-agent'),
      address: clientAddress(req, trust),
      speculative: /prerender/i.test(purpose) ? 'prerender' : /prefetch/i.test(purpose) ? 'prefetch' : undefined,
    });
    // Says so where someone testing with curl looks: a bot's click is stored but never credited.
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Affil-Click': notCounted ? `not-counted; reason=${notCounted}` : 'counted' });
    res.redirect(302, location);
  });
  return router;
}
