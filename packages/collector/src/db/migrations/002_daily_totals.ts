/**
 * Per-day totals by account, tag, marketplace and currency, kept up to date in the same
 * transaction as every write, so a year's summary for an account reads a few hundred rows
 * instead of millions of clicks. Empty strings stand for "none" (an unregistered click has no
 * account; counts have no currency), because primary-key columns cannot usefully be NULL.
 * Existing data is folded in once, here.
 */
export const name = 'daily_totals';

const day = (column: string) => `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`;
/** round_half_even(n / 10000) for n ≥ 0, in SQL (SPEC §5.6). */
export const halfEvenSql = (n: string): string => `((${n}) / 10000 + (((${n}) % 10000) > 5000 OR (((${n}) % 10000) = 5000 AND ((${n}) / 10000) % 2 = 1)))`;

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

/** Folds every stored click, pageview, order and ledger entry into the (empty) totals. */
export const BACKFILL = `
INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, clicks, bot_clicks)
SELECT coalesce(account_id, ''), ${day('at')}, tag, coalesce(marketplace, ''), '', sum(bot = 0 AND registered = 1), sum(bot = 1)
FROM clicks WHERE true GROUP BY 1, 2, 3, 4;

INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, pageviews, link_impressions)
SELECT coalesce(account_id, ''), ${day('at')}, tag, '', '', count(*), sum(links)
FROM pageviews WHERE true GROUP BY 1, 2, 3
ON CONFLICT DO UPDATE SET pageviews = pageviews + excluded.pageviews, link_impressions = link_impressions + excluded.link_impressions;

INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, orders, items_ordered, direct_items, revenue, pending)
SELECT o.account_id, ${day('o.ordered_at')}, o.credited_tag, o.marketplace, o.currency,
  count(DISTINCT o.order_id), sum(l.quantity), sum(l.quantity * l.direct), sum(l.unit_amount * l.quantity),
  sum(${halfEvenSql('l.unit_amount * (l.quantity - l.cancelled - l.shipped) * l.rate_bp')})
FROM orders o JOIN order_lines l ON l.order_id = o.order_id
WHERE o.attributed = 1 AND l.attributed = 1 GROUP BY 1, 2, 3, 4, 5
ON CONFLICT DO UPDATE SET orders = orders + excluded.orders, items_ordered = items_ordered + excluded.items_ordered,
  direct_items = direct_items + excluded.direct_items, revenue = revenue + excluded.revenue, pending = pending + excluded.pending;

INSERT INTO daily_totals (account_id, day, tag, marketplace, currency, items_shipped, items_returned, earnings)
SELECT account_id, ${day('at')}, tag, marketplace, currency,
  sum(CASE kind WHEN 'shipment' THEN quantity ELSE 0 END), sum(CASE kind WHEN 'return' THEN quantity ELSE 0 END), sum(amount)
FROM ledger_entries WHERE true GROUP BY 1, 2, 3, 4, 5
ON CONFLICT DO UPDATE SET items_shipped = items_shipped + excluded.items_shipped,
  items_returned = items_returned + excluded.items_returned, earnings = earnings + excluded.earnings;
`;

export const sql = CREATE + BACKFILL;
