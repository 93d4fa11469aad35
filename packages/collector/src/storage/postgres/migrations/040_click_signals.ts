/**
 * Sub-IDs and the SDK's click signals (SPEC §10; SQLite's migration 040): each click keeps its
 * publisher's `sub` label and how real it looked (`trusted`, `visible`, `framed`; `dwell`: ms since
 * page load, at most a day), all NULL when not sent; an order keeps the `sub` of the click that
 * credited it (`by=sub` in breakdowns). `clicks` is partitioned: altering the parent alters every
 * partition, present and future.
 */
export const name = 'click_signals';

const T = 'text COLLATE "C"';

export const sql = `
ALTER TABLE clicks ADD COLUMN sub ${T}, ADD COLUMN trusted boolean, ADD COLUMN visible boolean, ADD COLUMN framed boolean, ADD COLUMN dwell integer;
ALTER TABLE orders ADD COLUMN sub ${T};
`;
