import express, { Router } from 'express';
import type { Context } from '../../services/context.js';
import { receiveOrder, receiveOrderEvent } from '../../services/orders.js';

/** Signed order callbacks from the merchant (Standard Webhooks). */
export function merchantRoutes(ctx: Context): Router {
  const router = Router();
  // The signature covers the exact bytes sent, so the body is kept as text until verified.
  const rawBody = express.text({ type: () => true, limit: '1mb' });
  const signed = (req: express.Request) => ({ body: typeof req.body === 'string' ? req.body : '', headers: req.headers });

  router.post('/v1/orders', rawBody, async (req, res) => {
    const answer = await receiveOrder(ctx, signed(req));
    res.status(answer.status).json(answer.body);
  });
  router.post('/v1/orders/:orderId/events', rawBody, async (req, res) => {
    const answer = await receiveOrderEvent(ctx, req.params.orderId, signed(req));
    res.status(answer.status).json(answer.body);
  });
  return router;
}
