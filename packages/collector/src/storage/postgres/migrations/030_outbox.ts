/**
 * Events out (issue 20): webhook endpoints, postbacks, the outbox, one delivery per (event,
 * target) and the attempts log. The same tables and columns as SQLite's migration 030; `events`
 * is a JSON text array on both, `payload` text (not jsonb: the signed bytes must not be re-serialised).
 */
export const name = 'outbox';

export const sql = `
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  account_id text REFERENCES accounts(id) ON DELETE CASCADE,
  url text NOT NULL,
  events text NOT NULL,
  description text,
  secret text NOT NULL,
  previous_secret text,
  previous_until bigint,
  enabled boolean NOT NULL DEFAULT true,
  disabled_at bigint,
  disabled_reason text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints(account_id);

CREATE TABLE postbacks (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  url_template text NOT NULL,
  events text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  created_at bigint NOT NULL
);
CREATE INDEX postbacks_account ON postbacks(account_id);

CREATE TABLE outbox_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  account_id text,
  payload text NOT NULL,
  occurred_at bigint NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL REFERENCES outbox_events(id),
  target_kind text NOT NULL CHECK (target_kind IN ('webhook', 'postback')),
  target_id text NOT NULL,
  url text,
  status text NOT NULL CHECK (status IN ('held', 'pending', 'in_flight', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  first_attempt_at bigint,
  next_attempt_at bigint NOT NULL,
  manual boolean NOT NULL DEFAULT false,
  claimed_by text,
  claimed_until bigint,
  last_status integer,
  last_error text,
  delivered_at bigint,
  created_at bigint NOT NULL,
  UNIQUE (event_id, target_kind, target_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status IN ('pending', 'in_flight');
CREATE INDEX deliveries_target ON deliveries(target_kind, target_id, id DESC);
CREATE INDEX deliveries_event ON deliveries(event_id) WHERE status = 'held';

CREATE TABLE delivery_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  at bigint NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  response text,
  manual boolean NOT NULL DEFAULT false
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);
`;
