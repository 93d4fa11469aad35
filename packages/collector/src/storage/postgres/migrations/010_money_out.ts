/**
 * Money out (issue 18), as SQLite's migration 010: the ledger's hash chain per (account, currency)
 * beside the append-only entries (never rewritten; append-only itself), payouts and the entries
 * each covers, accounts' payout details.
 */
export const name = 'money_out';

const T = 'text COLLATE "C"';

export const sql = `
CREATE TABLE ledger_chain (
  entry_id    bigint PRIMARY KEY REFERENCES ledger_entries(id),
  account_id  ${T} NOT NULL,
  currency    ${T} NOT NULL,
  recorded_at bigint NOT NULL,
  reverses    bigint REFERENCES ledger_entries(id),
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX ledger_chain_by_account ON ledger_chain (account_id, currency, entry_id);
CREATE FUNCTION ledger_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ledger chain links are append-only'; END $$;
CREATE TRIGGER ledger_chain_append_only BEFORE UPDATE OR DELETE ON ledger_chain
FOR EACH ROW EXECUTE FUNCTION ledger_chain_append_only();
CREATE TRIGGER ledger_chain_no_truncate BEFORE TRUNCATE ON ledger_chain
FOR EACH STATEMENT EXECUTE FUNCTION ledger_chain_append_only();

CREATE TABLE payouts (
  id           ${T} PRIMARY KEY,
  account_id   ${T} NOT NULL,
  currency     ${T} NOT NULL,
  amount       bigint NOT NULL,
  through      ${T} NOT NULL,
  generation   integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('created', 'paid', 'cancelled')),
  reference    text,
  created_at   bigint NOT NULL,
  paid_at      bigint,
  cancelled_at bigint,
  UNIQUE (account_id, currency, through, generation)
);
CREATE INDEX payouts_by_through ON payouts (through);

CREATE TABLE payout_entries (
  payout_id ${T} NOT NULL REFERENCES payouts(id),
  entry_id  bigint NOT NULL REFERENCES ledger_entries(id),
  PRIMARY KEY (payout_id, entry_id)
);
CREATE INDEX payout_entries_by_entry ON payout_entries (entry_id);

CREATE TABLE payout_details (
  account_id    ${T} PRIMARY KEY REFERENCES accounts(id),
  payout_method text CHECK (payout_method IN ('paypal', 'wise')),
  payout_email  text
);
`;
