import type { Db } from './database.js';
import type { EventType } from '../domain/events-out/payloads.js';
import type {
  AttemptRow, ClaimedDelivery, DeliveryOutcome, DeliveryStatus, DeliveryView, NewDelivery, OutboxEventRow, PostbackRow, TargetKind, WebhookEndpointRow,
} from '../storage/outbox-port.js';

const WEBHOOK = `id, account_id AS accountId, url, events, description, secret, previous_secret AS previousSecret, previous_until AS previousUntil,
  enabled, disabled_at AS disabledAt, disabled_reason AS disabledReason, created_at AS createdAt, updated_at AS updatedAt`;
const POSTBACK = 'id, account_id AS accountId, url_template AS urlTemplate, events, enabled, disabled_reason AS disabledReason, created_at AS createdAt';

type Raw<T> = Omit<T, 'events' | 'enabled'> & { events: string; enabled: number };
const webhook = (r: Raw<WebhookEndpointRow>): WebhookEndpointRow => ({ ...r, events: JSON.parse(r.events) as EventType[], enabled: r.enabled === 1 });
const postback = (r: Raw<PostbackRow>): PostbackRow => ({ ...r, events: JSON.parse(r.events) as EventType[], enabled: r.enabled === 1 });

interface ClaimRaw {
  id: number; eventId: string; eventType: EventType; payload: string; targetKind: TargetKind; targetId: string; url: string | null;
  attempts: number; firstAttemptAt: number; manual: number; endpointUrl: string | null; secret: string | null; previousSecret: string | null; previousUntil: number | null;
}

