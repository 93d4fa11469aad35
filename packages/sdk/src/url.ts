/**
 * Pure link logic shared by the browser SDK and the collector (`@affil/sdk/url`).
 * No DOM globals: the collector runs this module in Node.
 *
 * Links are edited as strings and never round-tripped through `URL#toString()`: the spec promises
 * that every byte outside the parameter we touch is kept, and the URL serializer re-encodes paths,
 * `+`, `%7E` and non-ASCII text, which would change what the merchant's server receives.
 */

/** A storefront's link hosts and the suffix its tracking IDs end with. */
export interface Marketplace {
  id: string;
  /** Hostnames, each optionally with a port (`localhost:8788`); subdomains match too. */
  hosts: string[];
  tagSuffix: string;
}

/** What `Affil.audit()` reports for a merchant link. */
export type LinkStatus = 'decorated' | 'own_tag' | 'foreign_tag' | 'no_tag' | 'short_link' | 'invalid_url';

/** The collector's default `tagPattern` (SPEC §3). */
export const DEFAULT_TAG_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$';

/** Amazon's shorteners (and their subdomains): their destination cannot be checked without following them. */
const SHORT_HOST = /(^|\.)(amzn\.(to|eu|asia)|a\.co)$/;

/**
 * A marketplace finder for a list of marketplaces: a link's host (`hostname[:port]` as `URL#host`
 * gives it: lower case, no default port) → the first marketplace the link belongs to, or 0 for
 * none. Its hostname is a listed host or ends with `.` + host (`www.`, `smile.`, `m.`), never a
 * lookalike such as `amazon.com.evil.example`; a host listed with a port (`localhost:8788`) matches
 * only that port, one listed without matches any. Listed hosts are lower case (the collector's
 * config requires it). (publisher.ts has its own copy of this finder, for the bundle's bytes:
 * change both.)
 */
export const marketplaceFinder = (marketplaces: readonly Marketplace[]) => {
  // A page's links go to a few hosts: each is looked up once. (So a finder remembers every host it
  // is asked about: make one per page or per request, never one for a process's lifetime.)
  const known = new Map<string, Marketplace | 0>();
  // `.entry:` found in `.host:`: the dots make `amazon.com` match itself and `www.amazon.com`,
  // never `evilamazon.com`; the colons make it end the hostname (never `amazon.com.evil.example`)
  // or, for an entry with a port, the host. (No parsing; once per host. A host of no marketplace is
  // remembered as 0, so a known host costs one lookup.)
  return (host: string): Marketplace | 0 =>
    known.get(host) ??
    known.set(host, marketplaces.find((m) => m.hosts.some((entry) => ('.' + host + ':').includes('.' + entry + ':'))) || 0).get(host)!;
};

/**
 * A CSS selector matching at least every link whose href names a host of `marketplaces`: hrefs
 * containing, in any case, the longest label of one of their hosts (`amazon` for `amazon.co.uk`;
 * subdomains, ports and user info included). The browser matches it natively, so a page's links to
 * other sites are never read in JavaScript. The collector embeds it in `/affil.js` with the program
 * (`links`). Not matched: hrefs that spell the host only once the URL parser has mapped them
 * (`amaz%6Fn.com`, fullwidth letters, a tab inside the host), and relative hrefs (the SDK scans
 * every link when the page's base URL is on a marketplace).
 */
export const linkSelector = (marketplaces: readonly Marketplace[]): string => {
  const labels = new Set(marketplaces.flatMap((m) => m.hosts.map((host) => host.split(/[.:]/).reduce((a, b) => (b.length > a.length ? b : a)))));
  return labels.has('') || labels.size == 0
    ? 'a[href]'
    : [...labels].map((label) => `a[href*="${label.replace(/["\\]/g, '\\$&')}" i]`).join();
};

/**
 * The marketplace of a link with this hostname and port (`URL#hostname`, `URL#port`: port `''` for
 * the scheme's default); case never matters. See `marketplaceFinder`, which pages use for many links.
 */
