import type { EventType } from '../../domain/events-out/payloads.js';
import type {
  AttemptRow, ClaimedDelivery, DeliveryStatus, DeliveryView, OutboxStore, PostbackRow, TargetKind, WebhookEndpointRow,
} from '../outbox-port.js';
import type { Sql } from './sql.js';

const WEBHOOK = `id, account_id AS "accountId", url, events, description, secret, previous_secret AS "previousSecret", previous_until AS "previousUntil",
  enabled, disabled_at AS "disabledAt", disabled_reason AS "disabledReason", created_at AS "createdAt", updated_at AS "updatedAt"`;
const POSTBACK = 'id, account_id AS "accountId", url_template AS "urlTemplate", events, enabled, disabled_reason AS "disabledReason", created_at AS "createdAt"';

type Raw<T> = Omit<T, 'events'> & { events: string };
const webhook = (r: Raw<WebhookEndpointRow>): WebhookEndpointRow => ({ ...r, events: JSON.parse(r.events) as EventType[] });
const postback = (r: Raw<PostbackRow>): PostbackRow => ({ ...r, events: JSON.parse(r.events) as EventType[] });
const params = (r: WebhookEndpointRow) => ({ ...r, events: JSON.stringify(r.events) });

/**
 * Claims due rows in one statement. Rows another instance is claiming at the same moment are
 * skipped, not waited on (FOR UPDATE SKIP LOCKED), so each row goes to one instance; a row whose
 * lease ran out (its instance died) is due again.
 */
const CLAIM = `WITH due AS (
    SELECT id FROM deliveries
     WHERE status IN ('pending', 'in_flight')
       AND ((status = 'pending' AND next_attempt_at <= @now) OR (status = 'in_flight' AND claimed_until < @now))
     ORDER BY next_attempt_at LIMIT @limit
     FOR UPDATE SKIP LOCKED
  ), taken AS (
    UPDATE deliveries d SET status = 'in_flight', claimed_by = @me, claimed_until = @until, attempts = d.attempts + 1,
           first_attempt_at = COALESCE(d.first_attempt_at, @now)
      FROM due WHERE d.id = due.id
    RETURNING d.id, d.event_id, d.target_kind, d.target_id, d.url, d.attempts, d.first_attempt_at, d.manual
  )
  SELECT t.id, t.event_id AS "eventId", e.type AS "eventType", e.payload, t.target_kind AS "targetKind", t.target_id AS "targetId", t.url,
         t.attempts, t.first_attempt_at AS "firstAttemptAt", t.manual, w.url AS "endpointUrl", w.secret, w.previous_secret AS "previousSecret",
         w.previous_until AS "previousUntil"
    FROM taken t JOIN outbox_events e ON e.id = t.event_id
    LEFT JOIN webhook_endpoints w ON t.target_kind = 'webhook' AND w.id = t.target_id
   ORDER BY t.id`;

const CANCEL_TARGET = `UPDATE deliveries SET status = 'cancelled', claimed_by = NULL, claimed_until = NULL
  WHERE target_kind = @kind AND target_id = @id AND status IN ('held', 'pending', 'in_flight')`;

