import { Problem } from '../errors.js';
import type { Context } from './context.js';

// Report periods: whole UTC days, on their own so that every service can read a period without
// importing the report services (and what they import).

const DAY = 86_400_000;
/** The longest period one report may span: ten years. */
export const MAX_REPORT_DAYS = 3660;

export interface Period { from: string; to: string; fromMs: number; toMs: number }

/** Inclusive UTC dates; default: the 30 days ending today. */
export function resolvePeriod(ctx: Context, q: { from?: string | undefined; to?: string | undefined }): Period {
  const today = new Date(ctx.now()).toISOString().slice(0, 10);
  const to = q.to ?? today;
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10);
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  const toMs = Date.parse(`${to}T00:00:00Z`) + DAY - 1;
  if (fromMs > toMs) throw new Problem('invalid_query', `from (${from}) is after to (${to})`, { errors: [{ path: 'from', message: 'must not be after to' }] });
  if ((toMs + 1 - fromMs) / DAY > MAX_REPORT_DAYS) {
    throw new Problem('invalid_query', `from..to spans more than ${MAX_REPORT_DAYS} days`, { errors: [{ path: 'to', message: 'range too large' }] });
  }
  return { from, to, fromMs, toMs };
}
