/**
 * Whether the store takes writes. Reads keep working on a full disk, so "the database answers"
 * is not health: a write that failed for a storage reason (disk full, I/O error, read-only file)
 * is recorded here, `/healthz` reports it, and requests that write are answered 503.
 */
export interface WriteHealth {
  /** Records `error` when it is a storage failure; answers whether it was one. */
  failed(error: unknown): boolean;
  /** The last storage failure within `windowMs`, if any. */
  recentFailure(): { reason: string; at: number } | undefined;
}

/** Codes of errors that are the store's, not the request's: the same request may work later. */
export function isStorageFailure(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // SQLite: everything but a broken constraint (our bug) and a misuse (also ours).
  if (code.startsWith('SQLITE_')) return !code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISUSE' && code !== 'SQLITE_ERROR';
  return ['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG'].includes(code);
}

export function writeHealth(options: { now?: () => number; windowMs?: number } = {}): WriteHealth {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 10_000;
  let last: { reason: string; at: number } | undefined;
  return {
    failed(error) {
      if (!isStorageFailure(error)) return false;
      last = { reason: `${error.code}: ${error.message}`, at: now() };
      return true;
    },
    recentFailure: () => (last && now() - last.at <= windowMs ? last : undefined),
  };
}
