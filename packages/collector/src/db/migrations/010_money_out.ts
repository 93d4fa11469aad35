/**
 * Money out (issue 18): the ledger's hash chain per (account, currency) beside the append-only
 * entries (never rewritten), payouts and the entries each covers, accounts' payout details.
 * `recorded_at` is when the collector recorded the entry (its event's `received_at`), copied into
 * the link because the hash covers it.
 */
export const name = 'money_out';

export const sql = `
CREATE TABLE ledger_chain (
  entry_id    INTEGER PRIMARY KEY REFERENCES ledger_entries(id),
  account_id  TEXT NOT NULL,
  currency    TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  reverses    INTEGER REFERENCES ledger_entries(id),
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX ledger_chain_by_account ON ledger_chain (account_id, currency, entry_id);
CREATE TRIGGER ledger_chain_append_only_update BEFORE UPDATE ON ledger_chain
BEGIN SELECT RAISE(ABORT, 'ledger chain links are append-only'); END;
CREATE TRIGGER ledger_chain_append_only_delete BEFORE DELETE ON ledger_chain
BEGIN SELECT RAISE(ABORT, 'ledger chain links are append-only'); END;

CREATE TABLE payouts (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL,
  currency     TEXT NOT NULL,
  amount       INTEGER NOT NULL,
  through      TEXT NOT NULL,
  generation   INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('created', 'paid', 'cancelled')),
  reference    TEXT,
  created_at   INTEGER NOT NULL,
  paid_at      INTEGER,
  cancelled_at INTEGER,
  UNIQUE (account_id, currency, through, generation)
);
CREATE INDEX payouts_by_through ON payouts (through);

CREATE TABLE payout_entries (
  payout_id TEXT NOT NULL REFERENCES payouts(id),
  entry_id  INTEGER NOT NULL REFERENCES ledger_entries(id),
  PRIMARY KEY (payout_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX payout_entries_by_entry ON payout_entries (entry_id);

CREATE TABLE payout_details (
  account_id    TEXT PRIMARY KEY REFERENCES accounts(id),
  payout_method TEXT CHECK (payout_method IN ('paypal', 'wise')),
  payout_email  TEXT
) WITHOUT ROWID;
`;
