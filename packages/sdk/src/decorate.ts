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

// The href we gave each link, to tell links we decorated from links that came with our tag.
const decorated = new WeakMap<Element, string>();

function addSponsored(a: Element): void {
  const rel = a.getAttribute('rel') ?? '';
  if (!/(^|\s)sponsored(\s|$)/i.test(rel)) a.setAttribute('rel', rel.trim() ? rel + ' sponsored' : 'sponsored');
}

/**
 * Brings one link in line with the decoration and reports it, with the tag it carries for us (for
 * clicks). Undefined for links to no marketplace. Reads the `href` attribute, not `a.href`, because
 * SVG links have an SVGAnimatedString there; idempotent, so watchers can call it freely.
 */
export function decorateLink(a: Element, d: Decoration): (LinkReport & { tag?: string }) | undefined {
  const raw = a.getAttribute('href');
  if (raw === null) return undefined;
  // The URL parser ignores surrounding spaces; appending after them would put the tag in the path.
  const href = raw.trim();
  let url: URL | undefined;
  try {
    url = new URL(href, document.baseURI);
  } catch {
    // Reported as invalid_url below when it names a marketplace.
  }
  // For an href `URL` rejects (e.g. port 99999) the host is the text after `scheme://`, to still
  // report it when it names a merchant.
  const hostname = url ? url.hostname : (href.split(/[/?#:]+/)[1] ?? '');
  const m = findMarketplace(hostname, url?.port ?? '', d.marketplaces);
  const report = (status: LinkStatus, now = raw): LinkReport => ({ href: now, marketplace: m?.id ?? null, status });
  if (isShortLink(hostname)) return report('short_link');
  if (!m) return undefined;
  const tag = d.tagFor(m);
  if (!url) return report('invalid_url');
  if (!tag) return report('no_tag');
  const result = decorateHref(href, tag, d);
  if (result.status === 'foreign_tag') return report(result.status);
  if (result.status === 'decorated') {
    a.setAttribute('href', result.href);
    decorated.set(a, result.href);
  }
  addSponsored(a);
  return { ...report(decorated.get(a) === result.href ? 'decorated' : 'own_tag', result.href), tag };
}
