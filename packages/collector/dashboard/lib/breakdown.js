// The breakdown table: the summary's metrics per tag, marketplace, category, product, source page
// or day. Rows whose dimension does not apply (clicks have no category) come back with key null.
import { h, messageRow } from './dom.js';
import { formatCount, formatMoney, formatPercent } from './format.js';

/** The dimensions `GET /v1/reports/breakdown?by=` takes, with the labels the tabs show. */
export const DIMENSIONS = [
  ['tag', 'Tag'],
  ['marketplace', 'Marketplace'],
  ['category', 'Category'],
  ['product', 'Product'],
  ['page', 'Source page'],
  ['day', 'Day'],
];

const COLUMNS = ['Clicks', 'Orders', 'Conversion', 'Items', 'Direct', 'Indirect', 'Shipped', 'Returned', 'Earnings', 'Pending', 'Revenue'];

/** One money cell listing each currency's amount, e.g. "$12.00 · ¥300". */
function moneyCell(byCurrency, field) {
  const entries = Object.entries(byCurrency);
  const text = entries.length === 0 ? '–' : entries.map(([c, t]) => formatMoney(t[field], c)).join(' · ');
  return h('td', { className: 'num', textContent: text });
}

/** A page key is a URL: show it without the scheme, keep the whole thing in the tooltip. */
function keyCell(by, key) {
  if (key === null) return h('th', { scope: 'row', className: 'key none', textContent: 'none', title: 'Totals this dimension does not apply to' });
  const text = by === 'page' ? String(key).replace(/^https?:\/\//, '') : String(key);
  return h('th', { scope: 'row', className: 'key', textContent: text, title: key });
}

export function breakdownHead(by) {
  const label = DIMENSIONS.find(([id]) => id === by)?.[1] ?? by;
  return h('tr', {}, h('th', { scope: 'col', textContent: label }), COLUMNS.map((c) => h('th', { scope: 'col', className: 'num', textContent: c })));
}

export function breakdownRows(by, rows) {
  if (rows.length === 0) return [messageRow(COLUMNS.length + 1, 'Nothing in this period.')];
  return rows.map((r) =>
    h('tr', { dataset: { key: r.key ?? '' } },
      keyCell(by, r.key),
      [r.clicks, r.orders].map((n) => h('td', { className: 'num', textContent: formatCount(n) })),
      h('td', { className: 'num', textContent: formatPercent(r.conversionRate) }),
      [r.itemsOrdered, r.directItems, r.indirectItems, r.itemsShipped, r.itemsReturned].map((n) => h('td', { className: 'num', textContent: formatCount(n) })),
      moneyCell(r.byCurrency, 'earnings'),
      moneyCell(r.byCurrency, 'pending'),
      moneyCell(r.byCurrency, 'revenue'),
    ));
}
