import type { ProgramConfig } from '../config.js';
import type { Marketplace } from '../domain/marketplace.js';
import type { Repository } from '../db/repository.js';
import type { Observer } from '../http/metrics.js';
import type { Revocations } from './revocations.js';

/** What every service needs: the program's rules, the store and a clock. */
export interface Context {
  program: ProgramConfig;
  repo: Repository;
  now: () => number;
  /** Signing secrets for order callbacks; the first signs, any verifies. */
  webhookSecrets: string[];
  /** Publishes live updates (clicks, orders, adjustments) to `/v1/stream` listeners. */
  publish: (event: LiveEvent) => void;
  /** Counts what happens, for `/metrics`. */
  observe: Observer;
  /** Where a revoked key is announced, so what it holds open ends (absent in one-off CLI commands). */
  revocations?: Revocations;
}

export type LiveEvent =
  | { type: 'click'; accountId: string | null; data: unknown }
  | { type: 'order'; accountId: string | null; data: unknown }
  | { type: 'adjustment'; accountId: string | null; data: unknown };

export function marketplaceById(program: ProgramConfig, id: string): Marketplace | undefined {
  return program.marketplaces.find((m) => m.id === id);
}
