import { z } from 'zod';
import type { Context } from './context.js';
import type { Principal } from './principal.js';
import { periodSchema, resolvePeriod, resolveScope } from './reports.js';
import { parseWith } from '../validation.js';

export type LinkProblem = 'unregistered_tag' | 'malformed_tag' | 'wrong_marketplace';

/**
 * Link health: clicks that can never earn because of their tag — a tag nobody registered, a
 * malformed one (often a truncated copy of a real tag, which we name), or a tag used on a
 * marketplace it is not for — per tag and source page, so the publisher can fix the link.
 */
export async function linkHealth(ctx: Context, principal: Principal, query: unknown) {
  const q = parseWith(periodSchema.pick({ from: true, to: true, account: true }).extend({ format: z.string().optional() }), query, 'invalid_query');
  const period = resolvePeriod(ctx, q);
  // An account key sees its own; the admin everything, or one account with ?account=.
  const own = (await resolveScope(ctx, principal, { account: q.account })).accountId ?? null;
  const pattern = new RegExp(ctx.program.tagPattern);
  const suspects = await ctx.storage.events.suspectClicks(period.fromMs, period.toMs);
  const originalsOf = new Map<string, Awaited<ReturnType<typeof ctx.storage.events.tagsStartingWith>>>();
  for (const r of suspects) {
    if (r.unregistered && !originalsOf.has(r.tag)) originalsOf.set(r.tag, await ctx.storage.events.tagsStartingWith(r.tag));
  }
  const rows = suspects
    .map((r) => {
      const problem: LinkProblem = r.unregistered ? (pattern.test(r.tag) ? 'unregistered_tag' : 'malformed_tag') : 'wrong_marketplace';
      // A truncated tag belongs to an account only when every registered tag it could be cut from
      // is that account's: otherwise registering an unrelated tag could move the row (and its
      // pages) to someone else. Ambiguous rows stay the admin's, with no suggestion.
      const originals = problem === 'wrong_marketplace' ? undefined : originalsOf.get(r.tag);
      const likely = originals?.accountId ? { tag: originals.firstTag!, accountId: originals.accountId } : undefined;
      return {
        tag: r.tag,
        page: r.page,
        problem,
        linkMarketplace: r.linkMarketplace,
        tagMarketplace: r.tagMarketplace,
        clicks: r.clicks,
        lastSeen: new Date(r.lastSeen).toISOString(),
        suggestion: likely && likely.tag !== r.tag ? likely.tag : null,
        account: r.accountId ?? likely?.accountId ?? null,
      };
    })
    // An affiliate sees its own tags' problems and truncated copies of its tags, nobody else's.
    .filter((r) => own === null || r.account === own);
  return {
    from: period.from,
    to: period.to,
    rows,
    totals: {
      clicks: rows.reduce((n, r) => n + r.clicks, 0),
      unregisteredTag: rows.filter((r) => r.problem === 'unregistered_tag').reduce((n, r) => n + r.clicks, 0),
      malformedTag: rows.filter((r) => r.problem === 'malformed_tag').reduce((n, r) => n + r.clicks, 0),
      wrongMarketplace: rows.filter((r) => r.problem === 'wrong_marketplace').reduce((n, r) => n + r.clicks, 0),
    },
  };
}
