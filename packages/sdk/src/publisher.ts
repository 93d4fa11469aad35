import { SESSION_KEY } from './session.js';
import { storage } from './storage.js';
import { watchActivations } from './activation.js';
import { decorateLink, type LinkReport, type TaggedMarketplace } from './decorate.js';
import { answer, emit, publisher, setAnswer, setPublisher, visit, type Publisher } from './state.js';
import { safe, setDebug, warn } from './log.js';
import { embeddedProgram, type InitOptions } from './config.js';
import { optedOut } from './consent.js';
import { OUTBOX_KEY } from './transport.js';
import { eachLink, LINKS, watchLinks } from './links.js';
import { uuid } from './uuid.js';

let viewed: boolean | undefined;
// Affiliate links on the page at the last scan, for the pageview.
let links: number;

/**
 * Decorates every link on the page, then sends the one pageview of this page load (counting the
 * affiliate links) if it is still due: once the document is parsed and tracking is allowed.
 *
 * The pageview goes in a task of its own: its first touches of session storage, the event's UUID
 * and the beacon each wait on the browser process (1–20 ms each on a busy machine), which the page
 * should not wait for in the middle of `init`. So does clearing the storage of a reader who opted out.
 */
const scan = (): void => {
  // Only the links that may go to a marketplace (`links`): the others are never read. (Counted with
  // `filter`: one pass, no array of answers.)
  links = [].filter.call(document.querySelectorAll(publisher!.links!), visit).length;
  // (Counted by the latest scan when it goes: a queued init() right after data-tag's may add tags.)
  // A reader who opted out leaves nothing behind: the outbox and the session go, in that task too.
  if (document.readyState != 'loading')
    setTimeout(
      safe(() =>
        optedOut(publisher!, answer)
          ? (storage('localStorage', OUTBOX_KEY, ''), storage('sessionStorage', SESSION_KEY, ''))
          : (viewed ||= emit({ type: 'pageview', id: uuid(), tag: publisher!.tag, links })),
      ),
    );
};

/** Starts (or re-configures) the publisher SDK on this page. */
export const init = (tag: string, options?: InitOptions): void => {
  const p = { ...embeddedProgram(), ...options, tag } as Publisher;
  setDebug(p.debug);
  const pattern = new RegExp(p.tagPattern);
  // (Declared together up here, for the bundle's bytes: the finder's cache, and whether this is the
  // page's first init.)
  const known = new Map<string, TaggedMarketplace | 0>();
  const first = !publisher;
  let invalid: string | undefined;
  // Each marketplace's tag, worked out here once rather than once per link.
  const tagged = p.marketplaces.map((m): TaggedMarketplace => {
    const given = p.tags?.[m.id];
    const t = given ?? tag;
    const fits = pattern.test(t) && t.endsWith(m.tagSuffix);
    if (!fits && given != undefined) invalid = t;
    return { ...m, tag: fits && t };
  });
  // The main tag simply does not serve marketplaces with another suffix, but it must serve one,
  // and a tag given for a marketplace must fit it: otherwise the tag decorates nothing, and the
  // console says why, once.
  if (!tagged.some((m) => m.tag == tag)) invalid = tag;
  // `marketplaceFinder(tagged)` (url.ts) written out, the same lookup and cache: the bundle keeps a
  // call of the shared finder wrapped, 4 bytes gzipped. (Keep the two alike; the Chromium page test
  // checks this one against lookalike hosts.)
  p.marketplaceOf = (host) =>
    known.get(host) ??
    known.set(host, tagged.find((m) => m.hosts.some((entry) => ('.' + host + ':').includes('.' + entry + ':'))) || 0).get(host)!;
  // Relative hrefs name no host: on a page whose base URL is on a marketplace they are merchant
  // links too, and every link is read. A selector embedded for other marketplaces does not apply.
  p.links = ((!options?.marketplaces || options.links) && !p.marketplaceOf(new URL(document.baseURI).host) && p.links) || LINKS;
  if (invalid) warn(`invalid tag "${invalid}"`);
  setPublisher(p);
  scan();
  if (first) {
    // Only now: the observer never hears of the hrefs that first scan wrote.
    watchLinks();
    watchActivations();
    addEventListener('DOMContentLoaded', safe(scan));
  }
};

/** One report per merchant link on the page. */
export const audit = (): LinkReport[] =>
  eachLink(document, (a) => publisher && decorateLink(a, publisher, 1));

/** The site's answer for `consent: 'pending'`: `true` starts sending, `false` stops it again. */
export const consent = (granted: boolean): void => {
  setAnswer(granted);
  scan();
};
