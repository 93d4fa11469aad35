/**
 * A log that writes each distinct line once per interval: a failure repeated on every request
 * (a full disk under load) becomes one line and, at the end of the interval, a count of the
 * repeats, instead of megabytes of the same stack.
 */
export interface ThrottledLog {
  (message: string): void;
  /** Writes the counts still pending (at shutdown). */
  flush(): void;
  stop(): void;
}

export function throttledLog(log: (message: string) => void, options: { intervalMs?: number } = {}): ThrottledLog {
  const intervalMs = options.intervalMs ?? 60_000;
  /** Lines written in the current interval, with how often each came again since. */
  let seen = new Map<string, number>();
  const flush = () => {
    const repeats = seen;
    seen = new Map();
    for (const [message, n] of repeats) if (n > 0) log(`${message.split('\n')[0]} (repeated ${n} more time${n === 1 ? '' : 's'} in the last ${Math.round(intervalMs / 1000)} s)`);
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  const write = ((message: string) => {
    const n = seen.get(message);
    if (n === undefined) {
      seen.set(message, 0);
      log(message);
    } else {
      seen.set(message, n + 1);
    }
  }) as ThrottledLog;
  write.flush = flush;
  write.stop = () => clearInterval(timer);
  return write;
}
