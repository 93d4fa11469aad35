import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Context } from '../services/context.js';
import { ingestEvents } from '../services/events.js';
import { parseJson } from '../validation.js';
import { smallTextBody } from './body.js';
import { answerError } from './problems.js';
import { limits } from './routes/public.js';
import { clientAddress, type TrustFunction } from './client-address.js';
import type { WriteHealth } from '../services/write-health.js';

export const BEACON_PATH = '/v1/events';

/** A handler written for Express that only uses what plain Node requests have (headers, socket, body stream). */
type Step = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (error?: unknown) => void) => unknown;

/**
 * `POST /v1/events`, served from Node's request event ahead of Express. Beacons are nearly all of a
 * collector's traffic, and Express's routing (layer matching, request and response decoration)
 * cost each of them more than everything else together: `npm run bench -- ingest` measured 303 µs
 * of CPU per beacon routed by Express against 136 µs served here, storage included.
 * Everything else, the preflight included, stays with Express. The steps are the same code the
 * Express routes use (rate limit, body reader) and errors are the same problem+json.
 */
export function beaconEndpoint(
  ctx: Context,
  o: {
    record: (method: string, route: string, status: number, seconds: number) => void;
    log: (message: string) => void;
    trust: TrustFunction;
    health?: WriteHealth | undefined;
  },
) {
  const { record, log, trust, health } = o;
  // text/plain avoids a CORS preflight for sendBeacon; both types carry JSON.
  const steps = [...limits(ctx, trust), smallTextBody(16 * 1024)] as RequestHandler[] as unknown as Step[];
  const fail = (res: ServerResponse, error: unknown): void => answerError(res, error, `POST ${BEACON_PATH}`, log, health);
  const ingest = async (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void> => {
    const body = parseJson(typeof req.body === 'string' ? req.body : '');
    const result = await ingestEvents(ctx, body, { userAgent: req.headers['user-agent'], address: clientAddress(req, trust) });
    res.statusCode = 202;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(result));
  };
  return {
    /** True for the requests this endpoint serves (a query string is ignored, as Express does). */
    matches: (req: IncomingMessage): boolean =>
      req.method === 'POST' && (req.url === BEACON_PATH || (req.url?.startsWith(BEACON_PATH + '?') ?? false)),
    /** Serves the request and counts it in the request metrics. */
    handle(req: IncomingMessage, res: ServerResponse): void {
      const start = performance.now();
      res.once('finish', () => record('POST', BEACON_PATH, res.statusCode, (performance.now() - start) / 1000));
      this.serve(req, res);
    },
    /** Serves the request (Express's route for the spellings `matches` leaves to it: `/v1/events/`, `/V1/Events`). */
    serve(req: IncomingMessage & { body?: unknown }, res: ServerResponse): void {
      res.setHeader('Access-Control-Allow-Origin', '*');
      const step = (i: number): void => {
        const run = steps[i];
        if (!run) return void ingest(req, res).catch((error: unknown) => fail(res, error));
        try {
          void run(req, res, (error?: unknown) => (error ? fail(res, error) : step(i + 1)));
        } catch (error) {
          fail(res, error);
        }
      };
      step(0);
    },
  };
}
