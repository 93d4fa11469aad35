/**
 * A rejection's reversing entries become ledger entries (issue 18/19), as SQLite's migration 022:
 * until now they lived in `ledger_reversals`, which money out never read (a rejected order's
 * entries stayed in `onHold` for good, statements left the reversals out, no chain covered them).
 * Now a reversal is a `ledger_entries` row of kind `reversal` without an order event (`event_id`
 * NULL: it comes from a review decision; its `at` is the decision's time, when the collector
 * recorded it), chained and netted like every entry. Existing reversals move over in their order
 * (new ids after every entry), are chained by the data step (`after`, the domain's hashes), and
 * `ledger_reversals` goes. The per-day totals do not change: the same amounts on the same days.
 */
import type pg from 'pg';
import { chainUnchained } from '../ledger-chain.js';
import { clientSql } from '../sql.js';

export const name = 'reversals_in_ledger';

export const sql = `
ALTER TABLE ledger_entries ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('shipment', 'return', 'reversal'));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_event_check CHECK ((kind = 'reversal') = (event_id IS NULL));
INSERT INTO ledger_entries (event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
  SELECT NULL, order_id, line_id, account_id, tag, marketplace, currency, 'reversal', quantity, amount, at FROM ledger_reversals ORDER BY id;
DROP TABLE ledger_reversals;
DROP FUNCTION ledger_reversals_append_only();
`;

export async function after(client: pg.ClientBase): Promise<void> {
  await chainUnchained(clientSql(client as pg.PoolClient));
}
