/** The first schema: program, tracking events, orders and the append-only ledger. Times are epoch ms. */
export const name = 'initial';

export const sql = `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE accounts (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  account_id TEXT REFERENCES accounts(id),
  role       TEXT NOT NULL CHECK (role IN ('admin', 'account')),
  key_hash   TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE tags (
  tag         TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  marketplace TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tags_by_account ON tags (account_id, marketplace);

CREATE TABLE clicks (
  id          TEXT PRIMARY KEY,
  tag         TEXT NOT NULL,
  account_id  TEXT,
  marketplace TEXT,
  url         TEXT NOT NULL,
  product     TEXT,
  page        TEXT,
  session     TEXT,
  via         TEXT NOT NULL,
  bot         INTEGER NOT NULL DEFAULT 0,
  registered  INTEGER NOT NULL DEFAULT 0,
  at          INTEGER NOT NULL,
  client_at   INTEGER
);
CREATE INDEX clicks_by_account_time ON clicks (account_id, at);
CREATE INDEX clicks_by_time ON clicks (at);

CREATE TABLE pageviews (
  id         TEXT PRIMARY KEY,
  tag        TEXT NOT NULL,
  account_id TEXT,
  page       TEXT,
  session    TEXT,
  links      INTEGER NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX pageviews_by_account_time ON pageviews (account_id, at);

CREATE TABLE landings (
  id       TEXT PRIMARY KEY,
  click_id TEXT NOT NULL,
  tag      TEXT NOT NULL,
  page     TEXT,
  at       INTEGER NOT NULL
);
CREATE INDEX landings_by_click ON landings (click_id);

CREATE TABLE cart_adds (
  id       TEXT PRIMARY KEY,
  click_id TEXT NOT NULL,
  sku      TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX cart_adds_by_click ON cart_adds (click_id, sku);

CREATE TABLE orders (
  order_id            TEXT PRIMARY KEY,
  marketplace         TEXT NOT NULL,
  currency            TEXT NOT NULL,
  ordered_at          INTEGER NOT NULL,
  content_hash        TEXT NOT NULL,
  request             TEXT NOT NULL,
  attributed          INTEGER NOT NULL,
  rule                TEXT NOT NULL,
  click_id            TEXT,
  tag                 TEXT,
  credited_tag        TEXT,
  account_id          TEXT,
  unverified_referral INTEGER NOT NULL,
  response            TEXT NOT NULL,
  received_at         INTEGER NOT NULL
);
CREATE INDEX orders_by_account_time ON orders (account_id, ordered_at);
CREATE INDEX orders_by_time ON orders (ordered_at);

CREATE TABLE order_lines (
  order_id      TEXT NOT NULL REFERENCES orders(order_id),
  line_id       TEXT NOT NULL,
  position      INTEGER NOT NULL,
  sku           TEXT NOT NULL,
  name          TEXT,
  category      TEXT NOT NULL,
  quantity      INTEGER NOT NULL,
  unit_amount   INTEGER NOT NULL,
  cart_added_at INTEGER,
  attributed    INTEGER NOT NULL,
  direct        INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  rate_bp       INTEGER,
  commission    INTEGER NOT NULL,
  cancelled     INTEGER NOT NULL DEFAULT 0,
  shipped       INTEGER NOT NULL DEFAULT 0,
  returned      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, line_id)
) WITHOUT ROWID;

CREATE TABLE order_events (
  id          INTEGER PRIMARY KEY,
  order_id    TEXT NOT NULL REFERENCES orders(order_id),
  type        TEXT NOT NULL,
  at          INTEGER NOT NULL,
  items       TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_id);

CREATE TABLE ledger_entries (
  id          INTEGER PRIMARY KEY,
  event_id    INTEGER NOT NULL REFERENCES order_events(id),
  order_id    TEXT NOT NULL,
  line_id     TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  tag         TEXT NOT NULL,
  marketplace TEXT NOT NULL,
  currency    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('shipment', 'return')),
  quantity    INTEGER NOT NULL,
  amount      INTEGER NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX ledger_by_account_time ON ledger_entries (account_id, at);
CREATE INDEX ledger_by_order ON ledger_entries (order_id);
CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

CREATE TABLE webhook_deliveries (
  webhook_id  TEXT PRIMARY KEY,
  status      INTEGER NOT NULL,
  response    TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
