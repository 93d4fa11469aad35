import { tagFitsMarketplace, type Marketplace } from '@affil/sdk/url';
import { UsageError } from '../errors.js';
import type { AuditProgram } from './classify.js';

/** A tag as `GET /v1/tags` answers it. */
export interface RegisteredTag { tag: string; marketplace: string; account: string }

/** Where the program's marketplaces and tag pattern come from: `--config`, or the built-ins. */
export interface LocalProgram { marketplaces: readonly Marketplace[]; tagPattern: string }

/**
 * The audit's program when the tags are only those given with `--tag` (no database, no collector):
 * each must be one the program could accept, matching its tag pattern and some marketplace's suffix.
 */
export function tagsOnly(local: LocalProgram, own: readonly string[]): AuditProgram {
  for (const tag of own) {
    if (!local.marketplaces.some((m) => tagFitsMarketplace(tag, local.tagPattern, m))) {
      const suffixes = [...new Set(local.marketplaces.map((m) => m.tagSuffix))].join(', ');
      throw new UsageError(`--tag ${tag} cannot be a tag of this program: it must match ${local.tagPattern} and end with one of ${suffixes}`);
    }
  }
  return { ...local, tags: new Map(), ownTags: new Set(own), registry: 'none' };
}

/**
 * The audit's program from the tags a collector tells this key about (`GET /v1/tags`): an account
 * key's own (keys issued for accounts start `affil_acct_`), or the admin's every tag. `--tag`
 * narrows the own tags and must name tags it was told about.
 */
export function fromCollector(local: LocalProgram, tags: readonly RegisteredTag[], key: string, own: readonly string[]): AuditProgram {
  const registry = key.startsWith('affil_acct_') ? 'account' : 'all';
  const known = new Map(tags.map((t) => [t.tag, t.marketplace]));
  for (const tag of own) {
    if (!known.has(tag)) throw new UsageError(`--tag ${tag} is not registered${registry === 'account' ? " to this key's account" : ' with the collector'}`);
  }
  const ownTags = new Set(own.length > 0 || registry === 'all' ? own : tags.map((t) => t.tag));
  return { ...local, tags: known, ownTags, registry };
}

/** Marketplaces the collector's tags are for that this machine does not know (they need `--config`). */
export const unknownMarketplaces = (local: LocalProgram, tags: readonly RegisteredTag[]): string[] =>
  [...new Set(tags.map((t) => t.marketplace))].filter((id) => !local.marketplaces.some((m) => m.id === id));

/**
 * Asks a collector which tags `key` may see (`GET /v1/tags`). Every failure is a UsageError that
 * says what went wrong: unreachable, the key refused, an answer that is not the collector's.
 */
export async function collectorTags(collector: string, key: string, timeoutMs = 10_000): Promise<RegisteredTag[]> {
  const url = `${collector.replace(/\/+$/, '')}/v1/tags`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new UsageError(`cannot reach the collector at ${url}: ${cause}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const detail = (body as { detail?: unknown } | undefined)?.detail;
    throw new UsageError(`the collector answered ${res.status} to GET ${url}${typeof detail === 'string' ? `: ${detail}` : ''}`);
  }
  const tags = (body as { tags?: unknown } | undefined)?.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t?.tag === 'string' && typeof t?.marketplace === 'string')) {
    throw new UsageError(`${url} did not answer a list of tags: is ${collector} an Affil collector?`);
  }
  return tags as RegisteredTag[];
}
