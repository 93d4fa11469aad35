import { addParam, FOREIGN_TAG, isShortLink, PLAIN_HOST, type LinkStatus, type Marketplace } from './url.js';

/** One merchant link as `Affil.audit()` reports it. `href` is the link's attribute as it now reads. */
export interface LinkReport {
  href: string;
  marketplace: string | null;
  status: LinkStatus;
}

/** A marketplace with the tag its links get on this page (none when the publisher has none for it). */
export type TaggedMarketplace = Marketplace & { tag?: string | false };

/** How links are decorated on this page (one per `init`). */
export interface Decoration {
  /** The marketplace of a link's host (a `marketplaceFinder`). */
  marketplaceOf: (host: string) => TaggedMarketplace | 0;
  overrideForeignTags?: boolean;
}

// Marks the links we decorated, to tell them from links that came with our tag: a property under a
// symbol of ours holding the status 'decorated' (as fast as a WeakSet, measured, and fewer bytes).
const DECORATED = Symbol();
type Marked = Element & { [DECORATED]?: 'decorated' };

/**
 * Brings one link in line with the decoration, and answers the tag it carries for us (for counting
 * and clicks), or with `report`, its report: undefined for links to no marketplace; an href the URL
 * parser rejects is reported as `invalid_url` whatever it names. (The report is made only when asked
 * for: a page's first scan runs this for thousands of links.) `a` matches `a[href]`. Reads the `href`
 * attribute, not `a.href`, because SVG links have an SVGAnimatedString there; idempotent, so
 * watchers can call it freely. Writes only what changes: the DOM is the costly part of decorating a page.
 */
export const decorateLink = ((a: Element, d: Decoration, report?: 1): LinkReport | string | false | undefined => {
  // Without trailing whitespace, which parameters must go before: the URL parser drops it at the end
  // of an href, and a tag appended after it would land in the query value before. (`trimEnd` also
  // takes Unicode spaces, which the parser keeps: no real link ends in one.)
  let href = a.getAttribute('href')!.trimEnd();
  let m: TaggedMarketplace | 0 | undefined;
  let tag: string | false | undefined;
  let status: LinkStatus | undefined;
  try {
    // (`linkHost`, with the base read only for the hrefs that need the parser.)
    const host = PLAIN_HOST.exec(href)?.[1] ?? new URL(href, document.baseURI).host;
    if (!(m = d.marketplaceOf(host))) {
      if (isShortLink(host)) status = 'short_link';
    } else if (!(tag = m.tag)) status = 'no_tag';
    else {
      const tagged = addParam(href, 'tag', tag);
      // Unchanged: it came with our tag, or we decorated it before (the mark says so).
      if (tagged == href) status = (a as Marked)[DECORATED] || 'own_tag';
      // Another affiliate's tag (the same test as `tagStatus`, inlined for the bundle's bytes).
      else if (!d.overrideForeignTags && FOREIGN_TAG.test(href)) (status = 'foreign_tag'), (tag = false);
      else {
        a.setAttribute('href', (href = tagged));
        (a as Marked)[DECORATED] = status = 'decorated';
        // Added to the link's other rel values. Most links have none: the attribute is written
        // (faster than a DOMTokenList per link, and SVG links, which lack relList in Chromium, get
        // it too; one of those with rel values keeps them as they are). A link that came with our
        // tag is left entirely as it is (SPEC §6).
        a.getAttribute('rel') ? (a as HTMLAnchorElement).relList?.add('sponsored') : a.setAttribute('rel', 'sponsored');
      }
    }
  } catch {
    status = 'invalid_url';
  }
  return report ? status && { href, marketplace: (m as TaggedMarketplace)?.id || null, status } : tag;
}) as {
  (a: Element, d: Decoration): string | false | undefined;
  (a: Element, d: Decoration, report: 1): LinkReport | undefined;
};
