import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import { balance, cancel, exportFile, getPayout, listPayouts, payPayout, runPayouts, statementKeySet, statements, updatePayoutDetails } from '../../services/money-out.js';
import { parseJson } from '../../validation.js';
import { Problem } from '../../errors.js';
import { authenticate, principalOf, type KeyLookup } from '../auth.js';

/** Money out (SPEC §10): balances, payouts and their files, payout details, signed statements and their key. */
export function moneyRoutes(ctx: Context, envAdminKeyHash: string | undefined): Router {
  const keyByHash: KeyLookup = (hash) => ctx.storage.accounts.keyByHash(hash);
  const router = Router();
  const auth = authenticate(keyByHash, envAdminKeyHash);
  const parseBody: express.RequestHandler = (req, _res, next) => {
    req.body = parseJson(typeof req.body === 'string' && req.body.length > 0 ? req.body : '{}');
    next();
  };
  // `:id` here names a payout, not an account: an account key is simply refused.
  const adminOnly: express.RequestHandler = (req, res, next) =>
    next(principalOf(res).role === 'admin' ? undefined : new Problem('forbidden', `${req.method} ${req.path} needs the admin key`));
  const json = [express.text({ type: () => true, limit: '64kb' }), parseBody];

  router.get('/.well-known/affil-statement-key', async (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(await statementKeySet(ctx));
  });
  router.get('/v1/balance', auth, async (req, res) => void res.json(await balance(ctx, principalOf(res), req.query)));
  router.patch('/v1/accounts/:id', auth, ...json, async (req, res) => void res.json(await updatePayoutDetails(ctx, principalOf(res), req.params.id as string, req.body)));

  router.post('/v1/payouts', auth, adminOnly, ...json, async (req, res) => {
    const run = await runPayouts(ctx, req.body);
    res.status(run.created > 0 ? 201 : 200).json(run.body);
  });
  router.get('/v1/payouts', auth, async (req, res) => void res.json(await listPayouts(ctx, principalOf(res), req.query)));
  // What a run for `through` would create, without storing it (the dashboard's preview).
  router.get('/v1/payouts/preview', auth, adminOnly, async (req, res) => void res.json((await runPayouts(ctx, { through: req.query.through }, { store: false })).body));
  router.get('/v1/payouts/export', auth, adminOnly, async (req, res) => {
    const file = await exportFile(ctx, req.query);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    // Payouts left out of the file and why, as JSON with non-ASCII escaped (a header is Latin-1).
    res.setHeader('X-Affil-Not-Payable', JSON.stringify(file.notPayable).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    res.type(file.contentType).send(file.body);
  });
  router.get('/v1/payouts/:id', auth, async (req, res) => void res.json(await getPayout(ctx, principalOf(res), req.params.id as string)));
  router.post('/v1/payouts/:id/paid', auth, adminOnly, ...json, async (req, res) => void res.json(await payPayout(ctx, req.params.id as string, req.body)));
  router.post('/v1/payouts/:id/cancel', auth, adminOnly, async (req, res) => void res.json(await cancel(ctx, req.params.id as string)));

  router.get('/v1/statements', auth, async (req, res) => {
    const answer = await statements(ctx, principalOf(res), req.query);
    if (answer.type === 'json') return void res.json(answer.body);
    res.setHeader('Content-Disposition', `${answer.type === 'csv' ? 'attachment' : 'inline'}; filename="${answer.filename}"`);
    res.type(answer.type === 'csv' ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8').send(answer.body);
  });
  return router;
}
