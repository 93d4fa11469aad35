/**
 * Money out (issue 18), as SQLite's migration 011: ledger entries are chained in the transaction
 * that writes them, each chain's writers taking turns on an advisory lock of the chain
 * (`ledger-chain.ts`). `ledger_heads` holds each chain's last link; the unique (account, currency,
 * prev_hash) index makes a fork impossible whoever writes (a collector of the previous version
 * chaining lazily beside this one fails instead of splitting a chain). The heads of chains already
 * built are their links that no other link follows; entries never chained are chained by the data
 * step (`after`, in TypeScript: the hashes are the domain's).
 */
import type pg from 'pg';
import { chainUnchained } from '../ledger-chain.js';
import { clientSql } from '../sql.js';

export const name = 'ledger_heads';

const T = 'text COLLATE "C"';

export const sql = `
CREATE UNIQUE INDEX ledger_chain_one_successor ON ledger_chain (account_id, currency, prev_hash);

CREATE TABLE ledger_heads (
  account_id  ${T} NOT NULL,
  currency    ${T} NOT NULL,
  entry_id    bigint NOT NULL,
  hash        text NOT NULL,
  recorded_at bigint NOT NULL,
  PRIMARY KEY (account_id, currency)
);

INSERT INTO ledger_heads (account_id, currency, entry_id, hash, recorded_at)
SELECT c.account_id, c.currency, c.entry_id, c.hash, c.recorded_at FROM ledger_chain c
WHERE NOT EXISTS (SELECT 1 FROM ledger_chain n WHERE n.account_id = c.account_id AND n.currency = c.currency AND n.prev_hash = c.hash);
`;

/** Chains what the previous version left unchained, in the migration's transaction. */
export async function after(client: pg.ClientBase): Promise<void> {
  await chainUnchained(clientSql(client as pg.PoolClient));
}
