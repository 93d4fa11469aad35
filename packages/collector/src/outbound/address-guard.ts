import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard for outbound webhooks and postbacks: a URL anyone with an account key can register
 * must not make the collector reach its own host, its LAN or a cloud metadata service. The check is
 * on the address actually connected to (a `lookup` given to the socket), not on a resolution made
 * earlier, so a name that answers a public address to a check and 127.0.0.1 to the connection (DNS
 * rebinding) is still refused.
 *
 * Why not `request-filtering-agent` (maintained, Node ≥ 20, the same idea): it reports every refusal
 * as "private IP address" whatever the range, while the delivery log should say which rule refused
 * which address, and its agents are per request type; this is the same ~40 lines over the same
 * range tables (`ipaddr.js`, which it uses too).
 */

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT (shared)',
  private: 'a private',
  uniqueLocal: 'a unique-local',
  reserved: 'a reserved',
};

/** Special-purpose ranges (RFC 6890) that ipaddr.js files under ordinary unicast. */
const EXTRA_RANGES: [string, [ipaddr.IPv4 | ipaddr.IPv6, number]][] = [
  ['benchmarking', ipaddr.parseCIDR('198.18.0.0/15')],
  ['discard-only', ipaddr.parseCIDR('100::/64')],
];

/**
 * Why the collector may not connect to `address` (an IP literal), or undefined when it may. Only
 * ordinary public unicast is allowed: loopback, private, link-local (169.254.169.254, the cloud
 * metadata address), unique-local, CGNAT, multicast, unspecified, and every other special-purpose
 * range (benchmarking, documentation, 6to4, Teredo, NAT64…) are refused. An IPv4-mapped IPv6
 * address (::ffff:127.0.0.1) is judged as the IPv4 address it maps.
 */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const extra = EXTRA_RANGES.find(([, cidr]) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
  const range = extra ? extra[0] : parsed.range();
  if (range === 'unicast') return undefined;
  return `${address} is ${RANGE_NAMES[range] ?? `a special-purpose (${range})`} address`;
}

/** A refused target: the delivery fails with this message and never connects. */
export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
}

export interface ResolvedAddress { address: string; family: number }
/** Name resolution, replaceable in tests; default: the system resolver (`dns.lookup`, every address). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * A `lookup` for `http.request`/`net.connect` that resolves with `resolver` and refuses the whole
 * name when any of its addresses is refused: a name that mixes a public and a private address is
 * either misconfigured or an attack, and trying the public one alone would still leak the other.
 */
export function guardedLookup(resolver: Resolver = systemResolver, { check = true }: { /** false: resolve only (private targets allowed). */ check?: boolean } = {}): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        for (const { address } of check ? addresses : []) {
          const why = refusedAddress(address);
          if (why) return callback(new RefusedTarget(`refused ${hostname}: ${why}`), '', 4);
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), '', 4);
        // Node ≥ 20 asks for every address (happy eyeballs, `all: true`); older callers for one.
        if (options.all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [...wanted]);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };
}

/** An IP-literal host (`http://127.0.0.1/`, `http://[::1]/`) is connected to without any lookup: checked here. */
export function refusedLiteralHost(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? refusedAddress(bare) : undefined;
}
