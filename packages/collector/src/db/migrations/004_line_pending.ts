/**
 * Each order line keeps its pending commission as the domain computed it (`pendingCommission`,
 * domain/lifecycle.ts), so breakdowns sum stored amounts instead of re-deriving rounding in SQL.
 * Existing lines are filled in by TypeScript after this runs (see `backfillLinePending`).
 */
export const name = 'line_pending';

export const sql = `
ALTER TABLE order_lines ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
`;
