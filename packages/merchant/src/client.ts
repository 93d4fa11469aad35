import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { z } from 'zod';
import { fieldErrors, orderEventSchema, orderSchema, type AttributedLine, type FieldError, type OrderAttribution, type OrderState } from './contract.js';

/** An order callback body (SPEC §4.2), checked with the collector's own schema before sending. */
export type Order = z.input<typeof orderSchema>;
/** A shipment, cancellation or return (SPEC §4.2). */
export type OrderEvent = z.input<typeof orderEventSchema>;

export type { AttributedLine, OrderAttribution, OrderState };

export interface OrderClientOptions {
  /** The collector's base URL, e.g. `https://track.example`. Required. */
  collectorUrl: string;
  /**
   * The `whsec_…` signing secret the collector printed (`AFFIL_WEBHOOK_SECRET`). Required. Several
   * (an array, or space-separated as in the environment variable) sign every callback with each,
   * so a secret rotation needs no coordinated restart.
   */
  secret: string | readonly string[];
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** Delay before the first retry in ms; it doubles for each further retry, with jitter, up to 30 s. Default 250. */
  backoffMs?: number;
  /** Time allowed for each attempt (connect, answer and body) in ms. Default 10 000. */
  timeoutMs?: number;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof fetch;
}

/**
 * Why a call failed, keyed by code:
 * - `invalid_options`: `createOrderClient` was given unusable options;
 * - `invalid_input`: the order or event breaks SPEC §4.2 and was not sent (`problem` lists the fields);
 * - `rejected`: the collector answered 4xx and retrying cannot help (`status`, `problem`: its RFC 9457 body);
 * - `unavailable`: no usable answer after every attempt (network errors, timeouts, 5xx).
 */
export type AffilClientErrorCode = 'invalid_options' | 'invalid_input' | 'rejected' | 'unavailable';

export class AffilClientError extends Error {
  override name = 'AffilClientError';
  readonly code: AffilClientErrorCode;
  /** The collector's last HTTP status, when it answered. */
  readonly status: number | undefined;
  /** The collector's problem body, or the field errors of a refused input. */
  readonly problem: unknown;
  /** Attempts made (0 when nothing was sent). */
  readonly attempts: number;

  constructor(code: AffilClientErrorCode, message: string, details: { status?: number | undefined; problem?: unknown; attempts?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.problem = details.problem;
    this.attempts = details.attempts ?? 0;
  }
}

/** Answers that a later attempt may turn around: server errors, plus "too many requests" and "timeout". */
export const isRetryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * Exponential backoff with jitter: `backoffMs × 2^(retry−1)`, scaled by a random factor in [0.5, 1)
 * so that shops retrying after one collector outage do not all come back at once; capped at 30 s.
 */
export function retryDelay(retry: number, backoffMs: number, random: () => number = Math.random): number {
  return Math.min(30_000, backoffMs * 2 ** (retry - 1)) * (0.5 + random() / 2);
}

/** Sends signed order callbacks; every attempt of one call carries the same `webhook-id`, so a retry never counts twice. */
export function createOrderClient(options: OrderClientOptions) {
  const { base, signers, attempts, backoffMs, timeoutMs } = checkOptions(options);
  const doFetch = options.fetch ?? fetch;

  /** One delivery: the same `webhook-id` on every attempt, re-signed with a fresh timestamp each time. */
  async function deliver(path: string, payload: unknown): Promise<unknown> {
    const url = `${base}${path}`;
    const body = JSON.stringify(payload);
    const id = `msg_${randomUUID()}`;
    let last: Failure = { message: 'no attempt made' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const outcome = await attemptOnce(url, id, body);
      if (outcome.ok) return outcome.body;
      if (!outcome.retry) {
        throw new AffilClientError('rejected', `POST ${path}: the collector refused it (${outcome.message})`, { status: outcome.status, problem: outcome.problem, attempts: attempt });
      }
      last = outcome;
      if (attempt < attempts) await sleep(retryDelay(attempt, backoffMs));
    }
    throw new AffilClientError('unavailable', `POST ${url} failed after ${attempts} attempt(s): ${last.message}`, {
      status: last.status, problem: last.problem, attempts, cause: last.cause,
    });
  }

  async function attemptOnce(url: string, id: string, body: string): Promise<Outcome> {
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signers.map((s) => s.sign(id, now, body)).join(' '),
    };
    try {
      // No redirects: following one would turn the POST into a GET or send the signed body elsewhere.
      const res = await doFetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const parsed = parseJson(text);
      if (res.status >= 200 && res.status < 300) {
        if (parsed === undefined) return { ok: false, retry: false, status: res.status, message: `${res.status} with a body that is not JSON: ${excerpt(text)}` };
        return { ok: true, body: parsed };
      }
      const detail = (parsed as { detail?: unknown } | undefined)?.detail;
      const message = `${res.status}: ${typeof detail === 'string' ? detail : excerpt(text) || res.statusText}`;
      return { ok: false, retry: isRetryable(res.status), status: res.status, problem: parsed, message };
    } catch (error) {
      return { ok: false, retry: true, message: describeNetworkError(error, timeoutMs), cause: error };
    }
  }

