/**
 * Each order line keeps its pending commission and its revenue as the domain computed them
 * (`pendingCommission`, domain/lifecycle.ts; `lineRevenue`, domain/money.ts), so breakdowns sum
 * stored amounts instead of re-deriving them in SQL. Existing lines are filled in by TypeScript
 * after this runs (see `backfillLineAmounts` in database.ts).
 */
export const name = 'line_pending';

export const sql = `
ALTER TABLE order_lines ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN revenue INTEGER NOT NULL DEFAULT 0;
`;
