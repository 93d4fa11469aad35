import { z } from 'zod';
import { buildSummary, isEmptySummary, type Summary } from '../domain/summary.js';
import { BREAKDOWNS, type BreakdownBy } from '../storage/port.js';
import { Problem } from '../errors.js';
import { parseWith } from '../validation.js';
import { displayedStatus, linePending } from '../domain/integrity/review.js';
import type { Context } from './context.js';
import { MAX_REPORT_DAYS, resolvePeriod, type Period } from './period.js';

export { MAX_REPORT_DAYS, resolvePeriod, type Period };
import { clickView } from './events.js';
import { orderStatus } from './orders.js';
import { earnedCommission } from '../domain/lifecycle.js';
import { ownAccount, type Principal } from './principal.js';


const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
  }, 'is not a calendar date');
const optional = (s: z.ZodType<string>) => s.optional();

export const periodSchema = z.object({
  from: optional(date),
  to: optional(date),
  account: optional(z.string().min(1).max(64)),
  tag: optional(z.string().min(1).max(128)),
  marketplace: optional(z.string().min(1).max(32)),
});


/**
 * Narrows a report to what the principal may see. An account key asking for another account
 * or another account's tag gets a 404, exactly as if it did not exist.
 */
export async function resolveScope(ctx: Context, principal: Principal, q: { account?: string | undefined; tag?: string | undefined }) {
  const own = ownAccount(principal);
  if (q.account !== undefined && ((own !== null && q.account !== own) || !(await ctx.storage.accounts.getAccount(q.account)))) {
    throw new Problem('not_found', `No account "${q.account}"`);
  }
  const accountId = own ?? q.account;
  if (q.tag !== undefined && accountId !== undefined) {
    const tag = await ctx.storage.accounts.findTag(q.tag);
    if (!tag || tag.accountId !== accountId) throw new Problem('not_found', `No tag "${q.tag}"`);
  }
  return { accountId, tag: q.tag };
}

export async function summary(ctx: Context, principal: Principal, query: unknown): Promise<Summary> {
  const q = parseWith(periodSchema, query, 'invalid_query');
  checkMarketplace(ctx, q.marketplace);
  const period = resolvePeriod(ctx, q);
  const scope = { ...(await resolveScope(ctx, principal, q)), marketplace: q.marketplace, from: period.fromMs, to: period.toMs };
  const totals = await ctx.storage.reports.summaryTotals(scope);
  const currencies = (await ctx.storage.reports.tagMarketplaces(scope))
    .map((id) => ctx.program.marketplaces.find((m) => m.id === id)?.currency)
    .filter((c): c is string => c !== undefined);
  return buildSummary(period.from, period.to, { ...totals, currencies });
}

function checkMarketplace(ctx: Context, id: string | undefined): void {
  if (id !== undefined && !ctx.program.marketplaces.some((m) => m.id === id)) {
    throw new Problem('invalid_query', `marketplace: unknown marketplace "${id}"`, { errors: [{ path: 'marketplace', message: 'unknown marketplace' }] });
  }
}

const breakdownSchema = periodSchema.extend({
  by: z.enum(BREAKDOWNS, { error: () => `must be one of ${BREAKDOWNS.join(', ')}` }),
});

/**
 * The summary's metrics per day, tag, marketplace, category, product or source page. Totals a
 * dimension does not apply to (clicks have no category) sit in the row with key null, so every
 * count and amount adds up to the summary — except `orders` (and so `conversionRate`) by category
 * and product: there a row counts the orders containing a credited line of it, so an order of two
 * products counts in both. A row with nothing in it (all zero) is left out.
 */
