import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { orderEventSchema, orderSchema } from '../services/orders.js';
import { fieldErrors } from '../validation.js';

export type Order = z.input<typeof orderSchema>;
export type OrderEvent = z.input<typeof orderEventSchema>;

export interface OrderClientOptions {
  /** The collector's base URL, e.g. https://track.example */
  collectorUrl: string;
  /** The `whsec_…` signing secret the collector printed (AFFIL_WEBHOOK_SECRET). */
  secret: string;
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** Delay before the first retry in ms; doubles each time, with jitter. Default 250. */
  backoffMs?: number;
  /** Per-attempt timeout in ms. Default 10 000. */
  timeoutMs?: number;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

/** A failure the caller must handle: a 4xx with the collector's problem, a bad order, or no answer. */
export class AffilClientError extends Error {
  override name = 'AffilClientError';
  constructor(message: string, readonly status: number | undefined, readonly problem?: unknown) {
    super(message);
  }
}

/** Sends signed order callbacks; a retry reuses the webhook-id so it can never count twice. */
export function createOrderClient(options: OrderClientOptions) {
  const webhook = new Webhook(options.secret);
  const base = options.collectorUrl.replace(/\/+$/, '');
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;

  async function post(path: string, payload: unknown): Promise<unknown> {
    const body = JSON.stringify(payload);
    const id = `msg_${randomUUID()}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, now, body),
      };
      try {
        const res = await doFetch(`${base}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        const text = await res.text();
        const parsed = parseBody(text);
        if (res.ok) return parsed;
        if (res.status < 500) {
          const detail = (parsed as { detail?: string } | undefined)?.detail ?? text;
          throw new AffilClientError(`collector answered ${res.status}: ${detail}`, res.status, parsed);
        }
        lastError = new AffilClientError(`collector answered ${res.status}`, res.status, parsed);
      } catch (error) {
        if (error instanceof AffilClientError && error.status !== undefined && error.status < 500) throw error;
        lastError = error;
      }
      if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new AffilClientError(`order callback failed after ${attempts} attempt(s): ${why}`, (lastError as AffilClientError)?.status);
  }

  return {
    /** Validates, signs and sends an order; resolves to the collector's attribution. */
    sendOrder(order: Order): Promise<unknown> {
      check(orderSchema, order, 'order');
      return post('/v1/orders', order);
    },
    /** Sends a shipment, cancellation or return; resolves to the order as the collector shows it. */
    sendOrderEvent(orderId: string, event: OrderEvent): Promise<unknown> {
      if (typeof orderId !== 'string' || orderId.length === 0) throw new AffilClientError('orderId: must be a non-empty string', undefined);
      check(orderEventSchema, event, 'event');
      return post(`/v1/orders/${encodeURIComponent(orderId)}/events`, event);
    },
  };
}

function check(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const first = fieldErrors(result.error)[0];
  throw new AffilClientError(`${what} refused before sending: ${first ? `${first.path}: ${first.message}` : 'invalid'}`, undefined, fieldErrors(result.error));
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller reports the raw text
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
