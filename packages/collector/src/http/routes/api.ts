import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import type { Repository } from '../../db/repository.js';
import { createAccount, createAccountKey, createTag, listAccounts, listTags, revokeKey } from '../../services/accounts.js';
import { breakdown, listClicks, listOrders, summary } from '../../services/reports.js';
import { orderView } from '../../services/orders.js';
import { linkHealth } from '../../services/link-health.js';
import { Problem } from '../../errors.js';
import type { Summary } from '../../domain/summary.js';
import { parseJson } from '../../validation.js';
import { adminOnly, authenticate, principalOf } from '../auth.js';
import { toCsv } from '../csv.js';
import type { LiveHub } from '../live.js';

/** Endpoints behind `Authorization: Bearer <key>`: admin or own account. */
export function apiRoutes(ctx: Context, repo: Repository, live: LiveHub, envAdminKeyHash: string | undefined): Router {
  const router = Router();
  const parseBody: express.RequestHandler = (req, _res, next) => {
    req.body = parseJson(typeof req.body === 'string' && req.body.length > 0 ? req.body : '{}');
    next();
  };
  const json = [express.text({ type: () => true, limit: '64kb' }), parseBody];
  router.use(['/v1/accounts', '/v1/keys', '/v1/orders', '/v1/clicks', '/v1/reports', '/v1/stream'], authenticate(repo, envAdminKeyHash));

  router.post('/v1/accounts', adminOnly, ...json, (req, res) => void res.status(201).json(createAccount(ctx, req.body)));
  router.get('/v1/accounts', adminOnly, (_req, res) => void res.json(listAccounts(ctx)));
  router.post('/v1/accounts/:id/tags', adminOnly, ...json, (req, res) => void res.status(201).json(createTag(ctx, req.params.id as string, req.body)));
  router.get('/v1/accounts/:id/tags', (req, res) => void res.json(listTags(ctx, principalOf(res), req.params.id as string)));
  router.post('/v1/accounts/:id/keys', adminOnly, (req, res) => void res.status(201).json(createAccountKey(ctx, req.params.id as string)));
  router.delete('/v1/keys/:keyId', adminOnly, (req, res) => {
    revokeKey(ctx, req.params.keyId as string);
    res.status(204).end();
  });

  router.get('/v1/orders', (req, res) => {
    const csv = csvWanted(req.query);
    const body = listOrders(ctx, principalOf(res), req.query);
    if (csv) return void sendCsvPage(res, body.orders, body.nextCursor);
    res.json(body);
  });
  router.get('/v1/orders/:orderId', (req, res) => {
    const principal = principalOf(res);
    const order = repo.orders.findOrder(req.params.orderId as string);
    if (!order || (principal.role === 'account' && order.accountId !== principal.accountId)) {
      throw new Problem('not_found', `No order "${req.params.orderId}"`);
    }
    res.json(orderView(ctx, order));
  });
  router.get('/v1/clicks', (req, res) => {
    const csv = csvWanted(req.query);
    const body = listClicks(ctx, principalOf(res), req.query);
    if (csv) return void sendCsvPage(res, body.clicks, body.nextCursor);
    res.json(body);
  });
  router.get('/v1/reports/summary', (req, res) => {
    const csv = csvWanted(req.query);
    const body = summary(ctx, principalOf(res), req.query);
    if (csv) return void res.type('text/csv').send(toCsv([flattenSummary(body)]));
    res.json(body);
  });
  router.get('/v1/reports/breakdown', (req, res) => {
    const csv = csvWanted(req.query);
    const body = breakdown(ctx, principalOf(res), req.query);
    if (csv) return void res.type('text/csv').send(toCsv(body.rows.map((r) => flattenSummary(r))));
    res.json(body);
  });
  router.get('/v1/reports/link-health', (req, res) => {
    const csv = csvWanted(req.query);
    const body = linkHealth(ctx, principalOf(res), req.query);
    if (csv) return void res.type('text/csv').send(toCsv(body.rows));
    res.json(body);
  });
  router.get('/v1/stream', (req, res) => live.subscribe(req, res, principalOf(res)));
  return router;
}

/** `?format=`: `csv`, or `json` (the default); anything else is a 400 naming it. */
function csvWanted(query: express.Request['query']): boolean {
  const format = query.format;
  if (format === undefined || format === 'json') return false;
  if (format === 'csv') return true;
  throw new Problem('invalid_query', 'format: must be csv or json', { errors: [{ path: 'format', message: 'must be csv or json' }] });
}

/** One page of a list as CSV; the cursor of the next page, if any, in the `X-Next-Cursor` header. */
function sendCsvPage(res: express.Response, rows: readonly Record<string, unknown>[], nextCursor: string | null): void {
  if (nextCursor) res.setHeader('X-Next-Cursor', nextCursor);
  res.type('text/csv').send(toCsv(rows));
}

/** One CSV row per currency would lose the shared counts; one row with currency columns keeps both. */
function flattenSummary(s: Summary & { key?: string | null }): Record<string, string | number | null> {
  const { byCurrency, ...rest } = s;
  const row: Record<string, string | number | null> = { ...rest };
  for (const [currency, t] of Object.entries(byCurrency)) {
    row[`revenue_${currency}`] = t.revenue;
    row[`earnings_${currency}`] = t.earnings;
    row[`pending_${currency}`] = t.pending;
  }
  return row;
}
