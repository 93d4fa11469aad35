import type { ProgramConfig } from '../domain/program.js';
import type { Marketplace } from '../domain/marketplace.js';
import type { Storage } from '../storage/port.js';
import type { Revocations } from './revocations.js';

/** What services count, for `/metrics` (the HTTP layer implements it). */
export interface Observer {
  events(counts: { accepted: number; duplicates: number; rejected: number }): void;
  order(attributed: boolean): void;
  ledgerEntries(kind: 'shipment' | 'return' | 'reversal', count: number): void;
}

/** What every service needs: the program's rules, the store and a clock. */
export interface Context {
  program: ProgramConfig;
  storage: Storage;
  now: () => number;
  /** Signing secrets for order callbacks; the first signs, any verifies. */
  webhookSecrets: string[];
  /** Publishes live updates (clicks, orders, adjustments) to `/v1/stream` listeners, on every instance. */
  publish: (event: LiveEvent) => void;
  /** Counts what happens, for `/metrics`. */
  observe: Observer;
  /** Where a revoked key is announced, so what it holds open ends (absent in one-off CLI commands). */
  revocations?: Revocations;
  /** Money out's seams: integrity holds (issue 19) and events out (issue 20); defaults do nothing. */
  moneyOut?: MoneyOutHooks;
  /** Told after an integrity review decision commits (issue 20's outbox injects it; absent: nobody). */
  notify?: (event: ReviewEvent) => void | Promise<void>;
}

/** What money out asks of other features. */
export interface MoneyOutHooks {
  /** Which of these orders are on an integrity hold (their entries count in `onHold`, never payable). Default: none. */
  heldOrders?: (orderIds: string[]) => Promise<Set<string>>;
  /** Called after a payout is created or marked paid. Default: nothing. */
  notify?: (event: { type: 'payout.created' | 'payout.paid'; data: unknown }) => void | Promise<void>;
}

export type LiveEvent =
  | { type: 'click'; accountId: string | null; data: unknown }
  | { type: 'order'; accountId: string | null; data: unknown }
  | { type: 'adjustment'; accountId: string | null; data: unknown };

export function marketplaceById(program: ProgramConfig, id: string): Marketplace | undefined {
  return program.marketplaces.find((m) => m.id === id);
}

/** What an integrity review decision tells `Context.notify` once it has committed. */
export interface ReviewEvent { type: 'order.reviewed'; orderId: string; accountId: string | null; decision: 'release' | 'reject'; status: string; at: string }
