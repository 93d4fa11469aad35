/**
 * Sub-IDs and the SDK's click signals (SPEC §10): each click keeps its publisher's `sub` label and
 * how real it looked (`trusted`, `visible`, `framed`: 0/1; `dwell`: ms since page load), all NULL
 * when not sent; an order keeps the `sub` of the click that credited it (`by=sub` in breakdowns).
 */
export const name = 'click_signals';

export const sql = `
ALTER TABLE clicks ADD COLUMN sub TEXT;
ALTER TABLE clicks ADD COLUMN trusted INTEGER;
ALTER TABLE clicks ADD COLUMN visible INTEGER;
ALTER TABLE clicks ADD COLUMN framed INTEGER;
ALTER TABLE clicks ADD COLUMN dwell INTEGER;
ALTER TABLE orders ADD COLUMN sub TEXT;
`;
