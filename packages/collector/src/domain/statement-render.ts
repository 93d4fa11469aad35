/** A statement as CSV (one row per line of the statement) and as a plain, printable HTML page. */
import { csvLines } from './csv.js';
import { formatMinor } from './money.js';
import type { Statement } from './statement.js';

export function statementCsv(s: Statement): string {
  const m = (n: number) => formatMinor(n, s.currency);
  const rows: (string | number)[][] = [['type', 'date', 'id', 'kind', 'order', 'line', 'rule', 'rate_bp', 'amount', 'amount_minor', 'balance', 'hash']];
  let balance = s.openingBalance;
  rows.push(['opening', s.from, '', '', '', '', '', '', '', '', m(balance), s.chain.previous]);
  // Entries and payouts in time order, so the running balance is the one the account had.
  const lines = [
    ...s.entries.map((e) => ({ at: e.recorded, amount: e.amount, row: ['entry', e.recorded, e.id, e.kind, e.orderId, e.lineId, e.rule ?? '', e.rateBp ?? ''], last: e.hash })),
    ...s.payouts.map((p) => ({ at: p.paidAt, amount: -p.amount, row: ['payout', p.paidAt, p.id, 'payout', '', '', '', ''], last: p.reference })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const l of lines) {
    balance += l.amount;
    rows.push([...l.row, m(l.amount), l.amount, m(balance), l.last]);
  }
  rows.push(['closing', s.to, '', '', '', '', '', '', '', '', m(s.closingBalance), s.chain.last]);
  return csvLines(rows);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Every value escaped; no script, no external resource; a table with header cells and a caption. */
export function statementHtml(s: Statement): string {
  const m = (n: number) => escapeHtml(`${formatMinor(n, s.currency)} ${s.currency}`);
  const e = escapeHtml;
  const entryRows = s.entries
    .map((x) => `<tr><td>${e(x.recorded.slice(0, 10))}</td><td>${e(x.kind)}</td><td>${e(x.orderId)}</td><td>${e(x.lineId)}</td><td>${e(x.rule ?? '')}</td><td>${x.rateBp === undefined ? '' : e(`${x.rateBp / 100}%`)}</td><td class="n">${m(x.amount)}</td></tr>`)
    .join('\n');
  const payoutRows = s.payouts.map((p) => `<tr><td>${e(p.paidAt.slice(0, 10))}</td><td>${e(p.id)}</td><td>${e(p.reference)}</td><td class="n">${m(p.amount)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Statement ${e(s.month)} — ${e(s.account)} (${e(s.currency)})</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}</style>
</head>
<body>
<main>
<h1>Statement for ${e(s.account)}, ${e(s.month)}, ${e(s.currency)}</h1>
<dl>
<dt>Opening balance</dt><dd>${m(s.openingBalance)}</dd>
<dt>Closing balance</dt><dd>${m(s.closingBalance)}</dd>
<dt>Payable</dt><dd>${m(s.payable)}</dd>
<dt>Maturing</dt><dd>${m(s.maturing)}</dd>
<dt>On hold</dt><dd>${m(s.onHold)}</dd>
</dl>
<table>
<caption>Ledger entries recorded in ${e(s.month)}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Kind</th><th scope="col">Order</th><th scope="col">Line</th><th scope="col">Rule</th><th scope="col">Rate</th><th scope="col">Amount</th></tr></thead>
<tbody>
${entryRows || '<tr><td colspan="7">No entries this month.</td></tr>'}
</tbody>
</table>
<table>
<caption>Payouts paid in ${e(s.month)}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Payout</th><th scope="col">Reference</th><th scope="col">Amount</th></tr></thead>
<tbody>
${payoutRows || '<tr><td colspan="4">No payouts this month.</td></tr>'}
</tbody>
</table>
<p>Chain: previous ${e(s.chain.previous)}, last ${e(s.chain.last)}. ${s.signature ? `Signed with key ${e(s.signature.kid)}.` : 'Not signed.'} Issued ${e(s.issuedAt)}.</p>
</main>
</body>
</html>
`;
}
