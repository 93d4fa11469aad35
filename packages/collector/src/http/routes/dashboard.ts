import express, { Router } from 'express';
import compression from 'compression';
import helmet from 'helmet';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgramConfig } from '../../config.js';

/**
 * The dashboard page may load only what the collector itself serves: no inline script or style,
 * no eval, no framing. `blob:` is not needed: CSV downloads go through `<a download>` on an object
 * URL, which is a download, not a navigation or a fetch, so `default-src 'self'` does not cover it.
 * No `upgrade-insecure-requests` (a helmet default): a collector on a LAN or localhost answers
 * plain HTTP and has no HTTPS to upgrade to.
 */
export const DASHBOARD_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Helmet's defaults (nosniff, `Referrer-Policy: no-referrer`, COOP/CORP same-origin, …) for the
 * dashboard only, with the CSP above and framing denied outright, matching `frame-ancestors
 * 'none'` for browsers that only know X-Frame-Options. The API and SDK routes are CORS-open for
 * publishers' pages and must not get these.
 */
const dashboardHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP_DIRECTIVES },
  xFrameOptions: { action: 'deny' },
});

/** Files from packages the dashboard loads, by the name it asks for them under `/dashboard/vendor/`. */
function vendorFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const uplot = join(dirname(require.resolve('uplot/package.json')), 'dist');
  return new Map([
    ['uPlot.esm.js', join(uplot, 'uPlot.esm.js')],
    ['uPlot.min.css', join(uplot, 'uPlot.min.css')],
    // The SDK's link logic (an ES module without imports), so the link builder decorates exactly as the SDK and /go do.
    ['affil-url.js', require.resolve('@affil/sdk/url')],
  ]);
}

/** What the link builder needs of the program: public, as `/affil.js` embeds it too. */
export interface DashboardProgram {
  program: Pick<ProgramConfig, 'marketplaces' | 'tagPattern'>;
  /** The collector's public origin, for `/go` links; default: the dashboard's own. */
  publicUrl: string | undefined;
}

/** sendFile calls back on success too: only a failure may go on to `next`, or a later handler answers again. */
const fail = (next: express.NextFunction) => (error?: Error) => {
  if (error) next(error);
};

/** `/dashboard`: the page, its modules and its one library, all served by the collector itself (no CDN). */
export function dashboardRoutes(o: DashboardProgram): Router {
  const router = Router();
  const dir = fileURLToPath(new URL('../../../dashboard/', import.meta.url));
  const vendor = vendorFiles();

  router.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  router.use('/dashboard', dashboardHeaders);
  // The chart library is 145 KB as shipped; compressed, about a third of that.
  router.use('/dashboard', compression());
  router.get('/dashboard', (_req, res, next) => {
    // The page is tiny and names its modules by fixed paths: always revalidate it so an upgrade shows at once.
    res.set('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: dir }, fail(next));
  });
  router.get('/dashboard/program.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.json({
      tagPattern: o.program.tagPattern,
      publicUrl: o.publicUrl ?? null,
      marketplaces: o.program.marketplaces.map(({ id, hosts, tagSuffix }) => ({ id, hosts, tagSuffix })),
    });
  });
  router.get('/dashboard/vendor/:file', (req, res, next) => {
    const file = vendor.get(req.params.file);
    if (!file) return next();
    res.sendFile(file, { maxAge: '1d' }, fail(next));
  });
  router.use('/dashboard', express.static(dir, { index: false, maxAge: '5m' }));
  return router;
}
