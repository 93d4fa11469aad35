/**
 * "This key was revoked": whatever a key holds open (its live streams) listens here and ends.
 * Revoking through this collector's API announces it at once. Other sources (the `affil keys
 * revoke` command in another process, and later other collector instances) reach the same
 * listeners through a feeder that watches the store: see `watchRevocations`.
 */
export interface Revocations {
  announce(keyId: string): void;
  /** Calls `listener` for every revoked key from now on; answers the function that stops it. */
  subscribe(listener: (keyId: string) => void): () => void;
}

export function localRevocations(): Revocations {
  const listeners = new Set<(keyId: string) => void>();
  return {
    announce(keyId) {
      for (const listener of listeners) listener(keyId);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Announces keys revoked in the store by someone else (the CLI, another process) within
 * `intervalMs`. It asks only while `watching()` is true (some key holds a stream open), and only
 * for keys revoked since its last look, so an idle collector does no work here.
 */
export function watchRevocations(
  /** Keys whose revocation time is after `since` (epoch ms). */
  revokedAfter: (since: number) => Promise<{ id: string; revokedAt: number }[]>,
  revocations: Pick<Revocations, 'announce'>,
  watching: () => boolean,
  options: { intervalMs?: number; now?: () => number; log?: (message: string) => void } = {},
): { stop(): void } {
  const now = options.now ?? Date.now;
  let since = now();
  let busy = false;
  const timer = setInterval(() => {
    if (!watching()) {
      since = now();
      return;
    }
    if (busy) return;
    busy = true;
    revokedAfter(since)
      .then((keys) => {
        for (const key of keys) {
          since = Math.max(since, key.revokedAt);
          revocations.announce(key.id);
        }
      })
      .catch((error: unknown) => options.log?.(`revocations: cannot read revoked keys: ${(error as Error).message}`))
      .finally(() => (busy = false));
  }, options.intervalMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
