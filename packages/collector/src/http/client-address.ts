import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from '../config-safety.js';

/** Whether the hop at `address` (the i-th, counting from the socket's peer as 0) may name the one before it. */
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Compiles a `trustProxy` setting the way Express compiles its "trust proxy" (a hop count, or
 * addresses and ranges through proxy-addr), so Express's `req.ip`/`req.protocol` and the plain
 * beacon endpoint agree on who the client is.
 */
export function compileTrust(setting: TrustProxy): TrustFunction {
  if (setting === false || setting === 0) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the address it
 * forwarded (X-Forwarded-For, walked from the right while each hop is trusted). Forwarded headers
 * from an untrusted peer are ignored, so they can never choose a fresh rate-limit bucket.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFunction): string {
  return proxyaddr(req, trust);
}
