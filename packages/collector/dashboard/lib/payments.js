// The Payments and Integrity tabs (SPEC §10): balances per account and currency, payouts, the
// admin's payout runs and exports, statements, and the integrity report. Pure rendering: rows in,
// DOM nodes out; every value goes in as text (lib/dom.js).
import { h, messageRow } from './dom.js';
import { formatCount, formatDateTime, formatDay, formatMoney } from './format.js';

/** The buckets of `GET /v1/balance`, in the order money moves through them. */
export const BUCKETS = [
  ['pending', 'Pending'], ['maturing', 'Maturing'], ['payable', 'Payable'], ['inPayout', 'In payout'],
  ['paid', 'Paid'], ['onHold', 'On hold'], ['carriedForward', 'Carried forward'],
];

const money = (minor, currency, testid) => h('td', { className: 'num', textContent: formatMoney(minor, currency), dataset: { value: String(minor), ...(testid ? { testid } : {}) } });

/** One row per account and currency; `names` maps account ids to names. */
export function balanceRows(balances, names) {
  const rows = balances.flatMap((b) => Object.entries(b.byCurrency).map(([currency, buckets]) =>
    h('tr', { dataset: { testid: 'balance-row', account: b.account, currency } },
      h('td', { textContent: names.get(b.account) ?? b.account }),
      h('td', { textContent: currency }),
      BUCKETS.map(([id]) => money(buckets[id] ?? 0, currency, `balance-${id}`)))));
  return rows.length > 0 ? rows : [messageRow(BUCKETS.length + 2, 'No commission yet.')];
}

/**
 * When the next payout comes, in words, from `nextPayout` of `GET /v1/balance` (the collector's
 * domain decides amount and day): the first day a payout run pays it, or that it rolls over.
 */
export function nextPayoutWhen(next, currency) {
  if (!next.belowMinimum) return `Payable from ${formatDay(next.payableOn)}: in the first payout run through that day`;
  if (next.amount <= 0) return 'Nothing to pay yet: carried forward, it comes off the next payout';
  return `Under the ${formatMoney(next.minimum, currency)} minimum: rolls over to later payout runs until the minimum is reached`;
}

/** The next payout per account and currency: how much, and when. */
export function nextPayoutRows(balances, names) {
  const rows = balances.flatMap((b) => Object.entries(b.nextPayout ?? {}).map(([currency, next]) =>
    h('tr', { dataset: { testid: 'next-payout-row', account: b.account, currency, payableOn: next.payableOn, belowMinimum: String(next.belowMinimum) } },
      h('td', { textContent: names.get(b.account) ?? b.account }),
      h('td', { textContent: currency }),
      money(next.amount, currency, 'next-payout-amount'),
      h('td', { textContent: nextPayoutWhen(next, currency), dataset: { testid: 'next-payout-when' } }))));
  return rows.length > 0 ? rows : [messageRow(4, 'Nothing is waiting for a payout.')];
}

/** The payouts table; the admin gets a "Mark paid" form on every created payout. */
export function payoutRows(payouts, names, admin) {
  const rows = payouts.map((p) => {
    let action = h('td', { textContent: p.reference ?? '' });
    if (admin && p.status === 'created') {
      const input = h('input', { type: 'text', name: 'reference', required: true, 'aria-label': `Payment reference for payout ${p.id}`, dataset: { testid: 'paid-reference' } });
      action = h('td', {}, h('form', { className: 'inline', dataset: { action: 'mark-paid', payoutId: p.id, testid: 'mark-paid' } }, input, h('button', { type: 'submit', textContent: 'Mark paid' })));
    }
    return h('tr', { dataset: { testid: 'payout-row', payoutId: p.id, status: p.status } },
      h('td', { textContent: p.id }),
      h('td', { textContent: names.get(p.account) ?? p.account }),
      money(p.amount, p.currency, 'payout-amount'),
      h('td', { textContent: p.through }),
      h('td', {}, h('span', { className: `badge ${p.status}`, textContent: p.status, dataset: { testid: 'payout-status' } })),
      h('td', { textContent: formatDateTime(p.paidAt ?? p.createdAt) }),
      action);
  });
  return rows.length > 0 ? rows : [messageRow(7, 'No payouts yet.')];
}

/** What a payout run would create (or created), and what stays below the minimum. */
export function previewRows(run, names) {
  const rows = [
    ...run.payouts.map((p) => h('tr', { dataset: { testid: 'preview-row', account: p.account } },
      h('td', { textContent: names.get(p.account) ?? p.account }), money(p.amount, p.currency), h('td', { textContent: 'Would be paid' }))),
    ...(run.belowMinimum ?? []).map((b) => h('tr', { dataset: { testid: 'preview-below' } },
      h('td', { textContent: names.get(b.account) ?? b.account }), money(b.net, b.currency), h('td', { textContent: `Below the minimum of ${formatMoney(b.minimum, b.currency)}; rolls over` }))),
  ];
  return rows.length > 0 ? rows : [messageRow(3, `Nothing is payable through ${run.through}.`)];
}

/** The integrity report's rows: per day, rule and tag. */
export function integrityRows(rows, names) {
  const out = rows.map((r) => h('tr', { dataset: { testid: 'integrity-row', rule: r.rule } },
    h('td', { textContent: r.day }),
    h('td', { textContent: r.rule }),
    h('td', { textContent: r.tag ?? '' }),
    h('td', { textContent: r.account ? names.get(r.account) ?? r.account : '' }),
    ...['flaggedClicks', 'heldOrders', 'onHold', 'released', 'rejected'].map((k) => h('td', { className: 'num', textContent: formatCount(r[k] ?? 0) })),
    h('td', { className: 'num', textContent: Object.entries(r.commission ?? {}).map(([cur, minor]) => formatMoney(minor, cur)).join(', ') || '–' })));
  return out.length > 0 ? out : [messageRow(10, 'Nothing flagged in this period.')];
}

/** The calendar month before the one of `now`, as YYYY-MM (a statement's default). */
export function lastMonth(now = Date.now()) {
  const d = new Date(now);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return m.toISOString().slice(0, 7);
}
