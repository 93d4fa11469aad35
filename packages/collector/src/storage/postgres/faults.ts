import { Problem, StorageUnavailable, UsageError } from '../../errors.js';

/** Socket-level failures: the database is down, restarting or unreachable. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/**
 * SQLSTATEs that mean "not now": 08 connection exceptions, 57P01–03 (shutting down, crash
 * recovery, not yet accepting connections), 53300 (too many connections), 57014 (statement
 * timeout or cancel), 55P03 (lock not available within lock_timeout).
 */
const TRANSIENT = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);
/** node-postgres and pg-pool say these in words, without a code. */
const TRANSIENT_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|connection (?:ended|closed)|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|not queryable|Query read timeout/i;

/** True when `error` says the database cannot be reached right now (a 503 to retry, not a bug). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailable) return true;
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK.has(code) || TRANSIENT.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && TRANSIENT_MESSAGE.test(message);
}

/**
 * What a failed statement becomes for the layers above: a 503 (`StorageUnavailable`, retry in
 * 2 s) when the database is away, a 400 for text PostgreSQL refuses (U+0000 that slipped past the
 * parameter check), a 422 for a number past int8, else the error itself (a bug: a 500).
 */
export function storageError(error: unknown): unknown {
  if (error instanceof Problem) return error;
  if (isUnavailable(error)) {
    const { code, message } = error as { code?: string; message?: string };
    const why = code === '57014' ? 'a statement ran past its timeout' : code === '53300' ? 'it has no free connection' : (message ?? String(code)).split('\n')[0];
    return new StorageUnavailable(`The database is unavailable right now (${why}); nothing was recorded, retry shortly`, {
      retryAfter: 2,
      reason: code ?? 'unavailable',
      cause: error,
    });
  }
  const { code } = (error ?? {}) as { code?: string };
  if (code === '22021' || code === '22P05') return new Problem('invalid_request', 'A text value contains U+0000 (a NUL character), which cannot be stored; remove it');
  if (code === '22003') return new Problem('unprocessable', 'A number is beyond the range the database stores (−2^63 … 2^63 − 1)');
  return error;
}

/**
 * At start, a database that cannot be used is a configuration mistake: one line naming the
 * server and the reason, exit 2. Never the password.
 */
export function startError(target: string, error: unknown): UsageError {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ECONNRESET: 'connection reset',
    '28P01': 'password authentication failed',
    '28000': (message ?? 'authorization failed').split('\n')[0] as string,
    '3D000': (message ?? 'database does not exist').split('\n')[0] as string,
    '57P03': 'the server is starting up or shutting down',
    '53300': 'too many connections',
  };
  const reason = (code && reasons[code]) ?? (message ?? String(error)).split('\n')[0];
  return new UsageError(`cannot use PostgreSQL ${target}: ${reason}`);
}
