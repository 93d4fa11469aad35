import type { Storage } from './storage/port.js';
import { oldestKeptSaltDay } from './domain/integrity/visitor.js';

const HOUR = 3_600_000;

/**
 * Purges raw events older than `retentionDays`, hourly and once at start, a few thousand rows
 * per transaction with a yield between, so ingest never waits long. Reports read the per-day
 * totals and keep their numbers. Integrity: visitor-hash salts go 48 h after their day began (so
 * nobody can link that day's hashes to an address any more), sign-in visitor rows with raw events.
 */
export function startRetention(storage: Pick<Storage, 'events' | 'exclusive' | 'integrity'> & Partial<Pick<Storage, 'outbox'>>, retentionDays: number, now: () => number, log: (m: string) => void): { stop(): void; runOnce(): Promise<number> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** One instance at a time purges (the others skip this round); answers how many rows went. */
  async function runOnce(): Promise<number> {
    return (await storage.exclusive('retention', purge)) ?? 0;
  }
  async function purge(): Promise<number> {
    const before = now() - retentionDays * 24 * HOUR;
    let total = 0;
    try {
      total += await storage.integrity.purgeSalts(oldestKeptSaltDay(now()));
      total += await storage.integrity.purgeKeyVisitors(before);
    } catch (error) {
      log(`retention: purging visitor salts failed: ${(error as Error).message}`);
    }
    for (;;) {
      if (stopped) return total;
      let removed: number;
      try {
        removed = await storage.events.purgeBefore(before);
      } catch (error) {
        log(`retention: purge failed: ${(error as Error).message}`);
        return total;
      }
      total += removed;
      if (removed === 0) return total + (await purgeOutbox(before));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  /** Delivered webhooks and postbacks past retention, with their attempts (failed ones are kept). */
  async function purgeOutbox(before: number): Promise<number> {
    let total = 0;
    while (storage.outbox && !stopped) {
      try {
        const removed = await storage.outbox.purgeDelivered(before);
        if (removed === 0) break;
        total += removed;
      } catch (error) {
        log(`retention: purging delivered events failed: ${(error as Error).message}`);
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
  /**
   * A round the timer starts has no caller to answer: a failure is logged and the next round
   * comes as usual. Left to reject, it would end the process (an unhandled rejection), as a
   * database outage at the wrong moment once did: `exclusive` cannot take its lock then.
   */
  const scheduled = () =>
    runOnce()
      .catch((error: unknown) => log(`retention: skipped this round (${(error as Error).message})`))
      .finally(() => !stopped && schedule());
  const schedule = () => {
    timer = setTimeout(() => void scheduled(), HOUR);
    timer.unref();
  };
  const first = setTimeout(() => void scheduled(), 1000);
  first.unref();
  return {
    runOnce,
    stop() {
      stopped = true;
      clearTimeout(first);
      clearTimeout(timer);
    },
  };
}
