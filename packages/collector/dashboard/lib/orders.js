// Recent orders. A row opens into its lines: why each one was or was not credited (reason,
// rate, explanation) and the ledger entries written so far. Details load when first opened.
import { h, messageRow } from './dom.js';
import { formatCount, formatDateTime, formatMoney, formatRate } from './format.js';

const COLUMN_COUNT = 7;

const RULES = { click_window: 'Click window', cart_window: 'Cart window', none: 'Not credited' };
const REASONS = {
  ordered_within_click_window: 'Click window',
  added_to_cart_within_click_window: 'Cart window',
  outside_window: 'Outside window',
  marketplace_not_enabled: 'Marketplace not enabled',
  no_referral: 'No referral',
  unregistered_tag: 'Unregistered tag',
  bot_click: 'Bot click',
  click_after_order: 'Click after order',
};

export function orderRow(order, expanded) {
  const toggle = h('button', {
    type: 'button', className: 'toggle', textContent: expanded ? 'Hide' : 'Why?',
    'aria-expanded': String(expanded), dataset: { action: 'toggle-order', orderId: order.orderId, testid: 'order-toggle' },
  });
  return h('tr', { className: order.attributed ? 'order' : 'order uncredited', dataset: { orderId: order.orderId, testid: 'order-row' } },
    h('th', { scope: 'row', className: 'mono', textContent: order.orderId }),
    h('td', { className: 'nowrap', textContent: formatDateTime(order.orderedAt) }),
    h('td', { textContent: order.creditedTag ?? order.tag ?? '–' }),
    h('td', {}, h('span', { className: `badge rule-${order.rule}`, textContent: RULES[order.rule] ?? order.rule })),
    h('td', { textContent: order.status }),
    commissionCell(order),
    h('td', { className: 'actions' }, toggle));
}

/**
 * What the order earns now (pending + earned), and what returns and cancellations took back from
 * the commission it was attributed: "$0.00 — $19.96 reversed".
 */
function commissionCell(order) {
  const net = (order.pending ?? 0) + (order.earned ?? 0);
  const reversed = order.commission - net;
  const cell = h('td', { className: 'num commission', dataset: { value: String(net), reversed: String(Math.max(0, reversed)), testid: 'order-commission' } },
    formatMoney(net, order.currency));
  if (reversed > 0) {
    cell.append(h('span', { className: 'reversed', textContent: ` — ${formatMoney(reversed, order.currency)} reversed` }));
    cell.title = `Commission when ordered ${formatMoney(order.commission, order.currency)}; returns and cancellations took back ${formatMoney(reversed, order.currency)}`;
  }
  return cell;
}

function lineItem(line, currency) {
  const what = line.name ? `${line.name} (${line.sku})` : line.sku;
  const facts = [
    `${line.category}`,
    `× ${formatCount(line.quantity)}`,
    `${formatMoney(line.unitAmount, currency)} each`,
    line.rateBp === null ? null : `rate ${formatRate(line.rateBp)} (${line.rateBp} bp)`,
    `commission ${formatMoney(line.commission, currency)}`,
  ].filter(Boolean);
  const moved = [line.shipped && `${line.shipped} shipped`, line.returned && `${line.returned} returned`, line.cancelled && `${line.cancelled} cancelled`].filter(Boolean);
  return h('li', { className: line.attributed ? 'line' : 'line uncredited', dataset: { lineId: line.lineId, testid: 'order-line' } },
    h('div', { className: 'line-head' },
      h('strong', { textContent: what }),
      h('span', { className: `badge reason ${line.attributed ? 'ok' : 'no'}`, textContent: REASONS[line.reason] ?? line.reason, title: line.reason, dataset: { reason: line.reason } })),
    h('div', { className: 'muted', textContent: [...facts, ...moved].join(' · ') }),
    h('p', { className: 'why', textContent: line.explanation }));
}

function ledger(entries) {
  if (entries.length === 0) return h('p', { className: 'muted', textContent: 'No ledger entries yet: commission is earned when items ship.' });
  return h('ul', { className: 'ledger' }, entries.map((e) =>
    h('li', { textContent: `${formatDateTime(e.at)} · ${e.kind} of ${formatCount(e.quantity)} (line ${e.lineId}) · ${formatMoney(e.amount, e.currency)}` })));
}

/** The expanded part of an order: its explanation, its lines, its ledger. */
export function orderDetailRow(orderId, detail) {
  const cell = h('td', { colSpan: COLUMN_COUNT });
  if (detail instanceof Error) cell.append(h('p', { className: 'error', textContent: detail.message }));
  else if (!detail) cell.append(h('p', { className: 'muted', textContent: 'Loading…' }));
  else {
    cell.append(
      h('p', { className: 'explanation', textContent: detail.explanation, dataset: { testid: 'order-explanation' } }),
      // Integrity holds (issue 19): each rule that held the order and what it saw.
      ...(detail.holds?.length
        ? [h('ul', { className: 'holds', dataset: { testid: 'order-holds' } }, detail.holds.map((x) => h('li', { textContent: `${detail.status === 'on_hold' ? 'On hold' : 'Was held'} (${x.rule}): ${x.detail}` })))]
        : []),
      h('ul', { className: 'lines' }, detail.lines.map((l) => lineItem(l, detail.currency))),
      h('h4', { textContent: 'Ledger' }),
      ledger(detail.ledger),
    );
  }
  return h('tr', { className: 'detail', dataset: { detailFor: orderId, testid: 'order-detail' } }, cell);
}

export function emptyOrders() {
  return messageRow(COLUMN_COUNT, 'No orders in this period.');
}