export const findMarketplace = (hostname: string, port: string, marketplaces: readonly Marketplace[]): Marketplace | undefined =>
  marketplaceFinder(marketplaces.map((m) => ({ ...m, hosts: m.hosts.map((h) => h.toLowerCase()) })))(
    (port ? hostname + ':' + port : hostname).toLowerCase(),
  ) || undefined;

// Absolute http(s) hrefs, written in lower case, whose host the URL parser takes as it stands: ASCII
// letters, digits, dots and hyphens, the last label starting with a letter (so it is never read as an
// IPv4 number), no port, no user info. Their host is that text; anything else goes to the parser.
export const PLAIN_HOST = /^https?:\/\/((?:[a-z\d.-]*\.)?[a-z][a-z\d-]*)(?![^/?#])/;

/**
 * The host (`hostname[:port]`) of `href` resolved against `base`, exactly as `new URL(href, base).host`
 * reports it (and throwing where that throws), without parsing the common absolute link: the URL
 * parser is the slowest step of decorating a page. (A label starting `xn--` is taken as written, as
 * Chromium's parser does; Node's rejects one that is not valid Punycode.)
 */
export const linkHost = (href: string, base: string): string => PLAIN_HOST.exec(href)?.[1] ?? new URL(href, base).host;

/**
 * True for Amazon's link shorteners (`amzn.to`, `a.co`, `amzn.eu`, `amzn.asia`), given a hostname in
 * lower case as `URL` gives it (a link written `https://AMZN.TO/x` reaches here as `amzn.to`).
 */
export const isShortLink = (hostname: string): boolean => SHORT_HOST.test(hostname);

/** True when `tag` matches the program's `tagPattern` and carries the marketplace's suffix. */
export function tagFitsMarketplace(tag: string, tagPattern: string, m: Marketplace): boolean {
  try {
    return new RegExp(tagPattern).test(tag) && tag.endsWith(m.tagSuffix);
  } catch {
    // A program with a broken pattern accepts no tag rather than every tag.
    return false;
  }
}

const ASIN = /^[a-z0-9]{10}$/i;
const PRODUCT_PATH =
  /\/(?:dp(?:\/product)?|gp\/product|gp\/aw\/d|exec\/obidos\/asin|o\/asin|product-reviews)\/([a-z0-9]{10})(?:[/;]|$)/i;

/**
 * The product (ASIN) an Amazon-style URL points at, upper-cased, or null. Paths: `/dp/X`,
 * `/dp/product/X`, `/gp/product/X`, `/gp/aw/d/X`, `/exec/obidos/ASIN/X`, `/o/ASIN/X`,
 * `/product-reviews/X`, with or without a slug before them. A bare ASIN is accepted too, as the
 * libraries in `corpora/amazon-urls-dev.jsonl` do. The query and fragment are never searched.
 */
export function productId(url: string): string | null {
  const text = url.trim();
  if (ASIN.test(text)) return text.toUpperCase();
  const path = text.split(/[?#]/, 1)[0] ?? '';
  return PRODUCT_PATH.exec(path)?.[1]?.toUpperCase() ?? null;
}

// An href's path part, query (undefined without `?`) and `#fragment`.
const HREF_PARTS = /^([^?#]*)(?:\?([^#]*))?([^]*)$/;

/**
 * Sets `name=<value>` (value percent-encoded) in href's query, before any `#fragment`. Parameter
 * names are compared as written (no decoding): `atag=` or `tag%3D` are other parameters. An existing
 * `name` parameter gets the value where it stands; otherwise the pair is appended with `?` or `&`
 * as needed (reusing a trailing `?` or `&`). Every other byte is kept.
 *
 * Cut with `indexOf`, not a regex (session 4: three captures taken apart by destructuring; then
 * `search(/#|$/)`, a new RegExp object per call): a page runs this once per link while its code is
 * still cold, where each step counts (8,000 calls in a fresh Node process, fastest of 7: 27 → 16 ms).
 */
export const addParam = (href: string, name: string, value: string): string => {
  const pair = name + '=' + encodeURIComponent(value);
  // Where the fragment starts (or the end), and where the query starts: after the first `?` before
  // it (0: no query).
  // (No `#` gives −1, which `>>> 0` makes 2³²−1: `slice` then takes the whole href, and nothing after it.)
  const cut = href.indexOf('#') >>> 0;
  let head = href.slice(0, cut);
  const query = head.indexOf('?') + 1;
  let found;
  // (Most links have no such parameter: the query is only taken apart when the name is in it.)
  if (query && head.includes(name, query))
    head =
      head.slice(0, query) +
      head
        .slice(query)
        .split('&')
        .map((p) => (p == name || p.startsWith(name + '=') ? (found = pair) : p))
        .join('&');
  // Appended: after a new `?`, or directly after an empty query or a trailing `&`.
  return head + (found ? '' : (!query ? '?' : query == head.length || head.endsWith('&') ? '' : '&') + pair) + href.slice(cut);
};

/** Removes every `name` parameter from href's query; href is returned unchanged when it has none. */
export function removeParam(href: string, name: string): string {
  const [, path, query, hash] = HREF_PARTS.exec(href)!;
  const pairs = query?.split('&') ?? [];
  const kept = pairs.filter((pair) => pair.split('=', 1)[0] !== name);
  return kept.length === pairs.length ? href : path + (kept.length ? '?' + kept.join('&') : '') + hash;
}

export interface DecorateOptions {
  /** Replace a tag another affiliate put on the link. Default `false`. */
  overrideForeignTags?: boolean;
}

// A `tag` parameter with a value in the query (after the first `?`, before any `#`).
export const FOREIGN_TAG = /^[^?#]*\?([^#]*&)?tag=[^&#]/;

/**
 * What setting our tag did to a link: `decorated` is `addParam(href, 'tag', tag)`. Nothing changed:
 * every tag parameter already was ours (`own_tag`). Otherwise another tag was there (`foreign_tag`,
 * unless `overrideForeignTags`), or none, or only empty ones (`decorated`).
 */
export const tagStatus = (href: string, decorated: string, options?: DecorateOptions): 'decorated' | 'own_tag' | 'foreign_tag' =>
  decorated == href ? 'own_tag' : !options?.overrideForeignTags && FOREIGN_TAG.test(href) ? 'foreign_tag' : 'decorated';

/**
 * The link with `tag=<tag>`: appended when the link has no tag (an empty `tag=` is filled in place),
 * left as it is when it already carries this tag (`own_tag`) or another one (`foreign_tag`, unless
 * `overrideForeignTags`, which replaces that value in place).
 */
export const decorateHref = (
  href: string,
  tag: string,
  options?: DecorateOptions,
): { href: string; status: 'decorated' | 'own_tag' | 'foreign_tag' } => {
  const decorated = addParam(href, 'tag', tag);
  const status = tagStatus(href, decorated, options);
  return { href: status == 'decorated' ? decorated : href, status };
};

/**
 * A sub-ID (SPEC §10): 1 to 64 of `A-Za-z0-9._-`, a publisher's own label for clicks (per link
 * `data-affil-sub`, per page `Affil.init(tag, { sub })`, or `/go/{tag}?…&sub=`).
 */
export const SUB = /^[\w.-]{1,64}$/;

/**
 * `value` as a sub-ID when it is a valid one, else undefined: an invalid sub is dropped and the click
 * kept. (Never `SUB.test(value)` alone: it turns undefined into the valid "undefined".)
 */
export const validSub = (value: unknown): string | undefined => SUB.exec((value ?? '') as string)?.[0];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its usual 8-4-4-4-12 hex form (click IDs, event IDs). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
