import { findMarketplace, isShortLink, tagFitsMarketplace, type Marketplace } from '@affil/sdk/url';

export type AuditStatus =
  | 'decorated'
  | 'own_tag'
  | 'foreign_tag'
  | 'missing_tag'
  | 'short_link'
  | 'invalid_url'
  | 'unregistered_tag'
  | 'wrong_marketplace';

/** Statuses that lose the publisher money: the merchant will not credit these clicks to them. */
export const LEAKS: ReadonlySet<AuditStatus> = new Set(['foreign_tag', 'missing_tag', 'unregistered_tag', 'wrong_marketplace']);

export interface AuditProgram {
  marketplaces: readonly Marketplace[];
  tagPattern: string;
  /** Registered tags known here and the marketplace each is for. */
  tags: ReadonlyMap<string, string>;
  /** The publisher's own tags; empty = every tag in `tags` counts as own. */
  ownTags: ReadonlySet<string>;
  /**
   * How much of the program's registry `tags` holds. `all` (the database, or the collector's answer
   * to the admin key): a tag not in it is unregistered. `account` (the collector's answer to an
   * account key): only that account's tags; another is someone else's or unregistered. `none`
   * (`--tag` alone, on a machine without the collector): nothing; own tags are checked against the
   * tag pattern and each marketplace's suffix.
   */
  registry: 'all' | 'account' | 'none';
}

export interface Classified { marketplace: string | null; tag: string | null; status: AuditStatus; detail: string }

/**
 * What becomes of one merchant link; null for links to no marketplace. `snippetTag` is the tag
 * of an Affil snippet on the same page: links it will decorate count as decorated.
 */
export function classifyLink(href: string, program: AuditProgram, snippetTag: string | null): Classified | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return /amazon\.|amzn\./i.test(href) ? { marketplace: null, tag: null, status: 'invalid_url', detail: 'not a valid absolute URL' } : null;
  }
  if (!/^https?:$/.test(url.protocol)) return null;
  if (isShortLink(url.hostname)) return { marketplace: null, tag: null, status: 'short_link', detail: 'short links hide their destination and tag; link to the product page instead' };
  const marketplace = findMarketplace(url.hostname, url.port, program.marketplaces);
  if (!marketplace) return null;
  const tag = url.searchParams.getAll('tag').find(Boolean) ?? null;
  const at = (status: AuditStatus, detail: string): Classified => ({ marketplace: marketplace.id, tag, status, detail });
  if (tag === null) {
    if (snippetTag && tagFitsMarketplace(snippetTag, program.tagPattern, marketplace)) return { marketplace: marketplace.id, tag: snippetTag, status: 'decorated', detail: `the Affil snippet on this page adds ${snippetTag}` };
    return at('missing_tag', 'no tag: clicks on this link earn nothing');
  }
  const registeredFor = program.tags.get(tag);
  if (registeredFor === undefined) return unknownTag(tag, marketplace, program, at);
  if (registeredFor !== marketplace.id || !tagFitsMarketplace(tag, program.tagPattern, marketplace)) {
    return at('wrong_marketplace', `tag ${tag} is for marketplace ${registeredFor}, this link goes to ${marketplace.id}`);
  }
  if (program.ownTags.size > 0 && !program.ownTags.has(tag)) return at('foreign_tag', `tag ${tag} belongs to someone else`);
  return at('own_tag', `tag ${tag}`);
}

/**
 * A link's tag that `program.tags` does not hold. Without the whole registry it may still be
 * known not to be registered: a malformed tag can be no one's, and one cut from (or extending) an
 * own tag is most likely a copy-paste accident.
 */
function unknownTag(tag: string, marketplace: Marketplace, program: AuditProgram, at: (status: AuditStatus, detail: string) => Classified): Classified {
  const { registry, ownTags, tagPattern } = program;
  if (registry === 'none' && ownTags.has(tag)) {
    return tagFitsMarketplace(tag, tagPattern, marketplace)
      ? at('own_tag', `tag ${tag}`)
      : at('wrong_marketplace', `tag ${tag} cannot earn in marketplace ${marketplace.id}, whose tags end with ${marketplace.tagSuffix}`);
  }
  const known = registry === 'none' ? [...ownTags] : [...program.tags.keys()];
  const near = known.find((t) => t.startsWith(tag) || tag.startsWith(t));
  const meant = near ? ` (did you mean ${near}?)` : '';
  if (registry === 'all') return at('unregistered_tag', `tag ${tag} is not registered${meant}`);
  if (!matches(tag, tagPattern)) return at('unregistered_tag', `tag ${tag} is malformed: no one can have registered it${meant}`);
  if (near) return at('unregistered_tag', `tag ${tag} is not registered to you${meant}`);
  return at('foreign_tag', registry === 'account' ? `tag ${tag} is not one of your account's tags (someone else's, or not registered)` : `tag ${tag} is not one of yours (--tag)`);
}

const matches = (tag: string, pattern: string): boolean => {
  try {
    return new RegExp(pattern).test(tag);
  } catch {
    return false;
  }
};
