import type { RequestHandler } from 'express';
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { Problem } from '../errors.js';

/**
 * A fixed one-minute window per client address. Addresses are hashed with a per-process salt
 * and kept only in memory for the current window: never stored raw, never written to disk.
 * `addressOf` names the client (behind a trusted proxy, the forwarded address: client-address.ts).
 */
export function rateLimit(perMinute: number, now: () => number = Date.now, addressOf: (req: IncomingMessage) => string = (req) => req.socket.remoteAddress ?? ''): RequestHandler {
  const salt = createHash('sha256').update(String(Math.random()) + String(process.hrtime.bigint())).digest();
  let windowStart = 0;
  let counts = new Map<string, number>();
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const t = now();
    if (t - windowStart >= 60_000) {
      windowStart = t - (t % 60_000);
      counts = new Map();
    }
    const client = createHash('sha256').update(salt).update(addressOf(req)).digest('base64url');
    const count = (counts.get(client) ?? 0) + 1;
    counts.set(client, count);
    if (count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + 60_000 - t) / 1000));
      return next(new Problem('rate_limited', `More than ${perMinute} requests a minute from this address; retry in ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } }));
    }
    next();
  };
}
