/**
 * Program integrity (issue 19, docs/integrity.md): the daily visitor-hash salts (deleted 48 h after
 * their day began), the visitor hash on raw events, the visitor hashes account keys signed in from,
 * order holds with their review, and the append-only reversing entries of rejected orders.
 */
export const name = 'integrity';

export const sql = `
CREATE TABLE visitor_salts (
  day        TEXT PRIMARY KEY,
  salt       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

ALTER TABLE clicks ADD COLUMN visitor TEXT;
ALTER TABLE landings ADD COLUMN visitor TEXT;
ALTER TABLE pageviews ADD COLUMN visitor TEXT;
ALTER TABLE cart_adds ADD COLUMN visitor TEXT;
CREATE INDEX clicks_by_visitor_tag ON clicks (visitor, tag, at) WHERE visitor IS NOT NULL;
CREATE INDEX landings_by_visitor ON landings (visitor, at) WHERE visitor IS NOT NULL;
CREATE INDEX pageviews_by_visitor ON pageviews (visitor, at) WHERE visitor IS NOT NULL;
CREATE INDEX cart_adds_by_visitor ON cart_adds (visitor, at) WHERE visitor IS NOT NULL;

CREATE TABLE key_visitors (
  account_id TEXT NOT NULL,
  day        TEXT NOT NULL,
  visitor    TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (account_id, day, visitor)
);
CREATE INDEX key_visitors_by_visitor ON key_visitors (account_id, visitor);
CREATE INDEX key_visitors_by_time ON key_visitors (first_seen);

CREATE INDEX orders_by_click ON orders (click_id) WHERE attributed = 1;

CREATE TABLE order_holds (
  order_id   TEXT PRIMARY KEY REFERENCES orders (order_id),
  status     TEXT NOT NULL CHECK (status IN ('on_hold', 'released', 'rejected')),
  holds      TEXT NOT NULL,
  held_at    INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  note       TEXT
);
CREATE INDEX order_holds_by_status ON order_holds (status);

CREATE TABLE ledger_reversals (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id    TEXT NOT NULL REFERENCES orders (order_id),
  line_id     TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  tag         TEXT NOT NULL,
  marketplace TEXT NOT NULL,
  currency    TEXT NOT NULL,
  quantity    INTEGER NOT NULL,
  amount      INTEGER NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX ledger_reversals_by_order ON ledger_reversals (order_id);
CREATE INDEX ledger_reversals_by_account_time ON ledger_reversals (account_id, at);
CREATE TRIGGER ledger_reversals_append_only_update BEFORE UPDATE ON ledger_reversals
  BEGIN SELECT RAISE(ABORT, 'ledger_reversals is append-only'); END;
CREATE TRIGGER ledger_reversals_append_only_delete BEFORE DELETE ON ledger_reversals
  BEGIN SELECT RAISE(ABORT, 'ledger_reversals is append-only'); END;
`;
