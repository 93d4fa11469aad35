/**
 * A rejection's reversing entries become ledger entries (issue 18/19). Until now a rejected
 * order's reversals lived in their own append-only table `ledger_reversals`, which money out never
 * read: the rejected entries stayed in `onHold` for good, statements left the reversals out and no
 * chain covered them. Now a reversal is a `ledger_entries` row of kind `reversal`, chained like
 * every entry, netted by balances against the entry it reverses.
 *
 * SQLite cannot widen a CHECK constraint or drop NOT NULL in place, so `ledger_entries` is rebuilt
 * (the documented twelve-step way: the runner turns foreign keys off for this one migration and
 * runs `foreign_key_check` before it commits; ids are kept, so chain links and payouts still point
 * at the same entries). `event_id` may now be NULL: a reversal comes from a review decision, not
 * from an order event; its `at` is the decision's time, which is also when the collector recorded
 * it. Existing reversals move over in their order (new ids after every entry), are chained by the
 * data step (`after: 'ledger_chain'`), and `ledger_reversals` goes. The per-day totals do not
 * change: the same amounts on the same days.
 */
export const name = 'reversals_in_ledger';

export const sql = `
CREATE TABLE ledger_entries_new (
  id          INTEGER PRIMARY KEY,
  event_id    INTEGER REFERENCES order_events(id),
  order_id    TEXT NOT NULL,
  line_id     TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  tag         TEXT NOT NULL,
  marketplace TEXT NOT NULL,
  currency    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('shipment', 'return', 'reversal')),
  quantity    INTEGER NOT NULL,
  amount      INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  CHECK ((kind = 'reversal') = (event_id IS NULL))
);
INSERT INTO ledger_entries_new (id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
  SELECT id, event_id, order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at FROM ledger_entries ORDER BY id;
INSERT INTO ledger_entries_new (order_id, line_id, account_id, tag, marketplace, currency, kind, quantity, amount, at)
  SELECT order_id, line_id, account_id, tag, marketplace, currency, 'reversal', quantity, amount, at FROM ledger_reversals ORDER BY id;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE INDEX ledger_by_account_time ON ledger_entries (account_id, at);
CREATE INDEX ledger_by_order ON ledger_entries (order_id);
CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
DROP TABLE ledger_reversals;
`;
