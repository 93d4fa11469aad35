/**
 * The outbox store (issue 20, SPEC §10 "Events out"): webhook endpoints, postbacks, outbox events,
 * one delivery per (event, target), and every attempt. Deliveries are claimed with a lease so
 * several instances deliver each event once, and a crashed instance's rows are taken again once
 * its lease has run out (at-least-once).
 */
import type { EventType } from '../domain/events-out/payloads.js';

export interface WebhookEndpointRow {
  id: string;
  /** null: program-wide (the admin's), every account's events. */
  accountId: string | null;
  url: string;
  events: EventType[];
  description: string | null;
  secret: string;
  previousSecret: string | null;
  previousUntil: number | null;
  enabled: boolean;
  disabledAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface PostbackRow {
  id: string;
  accountId: string;
  urlTemplate: string;
  events: EventType[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
}

export type TargetKind = 'webhook' | 'postback';
export type DeliveryStatus = 'held' | 'pending' | 'in_flight' | 'delivered' | 'failed' | 'cancelled';

export interface OutboxEventRow { id: string; type: EventType; accountId: string | null; payload: string; occurredAt: number }

/** A delivery to make when the event is new: postbacks carry their rendered URL. */
export interface NewDelivery { targetKind: TargetKind; targetId: string; url: string | null; status: 'pending' | 'held' }

/** A row this instance now holds (`in_flight`, leased), with what sending it needs. */
export interface ClaimedDelivery {
  id: number;
  eventId: string;
  eventType: EventType;
  payload: string;
  targetKind: TargetKind;
  targetId: string;
  /** Where to send: the endpoint's URL, or the postback's rendered URL. */
  url: string;
  /** Webhooks: current secret, then the previous one while it still signs. */
  secrets: string[];
  /** Attempts so far, this one included. */
  attempts: number;
  firstAttemptAt: number;
  /** This attempt was asked for by hand (`POST …/retry`). */
  manual: boolean;
}

export interface AttemptRow { at: number; durationMs: number; statusCode: number | null; error: string | null; response: string | null; manual: boolean }

export type DeliveryOutcome =
  | { status: 'delivered'; at: number }
  | { status: 'pending'; nextAttemptAt: number }
  /** Given up: the delivery fails and its target is disabled with `reason`. */
  | { status: 'failed'; at: number; reason: string };

export interface DeliveryView {
  id: number;
  eventId: string;
  type: EventType;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
  attempts: AttemptRow[];
}

export interface OutboxStore {
  insertWebhook(row: WebhookEndpointRow): Promise<void>;
  /** `accountId` undefined: every endpoint; null: program-wide ones; else that account's. */
  listWebhooks(accountId?: string | null): Promise<WebhookEndpointRow[]>;
  getWebhook(id: string): Promise<WebhookEndpointRow | undefined>;
  updateWebhook(row: WebhookEndpointRow): Promise<void>;
  /** Deletes the endpoint; its unsent deliveries are cancelled (kept in no log: the target is gone). */
  deleteWebhook(id: string): Promise<boolean>;
  insertPostback(row: PostbackRow): Promise<void>;
  listPostbacks(accountId?: string): Promise<PostbackRow[]>;
  getPostback(id: string): Promise<PostbackRow | undefined>;
  deletePostback(id: string): Promise<boolean>;
  /** Enabled endpoints and postbacks that listed `type` (the caller checks accounts with the domain). */
  subscribers(type: EventType): Promise<{ webhooks: WebhookEndpointRow[]; postbacks: PostbackRow[] }>;
  /**
   * Stores the event and its deliveries (`next_attempt_at = now`), in the caller's transaction.
   * False when the event id was already stored (a replay): nothing is written.
   */
  enqueue(event: OutboxEventRow, deliveries: readonly NewDelivery[], now: number): Promise<boolean>;
  /**
   * Moves up to `limit` due rows (pending and due, or in flight past their lease) to `in_flight`
   * under `instance` until `now + leaseMs`, counting the attempt. PostgreSQL skips rows another
   * instance is claiming (SKIP LOCKED); SQLite's writes are serialized.
   */
  claim(instance: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Records an attempt and its outcome, only while the row is still `in_flight` under `instance`
   * (false otherwise: the lease ran out and another instance took it). `failed` also disables the
   * target with the reason and cancels its other unsent deliveries.
   */
  finish(id: number, instance: string, attempt: AttemptRow, outcome: DeliveryOutcome): Promise<boolean>;
  /** A target's deliveries, newest first, with their attempts; `before`: a delivery id (paging). */
  deliveries(kind: TargetKind, targetId: string, limit: number, before?: number): Promise<DeliveryView[]>;
  /** `failed` or `delivered` → `pending` now, the next attempt marked manual. False: no such row, or not in such a state. */
  retry(kind: TargetKind, targetId: string, deliveryId: number, now: number): Promise<'queued' | 'not_found' | 'busy'>;
  /** Held postback deliveries of an event: released with their re-rendered URLs (by postback id), or cancelled. */
  releaseHeld(eventId: string, urls: ReadonlyMap<string, string> | 'cancel', now: number): Promise<number>;
  /**
   * Retention: up to a batch of delivered deliveries (their attempts with them) delivered before
   * `before`, then events older than it with no delivery left; answers how many rows went. Failed
   * ones stay until their target is deleted. Call again until 0.
   */
  purgeDelivered(before: number): Promise<number>;
  /** Whether any enabled endpoint or postback lists `type` (a cheap check for opt-in events). */
  anySubscriber(type: EventType): Promise<boolean>;
}
