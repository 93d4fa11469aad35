/**
 * Money out (issue 18): ledger entries are chained when they are written, in the transaction that
 * writes them (before: lazily, on the first money-out read). `ledger_heads` holds each chain's last
 * link, read and moved by every append; the unique (account, currency, prev_hash) index makes a
 * fork (two links after one entry) impossible whoever writes. The heads of chains already built
 * are their links that no other link follows; entries never chained (written by the previous
 * version since its last read) are chained by the data step (`database.ts`, in TypeScript: the
 * hashes are the domain's).
 */
export const name = 'ledger_heads';

export const sql = `
CREATE UNIQUE INDEX ledger_chain_one_successor ON ledger_chain (account_id, currency, prev_hash);

CREATE TABLE ledger_heads (
  account_id  TEXT NOT NULL,
  currency    TEXT NOT NULL,
  entry_id    INTEGER NOT NULL,
  hash        TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, currency)
) WITHOUT ROWID;

INSERT INTO ledger_heads (account_id, currency, entry_id, hash, recorded_at)
SELECT c.account_id, c.currency, c.entry_id, c.hash, c.recorded_at FROM ledger_chain c
WHERE NOT EXISTS (SELECT 1 FROM ledger_chain n WHERE n.account_id = c.account_id AND n.currency = c.currency AND n.prev_hash = c.hash);
`;
