import type { Db } from './database.js';
import { accountStore } from './accounts.js';
import { eventStore } from './events.js';
import { orderStore } from './orders.js';
import { reportStore } from './reports.js';
import { breakdownStore } from './breakdowns.js';

/**
 * The one place that speaks SQL. Attribution and report logic see only these plain-value
 * functions, so another backend (PostgreSQL is on the roadmap) replaces this module alone.
 */
export function createRepository(db: Db) {
  const probe = db.prepare("INSERT INTO settings (key, value) VALUES ('health_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  return {
    accounts: accountStore(db),
    events: eventStore(db),
    orders: orderStore(db),
    reports: { ...reportStore(db), ...breakdownStore(db) },
    /** Runs `fn` in one transaction: all of its writes land, or none. */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    /** True when the database answers a query. */
    ping: (): boolean => (db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1,
    /** Writes one tiny row (the time of the last health check); throws when the store takes no writes. */
    probeWrite: (at: number): void => void probe.run(String(at)),
    close: (): void => {
      db.close();
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