/** SQL for events out: endpoints, postbacks, the outbox, deliveries and their attempts. */
export function outboxStore(sql: Sql, options: { inTransaction?: boolean } = {}): OutboxStore {
  // Both lists asked for together: inside a transaction they share one round trip, and are read
  // once per transaction (an order's callback asks early, with its other reads, and again when
  // it records its events).
  let read: Promise<{ webhooks: WebhookEndpointRow[]; postbacks: PostbackRow[] }> | undefined;
  const enabled = () => {
    if (read) return read;
    const fresh = Promise.all([
      sql.all<Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE enabled`),
      sql.all<Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE enabled`),
    ]).then(([webhooks, postbacks]) => ({ webhooks: webhooks.map(webhook), postbacks: postbacks.map(postback) }));
    if (options.inTransaction) {
      read = fresh;
      fresh.catch(() => (read = undefined));
    }
    return fresh;
  };
  return {
    insertWebhook: async (row) => {
      await sql.run(`INSERT INTO webhook_endpoints (id, account_id, url, events, description, secret, previous_secret, previous_until, enabled,
          disabled_at, disabled_reason, created_at, updated_at)
        VALUES (@id, @accountId, @url, @events, @description, @secret, @previousSecret, @previousUntil, @enabled, @disabledAt, @disabledReason, @createdAt, @updatedAt)`, params(row));
    },
    listWebhooks: async (accountId) => {
      const rows = accountId === undefined
        ? await sql.all<Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints ORDER BY created_at, id`)
        : await sql.all<Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE account_id IS NOT DISTINCT FROM @accountId::text ORDER BY created_at, id`, { accountId });
      return rows.map(webhook);
    },
    getWebhook: async (id) => {
      const r = await sql.get<Raw<WebhookEndpointRow>>(`SELECT ${WEBHOOK} FROM webhook_endpoints WHERE id = @id`, { id });
      return r && webhook(r);
    },
    updateWebhook: async (row) => {
      await sql.run(`UPDATE webhook_endpoints SET url = @url, events = @events, description = @description, secret = @secret,
          previous_secret = @previousSecret, previous_until = @previousUntil, enabled = @enabled, disabled_at = @disabledAt, disabled_reason = @disabledReason,
          updated_at = @updatedAt WHERE id = @id`, params(row));
    },
    deleteWebhook: (id) =>
      sql.atomic(async (s) => {
        await s.run(CANCEL_TARGET, { kind: 'webhook', id });
        return (await s.run('DELETE FROM webhook_endpoints WHERE id = @id', { id })) > 0;
      }),
    insertPostback: async (row) => {
      await sql.run(`INSERT INTO postbacks (id, account_id, url_template, events, enabled, disabled_reason, created_at)
        VALUES (@id, @accountId, @urlTemplate, @events, @enabled, @disabledReason, @createdAt)`, { ...row, events: JSON.stringify(row.events) });
    },
    listPostbacks: async (accountId) => {
      const rows = accountId === undefined
        ? await sql.all<Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks ORDER BY created_at, id`)
        : await sql.all<Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE account_id = @accountId ORDER BY created_at, id`, { accountId });
      return rows.map(postback);
    },
    getPostback: async (id) => {
      const r = await sql.get<Raw<PostbackRow>>(`SELECT ${POSTBACK} FROM postbacks WHERE id = @id`, { id });
      return r && postback(r);
    },
    deletePostback: (id) =>
      sql.atomic(async (s) => {
        await s.run(CANCEL_TARGET, { kind: 'postback', id });
        return (await s.run('DELETE FROM postbacks WHERE id = @id', { id })) > 0;
      }),
    subscribers: async (type) => {
      const all = await enabled();
      return { webhooks: all.webhooks.filter((w) => w.events.includes(type)), postbacks: all.postbacks.filter((p) => p.events.includes(type)) };
    },
    anySubscriber: async (type) => {
      const all = await enabled();
      return all.webhooks.some((w) => w.events.includes(type)) || all.postbacks.some((p) => p.events.includes(type));
    },
    enqueue: (event, deliveries, now) =>
      sql.atomic(async (s) => {
        const inserted = await s.run(`INSERT INTO outbox_events (id, type, account_id, payload, occurred_at, created_at)
          VALUES (@id, @type, @accountId, @payload, @occurredAt, @now) ON CONFLICT (id) DO NOTHING`, { ...event, now });
        if (inserted === 0) return false;
        if (deliveries.length > 0) {
          await s.run(`INSERT INTO deliveries (event_id, target_kind, target_id, url, status, next_attempt_at, created_at)
            SELECT @eventId, * , @now::bigint, @now::bigint FROM unnest(@kind::text[], @target::text[], @url::text[], @status::text[])
            ON CONFLICT DO NOTHING`, {
            eventId: event.id, now,
            kind: deliveries.map((d) => d.targetKind), target: deliveries.map((d) => d.targetId), url: deliveries.map((d) => d.url), status: deliveries.map((d) => d.status),
          });
        }
        return true;
      }),
    claim: async (me, now, leaseMs, limit) => {
      const rows = await sql.all<{
        id: number; eventId: string; eventType: EventType; payload: string; targetKind: TargetKind; targetId: string; url: string | null; attempts: number;
        firstAttemptAt: number; manual: boolean; endpointUrl: string | null; secret: string | null; previousSecret: string | null; previousUntil: number | null;
      }>(CLAIM, { me, now, until: now + leaseMs, limit });
      return rows.map((r): ClaimedDelivery => ({
        id: r.id, eventId: r.eventId, eventType: r.eventType, payload: r.payload, targetKind: r.targetKind, targetId: r.targetId,
        url: (r.targetKind === 'webhook' ? r.endpointUrl : r.url) ?? '',
        secrets: r.secret ? [r.secret, ...(r.previousSecret && (r.previousUntil ?? 0) > now ? [r.previousSecret] : [])] : [],
        attempts: r.attempts, firstAttemptAt: r.firstAttemptAt, manual: r.manual,
      }));
    },
    finish: (id, me, a, o) =>
      sql.atomic(async (s) => {
        const row = await s.get<{ targetKind: TargetKind; targetId: string }>(
          `SELECT target_kind AS "targetKind", target_id AS "targetId" FROM deliveries WHERE id = @id AND claimed_by = @me AND status = 'in_flight' FOR UPDATE`, { id, me });
        if (!row) return false;
        await s.run(`INSERT INTO delivery_attempts (delivery_id, at, duration_ms, status_code, error, response, manual)
          VALUES (@id, @at, @durationMs, @statusCode, @error, @response, @manual)`, { id, ...a });
        await s.run(`UPDATE deliveries SET status = @status, next_attempt_at = @nextAttemptAt, delivered_at = @deliveredAt, last_status = @statusCode,
            last_error = @error, claimed_by = NULL, claimed_until = NULL, manual = false WHERE id = @id`, {
          id, status: o.status, statusCode: a.statusCode, error: a.error,
          nextAttemptAt: o.status === 'pending' ? o.nextAttemptAt : a.at, deliveredAt: o.status === 'delivered' ? o.at : null,
        });
        if (o.status === 'failed') {
          if (row.targetKind === 'webhook') await s.run('UPDATE webhook_endpoints SET enabled = false, disabled_at = @at, disabled_reason = @reason, updated_at = @at WHERE id = @id', { id: row.targetId, at: o.at, reason: o.reason });
          else await s.run('UPDATE postbacks SET enabled = false, disabled_reason = @reason WHERE id = @id', { id: row.targetId, reason: o.reason });
          await s.run(CANCEL_TARGET, { kind: row.targetKind, id: row.targetId });
        }
        return true;
      }),
    deliveries: async (kind, targetId, limit, before) => {
      const rows = await sql.all<Omit<DeliveryView, 'attempts'>>(
        `SELECT d.id, d.event_id AS "eventId", e.type, d.status, CASE WHEN d.status IN ('pending', 'in_flight') THEN d.next_attempt_at END AS "nextAttemptAt",
            d.created_at AS "createdAt", d.delivered_at AS "deliveredAt"
          FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
          WHERE d.target_kind = @kind AND d.target_id = @targetId AND d.id < @before ORDER BY d.id DESC LIMIT @limit`,
        { kind, targetId, limit, before: before ?? Number.MAX_SAFE_INTEGER });
      if (rows.length === 0) return [];
      const attempts = await sql.all<AttemptRow & { deliveryId: number }>(
        `SELECT delivery_id AS "deliveryId", at, duration_ms AS "durationMs", status_code AS "statusCode", error, response, manual
          FROM delivery_attempts WHERE delivery_id = ANY(@ids::bigint[]) ORDER BY id`, { ids: rows.map((r) => r.id) });
      return rows.map((r) => ({ ...r, attempts: attempts.filter((a) => a.deliveryId === r.id).map(({ deliveryId: _d, ...a }) => a) }));
    },
    retry: async (kind, targetId, deliveryId, now) => {
      const row = await sql.get<{ status: DeliveryStatus }>('SELECT status FROM deliveries WHERE id = @id AND target_kind = @kind AND target_id = @targetId', { id: deliveryId, kind, targetId });
      if (!row) return 'not_found';
      const n = await sql.run(`UPDATE deliveries SET status = 'pending', next_attempt_at = @now, manual = true, attempts = 0, first_attempt_at = NULL
        WHERE id = @id AND status IN ('failed', 'delivered', 'cancelled')`, { id: deliveryId, now });
      return n > 0 ? 'queued' : 'busy';
    },
    purgeDelivered: (before) =>
      sql.atomic(async (s) => {
        const deliveries = await s.run(`DELETE FROM deliveries WHERE id IN (
          SELECT id FROM deliveries WHERE status = 'delivered' AND delivered_at < @before LIMIT 2000)`, { before });
        const events = await s.run(`DELETE FROM outbox_events WHERE id IN (
          SELECT e.id FROM outbox_events e WHERE e.created_at < @before AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT 2000)`, { before });
        return deliveries + events;
      }),
    releaseHeld: async (eventId, urls, now) => {
      if (urls === 'cancel') return sql.run(`UPDATE deliveries SET status = 'cancelled' WHERE event_id = @eventId AND status = 'held'`, { eventId });
      const ids = [...urls.keys()];
      return sql.run(`UPDATE deliveries d SET status = 'pending', url = u.url, next_attempt_at = @now
          FROM unnest(@ids::text[], @urls::text[]) AS u(target_id, url)
         WHERE d.event_id = @eventId AND d.status = 'held' AND d.target_kind = 'postback' AND d.target_id = u.target_id`,
        { eventId, now, ids, urls: ids.map((i) => urls.get(i)!) });
    },
  };
}
