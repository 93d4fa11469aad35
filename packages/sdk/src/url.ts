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

/** Shorteners whose destination cannot be checked without following them. */
const SHORT_HOSTS = ['amzn.to', 'a.co', 'amzn.eu', 'amzn.asia'];

// A host entry: the name and, when given, the port (`[::1]:8788` keeps its brackets).
const HOST_ENTRY = /^(.+?)(?::(\d+))?$/;

/** True when `hostname` is `host` or a subdomain of it (`www.`, `smile.`, `m.`), never a lookalike. */
const onHost = (hostname: string, host: string): boolean => hostname === host || hostname.endsWith('.' + host);

/**
 * The marketplace a link belongs to. `hostname` and `port` are as `URL` reports them (port `''` for
 * the scheme's default). A host listed with a port matches only that port.
 */
export function findMarketplace(
  hostname: string,
  port: string,
  marketplaces: readonly Marketplace[],
): Marketplace | undefined {
  // A trailing dot names the same host (`amazon.com.`); case never matters in hostnames.
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return marketplaces.find((m) =>
    m.hosts.some((entry) => {
      const [, host = '', onlyPort] = HOST_ENTRY.exec(entry.toLowerCase()) ?? [];
      return (onlyPort === undefined || onlyPort === port) && onHost(name, host);
    }),
  );
}

/** True for Amazon's link shorteners (`amzn.to`, `a.co`, `amzn.eu`, `amzn.asia`). */
export function isShortLink(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return SHORT_HOSTS.some((host) => onHost(name, host));
}

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

/** `href` cut into the part before the query, the query (undefined without `?`) and the `#fragment`. */
function splitHref(href: string): [string, string | undefined, string] {
  const hash = href.indexOf('#');
  const base = hash < 0 ? href : href.slice(0, hash);
  const q = base.indexOf('?');
  return [q < 0 ? base : base.slice(0, q), q < 0 ? undefined : base.slice(q + 1), hash < 0 ? '' : href.slice(hash)];
}

/** The name of a `name=value` query pair, compared as written (no decoding). */
const pairName = (pair: string): string | undefined => pair.split('=', 1)[0];

/**
 * Sets `name=<value>` (value percent-encoded) in href's query, before any `#fragment`: an existing
 * `name` parameter gets the value where it stands; otherwise the pair is appended with `?` or `&`
 * as needed (reusing a trailing `?` or `&`). Every other byte is kept.
 */
export function addParam(href: string, name: string, value: string): string {
  const [path, query = '', hash] = splitHref(href);
  const pair = name + '=' + encodeURIComponent(value);
  let found = false;
  const pairs = query
    .split('&')
    .map((p) => (pairName(p) === name ? ((found = true), pair) : p))
    .join('&');
  return path + '?' + (found ? pairs : pairs + (/(?:^|&)$/.test(pairs) ? '' : '&') + pair) + hash;
}

/** Removes every `name` parameter from href's query; href is returned unchanged when it has none. */
export function removeParam(href: string, name: string): string {
  const [path, query, hash] = splitHref(href);
  const pairs = query?.split('&') ?? [];
  const kept = pairs.filter((pair) => pairName(pair) !== name);
  return kept.length === pairs.length ? href : path + (kept.length ? '?' + kept.join('&') : '') + hash;
}

export interface DecorateOptions {
  /** Replace a tag another affiliate put on the link. Default `false`. */
  overrideForeignTags?: boolean;
}

/**
 * The link with `tag=<tag>`: appended when the link has no tag (an empty `tag=` is filled in place),
 * left as it is when it already carries this tag (`own_tag`) or another one (`foreign_tag`, unless
 * `overrideForeignTags`, which replaces that value in place).
 */
export function decorateHref(
  href: string,
  tag: string,
  options?: DecorateOptions,
): { href: string; status: 'decorated' | 'own_tag' | 'foreign_tag' } {
  // Non-empty tag parameters, as written.
  const present = (splitHref(href)[1] ?? '').split('&').filter((pair) => /^tag=./.test(pair));
  const status = !present.length
    ? 'decorated'
    : present.every((pair) => pair === 'tag=' + encodeURIComponent(tag))
      ? 'own_tag'
      : options?.overrideForeignTags
        ? 'decorated'
        : 'foreign_tag';
  return { href: status === 'decorated' ? addParam(href, 'tag', tag) : href, status };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its usual 8-4-4-4-12 hex form (click IDs, event IDs). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
