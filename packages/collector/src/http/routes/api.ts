import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import { createAccount, createAccountKey, createTag, listAccounts, listTags, revokeKey, visibleTags, whoAmI } from '../../services/accounts.js';
import { breakdown, listClicks, listOrders, summary } from '../../services/reports.js';
import { orderView } from '../../services/orders.js';
import { linkHealth } from '../../services/link-health.js';
import {
  createPostback, createWebhook, deletePostback, deleteWebhook, getWebhook, listPostbacks, listWebhooks, postbackDeliveries, retryWebhookDelivery,
  rotateWebhookSecret, updateWebhook, webhookDeliveries,
} from '../../services/outbox.js';
import { integrityCsvRows, integrityReportFor, recordSignIn, reviewHold } from '../../services/integrity.js';
import { Problem } from '../../errors.js';
import type { Summary } from '../../domain/summary.js';
import { parseJson } from '../../validation.js';
import { adminOnly, authenticate, principalOf, type KeyLookup } from '../auth.js';
import { toCsv } from '../csv.js';
import type { LiveHub } from '../live.js';

/** Endpoints behind `Authorization: Bearer <key>`: admin or own account. */
export function apiRoutes(ctx: Context, live: LiveHub, envAdminKeyHash: string | undefined): Router {
  const keyByHash: KeyLookup = (hash) => ctx.storage.accounts.keyByHash(hash);
  const router = Router();
  const parseBody: express.RequestHandler = (req, _res, next) => {
    req.body = parseJson(typeof req.body === 'string' && req.body.length > 0 ? req.body : '{}');
    next();
  };
  const json = [express.text({ type: () => true, limit: '64kb' }), parseBody];
  router.use(['/v1/accounts', '/v1/tags', '/v1/keys', '/v1/orders', '/v1/clicks', '/v1/reports', '/v1/stream', '/v1/webhooks', '/v1/postbacks'], authenticate(keyByHash, envAdminKeyHash));

  // Integrity: where account keys sign in from (a visitor hash per day), for the self-referral rule.
  const signIn: express.RequestHandler = async (req, res, next) => {
    try {
      await recordSignIn(ctx, principalOf(res), { address: req.ip, userAgent: req.get('user-agent') });
    } catch {
      // Never fails a request: a sign-in not recorded only weakens one rule.
    }
    next();
  };
  router.use(['/v1/accounts', '/v1/tags', '/v1/keys', '/v1/orders', '/v1/clicks', '/v1/reports', '/v1/stream'], signIn);

  router.get('/v1/me', authenticate(keyByHash, envAdminKeyHash), signIn, async (_req, res) => void res.json(await whoAmI(ctx, principalOf(res))));
  router.post('/v1/accounts', adminOnly, ...json, async (req, res) => void res.status(201).json(await createAccount(ctx, req.body)));
  router.get('/v1/accounts', adminOnly, async (_req, res) => void res.json(await listAccounts(ctx)));
  router.post('/v1/accounts/:id/tags', adminOnly, ...json, async (req, res) => void res.status(201).json(await createTag(ctx, req.params.id as string, req.body)));
  router.get('/v1/accounts/:id/tags', async (req, res) => void res.json(await listTags(ctx, principalOf(res), req.params.id as string)));
  router.get('/v1/tags', async (_req, res) => void res.json(await visibleTags(ctx, principalOf(res))));
  router.post('/v1/accounts/:id/keys', adminOnly, async (req, res) => void res.status(201).json(await createAccountKey(ctx, req.params.id as string)));
  router.delete('/v1/keys/:keyId', adminOnly, async (req, res) => {
    await revokeKey(ctx, req.params.keyId as string);
    res.status(204).end();
  });

  router.get('/v1/orders', readable((req, res) => listOrders(ctx, principalOf(res), req.query), (b) => b.orders, (b) => b.nextCursor));
  router.get('/v1/orders/:orderId', async (req, res) => {
    const principal = principalOf(res);
    const order = await ctx.storage.orders.findOrder(req.params.orderId as string);
    if (!order || (principal.role === 'account' && order.accountId !== principal.accountId)) {
      throw new Problem('not_found', `No order "${req.params.orderId}"`);
    }
    res.json(await orderView(ctx, order));
  });
  router.post('/v1/orders/:orderId/review', adminOnly, ...json, async (req, res) => {
    const order = await reviewHold(ctx, req.params.orderId as string, req.body, principalOf(res));
    res.json(await orderView(ctx, order));
  });
  router.get('/v1/reports/integrity', adminOnly, readable((req, res) => integrityReportFor(ctx, principalOf(res), req.query), (b) => integrityCsvRows(b)));
  router.get('/v1/clicks', readable((req, res) => listClicks(ctx, principalOf(res), req.query), (b) => b.clicks, (b) => b.nextCursor));
  router.get('/v1/reports/summary', readable((req, res) => summary(ctx, principalOf(res), req.query), (b) => [flattenSummary(b)]));
  router.get('/v1/reports/breakdown', readable((req, res) => breakdown(ctx, principalOf(res), req.query), (b) => b.rows.map((r) => flattenSummary(r))));
  router.get('/v1/reports/link-health', readable((req, res) => linkHealth(ctx, principalOf(res), req.query), (b) => b.rows));
  router.get('/v1/stream', (req, res) => live.subscribe(req, res, principalOf(res)));

  // Events out (SPEC §10): an account key manages its own endpoints and postbacks, the admin any.
  const id = (req: express.Request) => req.params.id as string;
  router.post('/v1/webhooks', ...json, async (req, res) => void res.status(201).json(await createWebhook(ctx, principalOf(res), req.body)));
  router.get('/v1/webhooks', async (_req, res) => void res.json(await listWebhooks(ctx, principalOf(res))));
  router.get('/v1/webhooks/:id', async (req, res) => void res.json(await getWebhook(ctx, principalOf(res), id(req))));
  router.patch('/v1/webhooks/:id', ...json, async (req, res) => void res.json(await updateWebhook(ctx, principalOf(res), id(req), req.body)));
  router.delete('/v1/webhooks/:id', async (req, res) => {
    await deleteWebhook(ctx, principalOf(res), id(req));
    res.status(204).end();
  });
  router.post('/v1/webhooks/:id/rotate', async (req, res) => void res.json(await rotateWebhookSecret(ctx, principalOf(res), id(req))));
  router.get('/v1/webhooks/:id/deliveries', async (req, res) => void res.json(await webhookDeliveries(ctx, principalOf(res), id(req), req.query)));
  router.post('/v1/webhooks/:id/deliveries/:deliveryId/retry', async (req, res) =>
    void res.status(202).json(await retryWebhookDelivery(ctx, principalOf(res), id(req), req.params.deliveryId as string)));
  router.post('/v1/postbacks', ...json, async (req, res) => void res.status(201).json(await createPostback(ctx, principalOf(res), req.body)));
  router.get('/v1/postbacks', async (_req, res) => void res.json(await listPostbacks(ctx, principalOf(res))));
  router.delete('/v1/postbacks/:id', async (req, res) => {
    await deletePostback(ctx, principalOf(res), id(req));
    res.status(204).end();
  });
  router.get('/v1/postbacks/:id/deliveries', async (req, res) => void res.json(await postbackDeliveries(ctx, principalOf(res), id(req), req.query)));
  return router;
}

/**
 * A report or list route: JSON, or for `?format=csv` its rows as CSV (a list's next cursor, if any,
 * in the `X-Next-Cursor` header). `format` is checked first: anything but csv or json is a 400.
 */
function readable<T>(
  read: (req: express.Request, res: express.Response) => Promise<T>,
  rows: (body: T) => readonly Record<string, unknown>[],
  nextCursor?: (body: T) => string | null,
): express.RequestHandler {
  return async (req, res) => {
    const format = req.query.format;
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      throw new Problem('invalid_query', 'format: must be csv or json', { errors: [{ path: 'format', message: 'must be csv or json' }] });
    }
    const body = await read(req, res);
    if (format !== 'csv') return void res.json(body);
    const next = nextCursor?.(body);
    if (next) res.setHeader('X-Next-Cursor', next);
    res.type('text/csv').send(toCsv(rows(body)));
  };
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