/** SQL for events out: endpoints, postbacks, the outbox, deliveries and their attempts. */
export function outboxStore(db: Db) {
  const s = {
    insertWebhook: db.prepare(`INSERT INTO webhook_endpoints (id, account_id, url, events, description, secret, previous_secret, previous_until, enabled,
        disabled_at, disabled_reason, created_at, updated_at)
      VALUES (@id, @accountId, @url, @events, @description, @secret, @previousSecret, @previousUntil, @enabled, @disabledAt, @disabledReason, @createdAt, @updatedAt)`),
    updateWebhook: db.prepare(`UPDATE webhook_endpoints SET url = @url, events = @events, description = @description, secret = @secret,
        previous_secret = @previousSecret, previous_until = @previousUntil, enabled = @enabled, disabled_at = @disabledAt, disabled_reason = @disabledReason,
        updated_at = @updatedAt WHERE id = @id`),
    listWebhooksAll: db.prepare<[], Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints ORDER BY created_at, id`),
    listWebhooksOf: db.prepare<{ accountId: string | null }, Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE account_id IS @accountId ORDER BY created_at, id`),
    getWebhook: db.prepare<[string], Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE id = ?`),
    deleteWebhook: db.prepare('DELETE FROM webhook_endpoints WHERE id = ?'),
    cancelTarget: db.prepare(`UPDATE deliveries SET status = 'cancelled', claimed_by = NULL, claimed_until = NULL
      WHERE target_kind = @kind AND target_id = @id AND status IN ('held', 'pending', 'in_flight')`),
    insertPostback: db.prepare(`INSERT INTO postbacks (id, account_id, url_template, events, enabled, disabled_reason, created_at)
      VALUES (@id, @accountId, @urlTemplate, @events, @enabled, @disabledReason, @createdAt)`),
    listPostbacksAll: db.prepare<[], Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks ORDER BY created_at, id`),
    listPostbacksOf: db.prepare<[string], Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE account_id = ? ORDER BY created_at, id`),
    getPostback: db.prepare<[string], Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE id = ?`),
    deletePostback: db.prepare('DELETE FROM postbacks WHERE id = ?'),
    enabledWebhooks: db.prepare<[], Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE enabled = 1`),
    enabledPostbacks: db.prepare<[], Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE enabled = 1`),
    insertEvent: db.prepare(`INSERT INTO outbox_events (id, type, account_id, payload, occurred_at, created_at)
      VALUES (@id, @type, @accountId, @payload, @occurredAt, @now) ON CONFLICT (id) DO NOTHING`),
    insertDelivery: db.prepare(`INSERT INTO deliveries (event_id, target_kind, target_id, url, status, next_attempt_at, created_at)
      VALUES (@eventId, @targetKind, @targetId, @url, @status, @now, @now) ON CONFLICT DO NOTHING`),
    due: db.prepare<{ now: number; limit: number }, { id: number }>(`SELECT id FROM deliveries
      WHERE (status = 'pending' AND next_attempt_at <= @now) OR (status = 'in_flight' AND claimed_until < @now)
      ORDER BY next_attempt_at LIMIT @limit`),
    take: db.prepare(`UPDATE deliveries SET status = 'in_flight', claimed_by = @me, claimed_until = @until, attempts = attempts + 1,
      first_attempt_at = COALESCE(first_attempt_at, @now) WHERE id = @id`),
    claimed: db.prepare<[number], ClaimRaw>(`SELECT d.id, d.event_id AS eventId, e.type AS eventType, e.payload, d.target_kind AS targetKind, d.target_id AS targetId,
        d.url, d.attempts, d.first_attempt_at AS firstAttemptAt, d.manual, w.url AS endpointUrl, w.secret, w.previous_secret AS previousSecret,
        w.previous_until AS previousUntil
      FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
      LEFT JOIN webhook_endpoints w ON d.target_kind = 'webhook' AND w.id = d.target_id
      WHERE d.id = ?`),
    ours: db.prepare<{ id: number; me: string }, { targetKind: TargetKind; targetId: string }>(
      `SELECT target_kind AS targetKind, target_id AS targetId FROM deliveries WHERE id = @id AND claimed_by = @me AND status = 'in_flight'`),
    attempt: db.prepare(`INSERT INTO delivery_attempts (delivery_id, at, duration_ms, status_code, error, response, manual)
      VALUES (@deliveryId, @at, @durationMs, @statusCode, @error, @response, @manual)`),
    settle: db.prepare(`UPDATE deliveries SET status = @status, next_attempt_at = @nextAttemptAt, delivered_at = @deliveredAt, last_status = @statusCode,
      last_error = @error, claimed_by = NULL, claimed_until = NULL, manual = 0 WHERE id = @id`),
    disableWebhook: db.prepare('UPDATE webhook_endpoints SET enabled = 0, disabled_at = @at, disabled_reason = @reason, updated_at = @at WHERE id = @id'),
    disablePostback: db.prepare('UPDATE postbacks SET enabled = 0, disabled_reason = @reason WHERE id = @id'),
    deliveries: db.prepare<{ kind: string; id: string; before: number; limit: number }, Omit<DeliveryView, 'attempts'>>(
      `SELECT d.id, d.event_id AS eventId, e.type, d.status, CASE WHEN d.status IN ('pending', 'in_flight') THEN d.next_attempt_at END AS nextAttemptAt,
          d.created_at AS createdAt, d.delivered_at AS deliveredAt
        FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
        WHERE d.target_kind = @kind AND d.target_id = @id AND d.id < @before ORDER BY d.id DESC LIMIT @limit`),
    attempts: db.prepare<[number], Omit<AttemptRow, 'manual'> & { manual: number }>(
      `SELECT at, duration_ms AS durationMs, status_code AS statusCode, error, response, manual FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`),
    findDelivery: db.prepare<{ kind: string; target: string; id: number }, { status: DeliveryStatus }>(
      'SELECT status FROM deliveries WHERE id = @id AND target_kind = @kind AND target_id = @target'),
    requeue: db.prepare(`UPDATE deliveries SET status = 'pending', next_attempt_at = @now, manual = 1, attempts = 0, first_attempt_at = NULL WHERE id = @id`),
    heldOf: db.prepare<[string], { id: number; targetId: string }>(`SELECT id, target_id AS targetId FROM deliveries WHERE event_id = ? AND status = 'held'`),
    release: db.prepare(`UPDATE deliveries SET status = 'pending', url = @url, next_attempt_at = @now WHERE id = @id AND status = 'held'`),
    purgeDeliveries: db.prepare(`DELETE FROM deliveries WHERE id IN (
      SELECT id FROM deliveries WHERE status = 'delivered' AND delivered_at < ? LIMIT 2000)`),
    purgeEvents: db.prepare(`DELETE FROM outbox_events WHERE id IN (
      SELECT e.id FROM outbox_events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT 2000)`),
    cancelHeld: db.prepare(`UPDATE deliveries SET status = 'cancelled' WHERE event_id = ? AND status = 'held'`),
  };
  /** better-sqlite3's transaction, typed as a plain function (nested in a port transaction it is a savepoint). */
  const tx = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) => {
    const t = db.transaction(fn);
    return (...args: A) => t(...args);
  };
  const asRow = (r: WebhookEndpointRow) => ({ ...r, events: JSON.stringify(r.events), enabled: r.enabled ? 1 : 0 });

  const claim = db.transaction((me: string, now: number, leaseMs: number, limit: number): ClaimedDelivery[] => {
    const ids = s.due.all({ now, limit }).map((r) => r.id);
    const out: ClaimedDelivery[] = [];
    for (const id of ids) {
      s.take.run({ id, me, now, until: now + leaseMs });
      const r = s.claimed.get(id)!;
      const secrets = r.secret ? [r.secret, ...(r.previousSecret && (r.previousUntil ?? 0) > now ? [r.previousSecret] : [])] : [];
      out.push({
        id: r.id, eventId: r.eventId, eventType: r.eventType, payload: r.payload, targetKind: r.targetKind, targetId: r.targetId,
        url: (r.targetKind === 'webhook' ? r.endpointUrl : r.url) ?? '', secrets, attempts: r.attempts, firstAttemptAt: r.firstAttemptAt, manual: r.manual === 1,
      });
    }
    return out;
  });

  const finish = db.transaction((id: number, me: string, a: AttemptRow, o: DeliveryOutcome): boolean => {
    const row = s.ours.get({ id, me });
    if (!row) return false;
    s.attempt.run({ deliveryId: id, ...a, manual: a.manual ? 1 : 0 });
    s.settle.run({
      id, status: o.status, statusCode: a.statusCode, error: a.error,
      nextAttemptAt: o.status === 'pending' ? o.nextAttemptAt : a.at,
      deliveredAt: o.status === 'delivered' ? o.at : null,
    });
    if (o.status === 'failed') {
      (row.targetKind === 'webhook' ? s.disableWebhook : s.disablePostback).run({ id: row.targetId, at: o.at, reason: o.reason });
      s.cancelTarget.run({ kind: row.targetKind, id: row.targetId });
    }
    return true;
  });

  return {
    insertWebhook: (row: WebhookEndpointRow): void => void s.insertWebhook.run(asRow(row)),
    listWebhooks: (accountId?: string | null): WebhookEndpointRow[] =>
      (accountId === undefined ? s.listWebhooksAll.all() : s.listWebhooksOf.all({ accountId })).map(webhook),
    getWebhook: (id: string): WebhookEndpointRow | undefined => {
      const r = s.getWebhook.get(id);
      return r && webhook(r);
    },
    updateWebhook: (row: WebhookEndpointRow): void => void s.updateWebhook.run(asRow(row)),
    deleteWebhook: tx((id: string): boolean => {
      s.cancelTarget.run({ kind: 'webhook', id });
      return s.deleteWebhook.run(id).changes > 0;
    }),
    insertPostback: (row: PostbackRow): void => void s.insertPostback.run({ ...row, events: JSON.stringify(row.events), enabled: row.enabled ? 1 : 0 }),
    listPostbacks: (accountId?: string): PostbackRow[] => (accountId === undefined ? s.listPostbacksAll.all() : s.listPostbacksOf.all(accountId)).map(postback),
    getPostback: (id: string): PostbackRow | undefined => {
      const r = s.getPostback.get(id);
      return r && postback(r);
    },
    deletePostback: tx((id: string): boolean => {
      s.cancelTarget.run({ kind: 'postback', id });
      return s.deletePostback.run(id).changes > 0;
    }),
    subscribers: (type: EventType) => ({
      webhooks: s.enabledWebhooks.all().map(webhook).filter((w) => w.events.includes(type)),
      postbacks: s.enabledPostbacks.all().map(postback).filter((p) => p.events.includes(type)),
    }),
    anySubscriber: (type: EventType): boolean =>
      s.enabledWebhooks.all().some((w) => (JSON.parse(w.events) as string[]).includes(type)) ||
      s.enabledPostbacks.all().some((p) => (JSON.parse(p.events) as string[]).includes(type)),
    enqueue: tx((event: OutboxEventRow, deliveries: readonly NewDelivery[], now: number): boolean => {
      if (s.insertEvent.run({ ...event, now }).changes === 0) return false;
      for (const d of deliveries) s.insertDelivery.run({ ...d, eventId: event.id, now });
      return true;
    }),
    claim: (instance: string, now: number, leaseMs: number, limit: number): ClaimedDelivery[] => claim(instance, now, leaseMs, limit),
    finish: (id: number, instance: string, attempt: AttemptRow, outcome: DeliveryOutcome): boolean => finish(id, instance, attempt, outcome),
    deliveries: (kind: TargetKind, targetId: string, limit: number, before?: number): DeliveryView[] =>
      s.deliveries.all({ kind, id: targetId, limit, before: before ?? Number.MAX_SAFE_INTEGER }).map((d) => ({
        ...d,
        attempts: s.attempts.all(d.id).map((a) => ({ ...a, manual: a.manual === 1 })),
      })),
    retry: (kind: TargetKind, targetId: string, deliveryId: number, now: number): 'queued' | 'not_found' | 'busy' => {
      const row = s.findDelivery.get({ kind, target: targetId, id: deliveryId });
      if (!row) return 'not_found';
      if (row.status !== 'failed' && row.status !== 'delivered' && row.status !== 'cancelled') return 'busy';
      s.requeue.run({ id: deliveryId, now });
      return 'queued';
    },
    purgeDelivered: tx((before: number): number => s.purgeDeliveries.run(before).changes + s.purgeEvents.run(before).changes),
    releaseHeld: tx((eventId: string, urls: ReadonlyMap<string, string> | 'cancel', now: number): number => {
      if (urls === 'cancel') return s.cancelHeld.run(eventId).changes;
      let n = 0;
      for (const h of s.heldOf.all(eventId)) {
        const url = urls.get(h.targetId);
        if (url) n += s.release.run({ id: h.id, url, now }).changes;
      }
      return n;
    }),
  };
}
