import { StorageUnavailable } from '../errors.js';

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

/** Errors that are the store's, not the request's (adapters throw `StorageUnavailable` for them). */
export function isStorageFailure(error: unknown): error is StorageUnavailable {
  return error instanceof StorageUnavailable;
}

export function writeHealth(options: { now?: () => number; windowMs?: number } = {}): WriteHealth {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 10_000;
  let last: { reason: string; at: number } | undefined;
  return {
    failed(error) {
      if (!isStorageFailure(error)) return false;
      last = { reason: `${error.reason}: ${error.message}`, at: now() };
      return true;
    },
    recentFailure: () => (last && now() - last.at <= windowMs ? last : undefined),
  };
}
