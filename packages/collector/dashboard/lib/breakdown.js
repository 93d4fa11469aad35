// The breakdown table: the summary's metrics per tag, marketplace, category, product, source page
// or day. Totals a dimension does not apply to come back in a row with key null (clicks have no
// category, page views no marketplace); orders by category or product count the orders containing
// each, so those do not add up (see the README's "Breakdowns").
import { h, messageRow } from './dom.js';
import { formatCount, formatMoney, formatPercent } from './format.js';

/** The dimensions `GET /v1/reports/breakdown?by=` takes, with the labels the tabs show. */
export const DIMENSIONS = [
  ['tag', 'Tag'],
  ['marketplace', 'Marketplace'],
  ['category', 'Category'],
  ['product', 'Product'],
  ['page', 'Source page'],
  ['sub', 'Sub-ID'],
  ['day', 'Day'],
];

/** What the null row holds, per dimension, in the reader's words. */
const NONE = {
  tag: 'No tag',
  marketplace: 'No marketplace',
  category: 'No category',
  product: 'Links to no product',
  page: 'Unknown source page',
  sub: 'No sub-ID',
  day: 'No day',
};

const count = (field) => (r) => r[field];
const money = (field) => (r) => Object.values(r.byCurrency).reduce((n, t) => n + Math.abs(t[field]), 0);

/** Columns: label, an optional tooltip, the number that says whether the cell is empty, and the cell. */
const CLICKS = { label: 'Clicks', value: count('clicks'), cell: (r) => countCell(r.clicks) };
const ORDERS = { label: 'Orders', value: count('orders'), cell: (r) => countCell(r.orders) };
const CONTAINING = {
  label: 'Orders', title: 'Orders containing it: an order with several products or categories counts in each of their rows, so these do not add up to the total',
  value: count('orders'), cell: (r) => countCell(r.orders),
};
const CONVERSION = { label: 'Conversion', title: 'Orders per click', value: () => 0, cell: (r) => h('td', { className: 'num', textContent: formatPercent(r.conversionRate) }) };
const REST = [
  { label: 'Items', value: count('itemsOrdered'), cell: (r) => countCell(r.itemsOrdered) },
  { label: 'Direct', title: 'Items that are the product the visitor clicked', value: count('directItems'), cell: (r) => countCell(r.directItems) },
  { label: 'Indirect', title: 'Other items bought after the click (same order, same visit)', value: count('indirectItems'), cell: (r) => countCell(r.indirectItems) },
  { label: 'Shipped', value: count('itemsShipped'), cell: (r) => countCell(r.itemsShipped) },
  { label: 'Returned', value: count('itemsReturned'), cell: (r) => countCell(r.itemsReturned) },
  { label: 'Earnings', title: 'Commission on shipped items, net of returns', value: money('earnings'), cell: (r) => moneyCell(r.byCurrency, 'earnings') },
  { label: 'Pending', title: 'Commission on items ordered and not shipped yet', value: money('pending'), cell: (r) => moneyCell(r.byCurrency, 'pending') },
  { label: 'Gross sales', title: 'Sales referred, as ordered: before cancellations and returns', value: money('revenue'), cell: (r) => moneyCell(r.byCurrency, 'revenue') },
];

/** Clicks have no category: that tab leaves clicks and conversion out rather than show zeros. */
function columnsFor(by) {
  if (by === 'category') return [CONTAINING, ...REST];
  if (by === 'product') return [CLICKS, CONTAINING, CONVERSION, ...REST];
  return [CLICKS, ORDERS, CONVERSION, ...REST];
}

/** A note under the tab where the order counts overlap; none elsewhere. */
export function breakdownNote(by) {
  return by === 'category' || by === 'product'
    ? `Orders count every order containing the ${by}: an order of several counts in each of their rows, so they do not add up to the total.`
    : '';
}

const countCell = (n) => h('td', { className: 'num', textContent: formatCount(n) });

/** One money cell listing each currency's amount, e.g. "$12.00 · ¥300". */
function moneyCell(byCurrency, field) {
  const entries = Object.entries(byCurrency);
  const text = entries.length === 0 ? '–' : entries.map(([c, t]) => formatMoney(t[field], c)).join(' · ');
  return h('td', { className: 'num', textContent: text });
}

/** A page key is a URL: show it without the scheme, keep the whole thing in the tooltip. */
function keyCell(by, key) {
  if (key === null) return h('th', { scope: 'row', className: 'key none', textContent: NONE[by] ?? 'None' });
  const text = by === 'page' ? String(key).replace(/^https?:\/\//, '') : String(key);
  return h('th', { scope: 'row', className: 'key', textContent: text, title: key });
}

export function breakdownHead(by) {
  const label = DIMENSIONS.find(([id]) => id === by)?.[1] ?? by;
  return h('tr', {}, h('th', { scope: 'col', textContent: label }),
    columnsFor(by).map((c) => h('th', { scope: 'col', className: 'num', textContent: c.label, title: c.title })));
}

/** The rows with something to show in this tab's columns: never a row of zeros. */
export function breakdownRows(by, rows) {
  const columns = columnsFor(by);
  const shown = rows.filter((r) => columns.some((c) => c.value(r) !== 0));
  if (shown.length === 0) return [messageRow(columns.length + 1, 'Nothing in this period.')];
  return shown.map((r) => h('tr', { dataset: { key: r.key ?? '' } }, keyCell(by, r.key), columns.map((c) => c.cell(r))));
}
