import { parse } from 'tldts';
import isSafeRegex from 'safe-regex2';
import proxyaddr from 'proxy-addr';

/**
 * Checks on settings that would turn a typo into a hole: a marketplace host that is a public
 * suffix, a tag pattern that can take exponential time, an unusable list of trusted proxies.
 * Pure functions, each answering the problem in words or undefined when the value is fine.
 */

/**
 * A host such as `com`, `co.uk` or `github.io` (a public suffix, ICANN or private section of the
 * Public Suffix List) would make every site under it a "marketplace": `/go` would redirect
 * anywhere there. Local hosts (`localhost:8788`, an address, a single label the list does not
 * name) are fine: they only ever match themselves and their subdomains.
 */
export function publicSuffixProblem(host: string): string | undefined {
  const name = host.replace(/:\d+$/, '');
  const parsed = parse(name, { allowPrivateDomains: true });
  if (parsed.isIp) return undefined;
  // Listed rules only: a name matched by the list's implicit "*" rule (localhost, shop.test) is not a registry's.
  const listed = parsed.isIcann === true || parsed.isPrivate === true;
  if (listed && parsed.domain === null) return `"${host}" is a public suffix: every site under it would count as this marketplace (and /go would redirect to any of them); list the shop's own domain, e.g. "shop.${name}"`;
  return undefined;
}

/**
 * The tag pattern runs on every beacon and, embedded in `/affil.js`, in every reader's browser, on
 * strings anyone can send. safe-regex2 (the check Fastify's router uses) rejects patterns whose
 * quantifiers nest (star height above 1), the cause of catastrophic backtracking.
 */
export function unsafePatternProblem(pattern: string): string | undefined {
  return isSafeRegex(pattern) ? undefined : 'may take exponential time on some inputs (nested quantifiers such as (a+)+): rewrite it without a repeated group that itself repeats';
}

/**
 * Which peers may set X-Forwarded-For, with Express's semantics: a hop count, or proxy
 * addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`. `false` (the
 * default) trusts no one: the client is the socket's peer.
 */
export type TrustProxy = false | number | string[];

/**
 * Reads `--trust-proxy` / `AFFIL_TRUST_PROXY`: `false`, a hop count, or a comma-separated list
 * (`true` is read as such, for `trustProxyProblem` to refuse).
 */
export function parseTrustProxy(text: string): TrustProxy | true {
  const value = text.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The problem with a trust setting (bad address, `true`), or undefined when it is a TrustProxy. */
export function trustProxyProblem(value: unknown): string | undefined {
  if (value === true) return 'true trusts every peer, so anyone could choose their address with X-Forwarded-For (a fresh rate-limit bucket per request); give the number of proxies in front of the collector, or their addresses';
  if (value === false) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 32 ? undefined : 'a hop count must be a whole number from 0 to 32';
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) return 'must be a hop count or a list of proxy addresses';
  try {
    proxyaddr.compile(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
