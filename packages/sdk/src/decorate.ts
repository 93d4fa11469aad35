import { decorateHref, findMarketplace, isShortLink, type LinkStatus, type Marketplace } from './url.js';

/** One merchant link as `Affil.audit()` reports it. `href` is the link's attribute as it now reads. */
export interface LinkReport {
  href: string;
  marketplace: string | null;
  status: LinkStatus;
}

/** How links are decorated on this page. */
export interface Decoration {
  marketplaces: readonly Marketplace[];
  /** The tag for a marketplace's links; undefined when the publisher has none for it. */
  tagFor: (m: Marketplace) => string | undefined;
  overrideForeignTags?: boolean;
}

// Links we decorated, to tell them from links that came with our tag.
const decorated = new WeakSet<Element>();

/**
 * Brings one link in line with the decoration and reports it, and the tag it carries for us (for
 * counting and clicks). Undefined for links to no marketplace; an href `URL` rejects is reported
 * as `invalid_url` whatever it names. `a` matches `a[href]`. Reads the `href` attribute, not `a.href`,
 * because SVG links have an SVGAnimatedString there; idempotent, so watchers can call it freely.
 */
export const decorateLink = (a: Element, d: Decoration): [LinkReport, string?] | undefined => {
  // Trimmed: the URL parser ignores surrounding spaces, and a tag appended after them would end up in the path.
  const href = a.getAttribute('href')!.trim();
  let url: URL;
  let m: Marketplace | undefined;
  const report = (status: LinkStatus, now = href): [LinkReport] => [{ href: now, marketplace: m?.id ?? null, status }];
  try {
    url = new URL(href, document.baseURI);
  } catch {
    return report('invalid_url');
  }
  if (isShortLink(url.hostname)) return report('short_link');
  m = findMarketplace(url.hostname, url.port, d.marketplaces);
  if (!m) return undefined;
  const tag = d.tagFor(m);
  if (!tag) return report('no_tag');
  const result = decorateHref(href, tag, d);
  let status: LinkStatus = result.status;
  if (status == 'foreign_tag') return report(status);
  if (status == 'decorated') {
    a.setAttribute('href', result.href);
    decorated.add(a);
  } else if (decorated.has(a)) status = 'decorated';
  // Added to the link's other rel values, once. (SVG links lack relList in some browsers: left as they are.)
  (a as HTMLAnchorElement).relList?.add('sponsored');
  return [report(status, result.href)[0], tag];
};