  return {
    /** Validates, signs and sends an order; resolves to the collector's attribution (201, or 200 for a repeat). */
    async sendOrder(order: Order): Promise<OrderAttribution> {
      const checked = checkInput(orderSchema, order, 'order');
      const duplicate = firstDuplicate(checked.items.map((i) => i.lineId));
      if (duplicate !== undefined) refuse('order', `items[${duplicate}].lineId`, `duplicate lineId "${checked.items[duplicate]!.lineId}"`);
      return (await deliver('/v1/orders', checked)) as OrderAttribution;
    },
    /** Sends a shipment, cancellation or return; resolves to the order as the collector now shows it. */
    async sendOrderEvent(orderId: string, event: OrderEvent): Promise<OrderState> {
      if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > 128) refuse('event', 'orderId', 'must be a string of 1 to 128 characters');
      const checked = checkInput(orderEventSchema, event, 'event');
      const duplicate = firstDuplicate((checked.items ?? []).map((i) => i.lineId));
      if (duplicate !== undefined) refuse('event', `items[${duplicate}].lineId`, `duplicate lineId "${checked.items![duplicate]!.lineId}"`);
      return (await deliver(`/v1/orders/${encodeURIComponent(orderId)}/events`, checked)) as OrderState;
    },
  };
}

type Failure = { status?: number; problem?: unknown; message: string; cause?: unknown };
type Outcome = { ok: true; body: unknown } | ({ ok: false; retry: boolean } & Failure);

function checkOptions(options: OrderClientOptions) {
  const bad = (field: string, message: string): never => {
    throw new AffilClientError('invalid_options', `createOrderClient: ${field}: ${message}`);
  };
  if (!options || typeof options !== 'object') bad('options', 'must be an object');
  let base = '';
  try {
    const url = new URL(options.collectorUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    base = url.href.replace(/[?#].*$/, '').replace(/\/+$/, '');
  } catch {
    bad('collectorUrl', `must be an http(s) URL such as https://track.example, not ${JSON.stringify(options.collectorUrl)}`);
  }
  const secrets = typeof options.secret === 'string' ? options.secret.split(/\s+/).filter(Boolean) : Array.isArray(options.secret) ? options.secret : [];
  if (secrets.length === 0) bad('secret', 'required: the whsec_… secret the collector printed (AFFIL_WEBHOOK_SECRET)');
  const signers = secrets.map((secret, i) => {
    try {
      if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new Error('no prefix');
      return new Webhook(secret);
    } catch {
      return bad(secrets.length > 1 ? `secret[${i}]` : 'secret', 'must be a Standard Webhooks secret: whsec_ followed by base64');
    }
  });
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) bad('attempts', `must be a whole number ≥ 1, not ${attempts}`);
  const backoffMs = options.backoffMs ?? 250;
  if (!Number.isFinite(backoffMs) || backoffMs < 0) bad('backoffMs', `must be a number ≥ 0, not ${backoffMs}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) bad('timeoutMs', `must be a number > 0, not ${timeoutMs}`);
  return { base, signers, attempts, backoffMs, timeoutMs };
}

/** Parses with the collector's schema, so what passes here passes there; the first bad field is named. */
function checkInput<S extends z.ZodType>(schema: S, value: unknown, what: 'order' | 'event'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  const first = errors[0];
  throw new AffilClientError('invalid_input', `${what} refused before sending: ${first ? `${first.path}: ${first.message}` : 'invalid'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, { problem: errors });
}

function refuse(what: 'order' | 'event', path: string, message: string): never {
  const errors: FieldError[] = [{ path, message }];
  throw new AffilClientError('invalid_input', `${what} refused before sending: ${path}: ${message}`, { problem: errors });
}

/** Index of the first value seen before, or undefined. */
function firstDuplicate(values: readonly string[]): number | undefined {
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) return i;
    seen.add(v);
  }
  return undefined;
}

/** `fetch failed` says nothing; its cause says which (refused, reset, DNS, timeout). */
function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const why = [cause?.code, cause?.message].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const message = error instanceof Error ? error.message : String(error);
  return why.length > 0 ? `${message} (${[...new Set(why)].join(': ')})` : message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON (a proxy's error page): callers report an excerpt of the text
  }
}

const excerpt = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text).trim();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
