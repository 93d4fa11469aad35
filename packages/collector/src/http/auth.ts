import type { Request, RequestHandler } from 'express';
import { Problem } from '../errors.js';
import { hashKey, sameHash } from '../secrets.js';
import type { Principal } from '../services/principal.js';

/** What authentication needs to know of a key: its hash's row (the accounts store answers it). */
export type KeyLookup = (hash: string) => Promise<{ id: string; accountId: string | null; role: 'admin' | 'account'; revokedAt: number | null } | undefined>;

/** Resolves `Authorization: Bearer <key>` to a principal, or answers 401. */
export function authenticate(keyByHash: KeyLookup, envAdminKeyHash: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) return next(new Problem('unauthorized', 'Send an API key as "Authorization: Bearer <key>"', { headers: { 'WWW-Authenticate': 'Bearer' } }));
    const hash = hashKey(match[1]!);
    if (envAdminKeyHash && sameHash(hash, envAdminKeyHash)) {
      res.locals.principal = { role: 'admin', keyId: 'env' } satisfies Principal;
      return next();
    }
    const key = await keyByHash(hash);
    if (!key || key.revokedAt !== null) return next(new Problem('unauthorized', 'Unknown or revoked API key', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }));
    res.locals.principal = (key.role === 'admin' ? { role: 'admin', keyId: key.id } : { role: 'account', keyId: key.id, accountId: key.accountId! }) satisfies Principal;
    next();
  };
}

export const principalOf = (res: { locals: Record<string, unknown> }): Principal => res.locals.principal as Principal;

/**
 * Admin-only endpoints answer an account key `403`, naming what is missing; one naming another
 * account answers `404` first, as if that account did not exist (SPEC §4.3).
 */
export const adminOnly: RequestHandler = (req, res, next) => {
  const principal = principalOf(res);
  if (principal.role === 'admin') return next();
  const id = req.params.id as string | undefined;
  if (id !== undefined && id !== principal.accountId) return next(new Problem('not_found', `No account "${id}"`));
  next(new Problem('forbidden', `${req.method} ${req.path} needs the admin key`));
};

export type { Request };
