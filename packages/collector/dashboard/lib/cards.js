// The summary cards. Each card carries its raw number in data-value, so tests and scripts can
// read it without parsing locale-formatted text.
import { h } from './dom.js';
import { formatCount, formatMoney, formatPercent } from './format.js';

function card(id, label, value, text, sub, help) {
  return h('div', { className: 'card', id: `card-${id}`, title: help, dataset: { testid: `card-${id}`, value: String(value ?? '') } },
    h('span', { className: 'label', textContent: label }),
    h('span', { className: 'value', textContent: text }),
    sub ? h('span', { className: 'sub', textContent: sub }) : null);
}

/** Two rows: the counts, then earnings, pending and revenue for each currency the period has. */
export function summaryCards(s) {
  const counts = [
    card('clicks', 'Clicks', s.clicks, formatCount(s.clicks), s.botClicks > 0 ? `${formatCount(s.botClicks)} bot ${s.botClicks === 1 ? 'click' : 'clicks'} not counted` : 'by affiliate links'),
    card('orders', 'Orders', s.orders, formatCount(s.orders), 'credited to a click'),
    card('conversion', 'Conversion', s.conversionRate, formatPercent(s.conversionRate), 'orders per click'),
    card('items', 'Items ordered', s.itemsOrdered, formatCount(s.itemsOrdered), `${formatCount(s.directItems)} direct · ${formatCount(s.indirectItems)} indirect`,
      'Direct: the product the visitor clicked. Indirect: anything else they bought in the same credited order.'),
    card('shipped', 'Items shipped', s.itemsShipped, formatCount(s.itemsShipped)),
    card('returned', 'Items returned', s.itemsReturned, formatCount(s.itemsReturned)),
  ];
  const money = Object.entries(s.byCurrency).map(([currency, t]) => [
    card(`earnings-${currency}`, `Earnings ${currency}`, t.earnings, formatMoney(t.earnings, currency), 'shipped, net of returns'),
    card(`pending-${currency}`, `Pending ${currency}`, t.pending, formatMoney(t.pending, currency), 'ordered, not shipped yet'),
    // The API's `revenue` is gross: sales as ordered, before cancellations and returns (SPEC §4.3).
    card(`revenue-${currency}`, `Gross sales ${currency}`, t.revenue, formatMoney(t.revenue, currency), 'referred, before returns'),
  ]);
  if (money.length === 0) money.push([card('earnings', 'Earnings', 0, '–', 'no tracking ID yet')]);
  return [counts, ...money].map((cards) => h('div', { className: 'cards-row' }, cards));
}
