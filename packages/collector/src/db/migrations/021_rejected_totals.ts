/**
 * A rejected order in the per-day totals (issue 19). Until this migration a rejection appended
 * its reversing entries to `ledger_reversals` without adding them to the per-day earnings, and
 * left its lines' pending commission in place. No schema change: the data step (`after:
 * 'rejected_totals'`, `withdrawRejected` in database.ts) adds every stored reversal to the
 * earnings of the day it was recorded and withdraws the pending commission of rejected orders
 * from their lines and from the day they were placed, with the domain's `pendingChange`.
 */
export const name = 'rejected_totals';

export const sql = '';
