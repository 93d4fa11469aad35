import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Problem, StorageUnavailable } from '../errors.js';
import type { WriteHealth } from '../services/write-health.js';

/** Answers with the problem as `application/problem+json` (plain Node: the beacon path has no Express). */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.end(JSON.stringify(problem.toJSON()));
}

/** What an error thrown anywhere becomes: its problem, or undefined for a failure of ours (a 500). */
function problemOf(error: unknown): Problem | undefined {
  return error instanceof Problem ? error : error !== null && typeof error === 'object' ? fromBodyParser(error as { type?: string }) : undefined;
}

/** body-parser signals its failures with `type`; each becomes a problem that says what happened. */
function fromBodyParser(error: { type?: string; limit?: number; message?: string }): Problem | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new Problem('payload_too_large', `The body is larger than the ${error.limit} bytes this endpoint accepts`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new Problem('unsupported_media_type', error.message ?? 'Unsupported body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new Problem('invalid_request', error.message ?? 'The request body could not be read');
    case 'entity.parse.failed':
      return new Problem('malformed_json', `The body is not valid JSON: ${error.message}`);
    default: {
      // Express and body-parser mark client mistakes (a bad %-escape in a path, a corrupt gzip
      // body) with a 4xx status; those are the caller's to fix, not our failures.
      const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
        return new Problem(code, error.message ?? 'The request could not be read');
      }
      return undefined;
    }
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new Problem('not_found', `No route for ${req.method} ${req.path}`));
};

/**
 * Answers any error: its problem+json; for a storage failure (disk full, I/O error) a 503 to retry
 * later, recorded for `/healthz` and logged as one line that is the same for every request (so a
 * throttled log collapses the flood); for any other failure of ours, a logged 500 that says
 * nothing of the cause. `where` names the request in the log.
 */
export function answerError(res: ServerResponse, error: unknown, where: string, log: (message: string) => void, health?: WriteHealth): void {
  const problem = problemOf(error);
  if (problem) return sendProblem(res, problem);
  if (error instanceof StorageUnavailable) {
    health?.failed(error);
    log(`error: storage: ${error.reason}: ${error.message}; requests that need it are answered 503 until it passes`);
    if (res.headersSent) return void res.end();
    return sendProblem(res, new Problem('unavailable', 'The collector cannot store data right now (its storage is failing); nothing was recorded, retry later', { headers: { 'Retry-After': String(error.retryAfter) } }));
  }
  log(`error: ${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (res.headersSent) return void res.end();
  sendProblem(res, new Problem('internal', 'The collector failed to handle this request; it has been logged'));
}

/** Registered last: every error becomes problem+json; anything unexpected is a logged 500. */
export function errorHandler(log: (message: string) => void, health?: WriteHealth): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => answerError(res, error, `${req.method} ${req.path}`, log, health);
}
