import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { guardedLookup, refusedAddress, refusedLiteralHost, RefusedTarget, type Resolver } from './address-guard.js';
import { signWebhook } from './sign.js';

/** How outbound requests behave. */
export interface SendOptions {
  /** The whole exchange, connect to last response byte read. Default 10 s. */
  timeoutMs?: number;
  /** `allowPrivateWebhookTargets`: let loopback, private and other special ranges through. Default false. */
  allowPrivateTargets?: boolean;
  /** Name resolution (tests give a fixed table). Default: the system resolver. */
  resolver?: Resolver;
  /** Response bytes kept for the delivery log. Default 1 KiB. */
  keepResponseBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = 'Affil-Webhooks/1';

/** One attempt's outcome, for the delivery log. Never thrown: every failure is a value. */
export interface SendResult {
  /** 2xx. */
  ok: boolean;
  /** The HTTP status, or null when none arrived (refused, timed out, connection failed). */
  status: number | null;
  durationMs: number;
  /** Why it failed, in words (`HTTP 500`, `timed out after 10000 ms`, `refused …`, `redirect to … not followed`). */
  error?: string;
  /** The start of the response body. */
  response?: string;
  /** The SSRF guard refused the target: retrying will not help until the URL changes. */
  refused?: boolean;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends one request: no redirects followed (a 3xx is a failure: the target could redirect into the
 * LAN), a deadline over the whole exchange, and unless allowed, the SSRF guard on the connected
 * address.
 */
export function send(req: OutboundRequest, options: SendOptions = {}): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const keep = options.keepResponseBytes ?? 1024;
  const guard = options.allowPrivateTargets !== true;

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve({ ok: false, status: null, durationMs: 0, error: `not a URL: ${req.url}` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve({ ok: false, status: null, durationMs: 0, error: `only http and https URLs are sent to, not ${url.protocol}` });
  }
  const literal = guard ? refusedLiteralHost(url.hostname) : undefined;
  if (literal) return Promise.resolve({ ok: false, status: null, durationMs: 0, error: `refused ${url.hostname}: ${literal}`, refused: true });

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = make(url, {
      method: req.method,
      // A fresh connection each time: no pooled socket skips the checks below.
      agent: false,
      headers: { 'user-agent': USER_AGENT, ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) },
      ...(guard || options.resolver ? { lookup: guardedLookup(options.resolver, { check: guard }) } : {}),
    });
    const timer = setTimeout(() => outgoing.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);

    outgoing.on('socket', (socket: Socket) => {
      // Belt and braces: whatever resolved the name, the peer actually reached is checked too.
      if (guard) socket.once('connect', () => {
        const why = socket.remoteAddress ? refusedAddress(socket.remoteAddress) : 'no peer address';
        if (why) outgoing.destroy(new RefusedTarget(`refused ${url.hostname}: ${why}`));
      });
    });
    outgoing.on('error', (error) => {
      finish({ ok: false, status: null, error: error.message, ...(error instanceof RefusedTarget ? { refused: true } : {}) });
    });
    outgoing.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const response = Buffer.concat(chunks).subarray(0, keep).toString('utf8');
        const ok = status >= 200 && status < 300;
        const error = ok ? undefined : status >= 300 && status < 400 ? `HTTP ${status}: redirect${res.headers.location ? ` to ${res.headers.location}` : ''} not followed` : `HTTP ${status}`;
        finish({ ok, status, ...(error ? { error } : {}), ...(response ? { response } : {}) });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (size < keep) chunks.push(chunk);
        size += chunk.length;
        // Enough for the log: the rest is not read (a receiver streaming forever ends here).
        if (size >= keep) done();
      });
      res.on('end', done);
      res.on('error', (error) => finish({ ok: false, status, error: error.message }));
    });
    outgoing.end(req.body);
  });
}

export interface WebhookDelivery {
  url: string;
  /** The endpoint's secrets, newest first (two during a rotation). */
  secrets: readonly string[];
  /** The stable event id: `webhook-id`, the receiver's idempotency key. */
  eventId: string;
  /** The exact JSON sent and signed. */
  body: string;
  /** Signing time; default now. Each attempt is signed afresh (receivers refuse stale timestamps). */
  at?: Date;
}

/** POSTs a signed webhook. */
export function sendWebhook(d: WebhookDelivery, options: SendOptions = {}): Promise<SendResult> {
  const headers = signWebhook(d.secrets, d.eventId, d.at ?? new Date(), d.body);
  return send({ method: 'POST', url: d.url, headers: { 'content-type': 'application/json', ...headers }, body: d.body }, options);
}

/** GETs a rendered postback URL (trackers take the values from the query). */
export function sendPostback(url: string, options: SendOptions = {}): Promise<SendResult> {
  return send({ method: 'GET', url }, options);
}