export async function breakdown(ctx: Context, principal: Principal, query: unknown): Promise<{ by: BreakdownBy; rows: ({ key: string | null } & Summary)[] }> {
  const q = parseWith(breakdownSchema, query, 'invalid_query');
  checkMarketplace(ctx, q.marketplace);
  const period = resolvePeriod(ctx, q);
  const scope = { ...(await resolveScope(ctx, principal, q)), marketplace: q.marketplace, from: period.fromMs, to: period.toMs };
  const totals = await ctx.storage.reports.breakdownTotals(q.by, scope);
  const rows = [...totals]
    .map(([key, t]) => ({ key, ...buildSummary(period.from, period.to, { ...t, currencies: [] }) }))
    .filter((row) => !isEmptySummary(row))
    .sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
  return { by: q.by, rows };
}

const listSchema = periodSchema.extend({
  limit: optional(z.string().regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000')),
  cursor: optional(z.string().max(200)),
});

const encodeCursor = (at: number, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isSafeInteger(at) && typeof id === 'string') return { at, id };
  } catch {
    // falls through to the problem below: any undecodable cursor is the caller's mistake
  }
  throw new Problem('invalid_query', 'cursor: not a cursor this API returned', { errors: [{ path: 'cursor', message: 'invalid cursor' }] });
}

function page(q: z.infer<typeof listSchema>) {
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (limit < 1 || limit > 1000) throw new Problem('invalid_query', 'limit: must be a whole number from 1 to 1000', { errors: [{ path: 'limit', message: 'out of range' }] });
  return { limit, before: q.cursor ? decodeCursor(q.cursor) : undefined };
}

/** One page of newest-first rows fetched with `limit + 1`, and the cursor to the next, if any. */
function paged<R>(rows: R[], limit: number, position: (row: R) => [at: number, id: string]): { shown: R[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { shown, nextCursor: rows.length > limit && last ? encodeCursor(...position(last)) : null };
}

/** Raw clicks, newest first, a page at a time. */
export async function listClicks(ctx: Context, principal: Principal, query: unknown) {
  const q = parseWith(listSchema, query, 'invalid_query');
  const period = resolvePeriod(ctx, q);
  const scope = await resolveScope(ctx, principal, q);
  const { limit, before } = page(q);
  const rows = await ctx.storage.events.listClicks({ ...scope, from: period.fromMs, to: period.toMs, limit: limit + 1, before });
  const { shown, nextCursor } = paged(rows, limit, (c) => [c.at, c.id]);
  return { clicks: shown.map(clickView), nextCursor };
}

/** Orders by time placed, newest first, a page at a time. */
export async function listOrders(ctx: Context, principal: Principal, query: unknown) {
  const q = parseWith(listSchema, query, 'invalid_query');
  const period = resolvePeriod(ctx, q);
  const scope = await resolveScope(ctx, principal, q);
  const { limit, before } = page(q);
  const rows = await ctx.storage.orders.listOrders({ ...scope, from: period.fromMs, to: period.toMs, limit: limit + 1, before });
  const { shown, nextCursor } = paged(rows, limit, (o) => [o.orderedAt, o.orderId]);
  const linesOf = await Promise.all(shown.map((o) => ctx.storage.orders.lines(o.orderId)));
  const held = await ctx.storage.integrity.heldAmong(shown.map((o) => o.orderId));
  const holdsOf = new Map(await Promise.all(held.map(async (id) => [id, (await ctx.storage.integrity.holdOf(id))!.status] as const)));
  return {
    orders: shown.map((o, i) => {
      const created = JSON.parse(o.response) as { commission: number };
      const lines = linesOf[i]!;
      const hold = holdsOf.get(o.orderId) ?? 'none';
      // As on the order itself: `commission` as attributed, `pending` + `earned` what it is worth now.
      return {
        orderId: o.orderId, marketplace: o.marketplace, currency: o.currency, orderedAt: new Date(o.orderedAt).toISOString(),
        status: displayedStatus(orderStatus(lines), hold), attributed: o.attributed, rule: o.rule, tag: o.tag,
        creditedTag: o.creditedTag, account: o.accountId, sub: o.sub ?? null, commission: created.commission,
        pending: lines.reduce((n, l) => n + linePending(l, hold), 0), earned: lines.reduce((n, l) => n + earnedCommission(l), 0),
      };
    }),
    nextCursor,
  };
}
