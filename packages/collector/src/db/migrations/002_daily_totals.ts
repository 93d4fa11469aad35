/**
 * Per-day totals by account, tag, marketplace and currency, kept up to date in the same
 * transaction as every write, so a year's summary for an account reads a few hundred rows
 * instead of millions of clicks. Empty strings stand for "none" (an unregistered click has no
 * account; counts have no currency), because primary-key columns cannot usefully be NULL.
 * Existing data is folded in once, when this migration applies.
 */
export const name = 'daily_totals';

const CREATE = `
CREATE TABLE daily_totals (
  account_id       TEXT NOT NULL,
  day              TEXT NOT NULL,
  tag              TEXT NOT NULL,
  marketplace      TEXT NOT NULL,
  currency         TEXT NOT NULL,
  clicks           INTEGER NOT NULL DEFAULT 0,
  bot_clicks       INTEGER NOT NULL DEFAULT 0,
  pageviews        INTEGER NOT NULL DEFAULT 0,
  link_impressions INTEGER NOT NULL DEFAULT 0,
  orders           INTEGER NOT NULL DEFAULT 0,
  items_ordered    INTEGER NOT NULL DEFAULT 0,
  direct_items     INTEGER NOT NULL DEFAULT 0,
  items_shipped    INTEGER NOT NULL DEFAULT 0,
  items_returned   INTEGER NOT NULL DEFAULT 0,
  revenue          INTEGER NOT NULL DEFAULT 0,
  pending          INTEGER NOT NULL DEFAULT 0,
  earnings         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day, tag, marketplace, currency)
) WITHOUT ROWID;
CREATE INDEX daily_totals_by_day ON daily_totals (day);
`;

/**
 * Existing data is folded in by `rebuildDailyTotals` (database.ts), in TypeScript, with the
 * domain's money functions: storage never computes commissions. (Until issue 17 this was SQL with
 * a SQL copy of half-even rounding; an install that ran that version has the same totals.)
 */
export const sql = CREATE;
export const backfill = true;
