import { randomUUID } from 'node:crypto';
import { addParam, decorateHref, findMarketplace, productId } from '@affil/sdk/url';
import { isBotUserAgent } from '../domain/bots.js';
import { sourcePage } from '../domain/page.js';
import { subOf } from '../domain/click-signals.js';
import { Problem } from '../errors.js';
import { visitorOf } from './integrity.js';
import type { Context } from './context.js';
import { clickFacts, clickView, creditable } from './events.js';
import { clickSubscribed, notifyClicks } from './outbox.js';

/** Characters no destination may carry: whitespace, controls (incl. decoded %0d%0a) and backslashes. */
const UNSAFE = /[\u0000-\u0020\u007f-\u009f\\\u2028\u2029]/;

/**
 * Checks a `/go` destination: an absolute http(s) URL on a marketplace host, with no userinfo
 * and nothing a browser or proxy might read differently from us. Anything else is refused, so
 * the collector can never be used as an open redirect.
 */
export function checkDestination(ctx: Context, raw: unknown): { url: string; marketplace: string } {
  if (typeof raw !== 'string' || raw.length === 0) throw new Problem('invalid_query', 'url: the destination is required (?url=https://…)', { errors: [{ path: 'url', message: 'required' }] });
  const refuse = (why: string) => new Problem('invalid_query', `url: ${why}`, { errors: [{ path: 'url', message: why }] });
  if (raw.length > 4096) throw refuse('longer than 4096 characters');
  if (UNSAFE.test(raw)) throw refuse('contains whitespace, control characters or backslashes');
  if (!/^https?:\/\/[^/]/i.test(raw)) throw refuse('must be an absolute http(s) URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a valid URL');
  }
  if (url.username || url.password || /^https?:\/\/[^/?#]*@/i.test(raw)) throw refuse('must not carry user info (user@host)');
  const marketplace = findMarketplace(url.hostname, url.port, ctx.program.marketplaces);
  if (!marketplace) throw refuse(`host "${url.host}" is not a marketplace of this program`);
  return { url: raw, marketplace: marketplace.id };
}

export interface RedirectRequest {
  tag: string;
  url: unknown;
  page: unknown;
  /** The publisher's sub-ID (`&sub=`): kept on the click when valid, else dropped (the click still counts). */
  sub?: unknown;
  userAgent: string | undefined;
  /** The client's address (as `trustProxy` yields it), for the visitor hash only; never stored. */
  address?: string | undefined;
  /** A browser prefetch or prerender: redirect, but record no click. */
  speculative: 'prefetch' | 'prerender' | undefined;
}

/**
 * Where the visitor goes, and why the click will never earn anything when it will not: a
 * prefetch or prerender is not recorded, a bot's click is recorded and flagged (SPEC §4.1).
 */
export interface Redirect {
  location: string;
  notCounted: 'bot' | 'prefetch' | 'prerender' | undefined;
}

/** `GET /go/{tag}`: records a click (`via: "redirect"`) and answers where to send the visitor. */
export async function redirectClick(ctx: Context, r: RedirectRequest): Promise<Redirect> {
  const owner = await ctx.storage.accounts.findTag(r.tag);
  if (!owner) throw new Problem('not_found', `No registered tag "${r.tag}"`);
  const destination = checkDestination(ctx, r.url);
  // (The visitor is redirected whatever `page` says: one that is not an http(s) URL is not kept.)
  const page = typeof r.page === 'string' && r.page.length <= 2048 ? sourcePage(r.page) : null;
  const clickId = randomUUID();
  // A destination on another storefront gets the account's tag there, as the SDK would give it;
  // with none there, no tag (the click still counts: attribution decides what it earns).
  const tag = owner.marketplace === destination.marketplace ? r.tag : await ctx.storage.accounts.accountTagIn(owner.accountId, destination.marketplace);
  const tagged = tag ? decorateHref(destination.url, tag, { overrideForeignTags: true }).href : destination.url;
  if (r.speculative) return { location: tagged, notCounted: r.speculative };
  const decorated = addParam(tagged, 'affil_cid', clickId);
  const click = {
    type: 'click' as const, id: clickId, tag: r.tag, accountId: owner.accountId, marketplace: destination.marketplace,
    url: decorated, product: productId(destination.url), page, session: null, via: 'redirect',
    bot: isBotUserAgent(r.userAgent), registered: true, at: ctx.now(), clientAt: null, sub: subOf(r.sub),
  };
  await ctx.storage.events.record([{ ...click, visitor: await visitorOf(ctx, { address: r.address, userAgent: r.userAgent }) }]);
  ctx.publish({ type: 'click', accountId: owner.accountId, data: clickView(click) });
  if (creditable(click) && (await clickSubscribed(ctx.storage))) await notifyClicks(ctx, [clickFacts(click)]).catch(() => {});
  return { location: decorated, notCounted: click.bot ? 'bot' : undefined };
}
