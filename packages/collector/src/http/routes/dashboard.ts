import express, { Router } from 'express';
import { fileURLToPath } from 'node:url';

/** `/dashboard`: static assets served by the collector itself (no CDN). */
export function dashboardRoutes(): Router {
  const router = Router();
  const dir = fileURLToPath(new URL('../../../dashboard/', import.meta.url));
  router.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  router.get('/dashboard', (_req, res, next) => {
    res.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    res.sendFile('index.html', { root: dir }, next);
  });
  router.use('/dashboard', express.static(dir, { index: false, maxAge: '5m' }));
  return router;
}
