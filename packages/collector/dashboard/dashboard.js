// The Affil dashboard (SPEC §8): plain ES modules served by the collector, no build step.
// This module owns the session and the view and wires the page; lib/ renders and talks HTTP.
import { accountOptions, accountRows } from './lib/accounts.js';
import { createApi, queryString } from './lib/api.js';
import { breakdownHead, breakdownNote, breakdownRows, DIMENSIONS } from './lib/breakdown.js';
import { summaryCards } from './lib/cards.js';
import { createChart } from './lib/chart.js';
import { toCsv } from './lib/csv.js';
import { byId, h } from './lib/dom.js';
import { saveText } from './lib/download.js';
import { HEALTH_CSV_COLUMNS, healthRows, healthSummary, healthTotals, rowsForAccount } from './lib/health.js';
import { createLinkBuilder } from './lib/link-builder.js';
import { connectLive } from './lib/live.js';
import { emptyOrders, orderDetailRow, orderRow } from './lib/orders.js';
import { balanceRows, integrityRows, lastMonth, nextPayoutRows, payoutRows, previewRows } from './lib/payments.js';
import { readKey, writeKey } from './lib/storage.js';
import { readView, viewHash } from './lib/view.js';

const ORDERS_SHOWN = 20;
/** Live events come in bursts (a checkout sends an order right after its click): refresh once per burst. */
const LIVE_SETTLE_MS = 200;
const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live', offline: 'Offline, retrying…', unauthorized: 'Offline', off: 'Offline' };

/** The signed-in key's API client, its role ('admin' or 'account') and how to stop its live stream. */
let session;
let view = readView(location.hash);
let chart;
let accounts = [];
let tagsByAccount = new Map();
/** Orders opened to show their lines, and what was loaded for them (a detail or an Error). */
const expanded = new Set();
const details = new Map();
let running;
let rerun = false;
/** The view on screen: 'report', 'payments' or (admin only) 'integrity'. */
let tab = 'report';
let liveTimer;
const linkBuilder = createLinkBuilder(byId('link-builder'));

// ---- sign in and out --------------------------------------------------------------------------

/**
 * Checks the key and learns its role. Account keys are issued as `affil_acct_…`; any other key
 * may be the admin's (AFFIL_ADMIN_KEY can be any string), and only the admin may list accounts.
 * Account keys never ask, so a normal sign-in logs no failed request in the console.
 */
async function signIn(key) {
  const api = createApi(key);
  let role = 'account';
  accounts = [];
  if (!key.startsWith('affil_acct_')) {
    try {
      accounts = (await api.json('/v1/accounts')).accounts;
      role = 'admin';
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  // (Also checks an account key: a rejected one answers 401 here.)
  const me = role === 'account' ? await api.json('/v1/me') : undefined;
  writeKey(key);
  session = { api, role, accountName: me?.account?.name, stopLive: () => {} };
  if (role !== 'admin') view.account = '';
  showReport();
  linkBuilder.show(api).catch(showError);
  if (role === 'admin') await loadAccounts();
  await refresh();
  session.stopLive = connectLive(api, { onEvent: onLiveEvent, onState: showLiveState });
}

function signOut(message = '') {
  session?.stopLive();
  session = undefined;
  writeKey(undefined);
  clearTimeout(liveTimer);
  chart?.destroy();
  chart = undefined;
  expanded.clear();
  details.clear();
  accounts = [];
  tagsByAccount = new Map();
  linkBuilder.hide();
  byId('cards').replaceChildren();
  for (const id of ['breakdown-table', 'orders-table', 'accounts-table', 'health-table']) byId(id).tBodies[0]?.replaceChildren();
  byId('health-summary').replaceChildren();
  for (const id of ['balances-table', 'next-payout-table', 'payouts-table', 'preview-table', 'integrity-table']) byId(id).tBodies[0].replaceChildren();
  byId('payout-run-note').textContent = '';
  showTab('report');
  byId('report').hidden = true;
  byId('accounts-panel').hidden = true;
  byId('sign-out').hidden = true;
  byId('live').hidden = true;
  byId('who').textContent = '';
  byId('sign-in-view').hidden = false;
  byId('sign-in-error').textContent = message;
  byId('key').value = '';
  byId('key').setAttribute('aria-invalid', String(message !== ''));
  byId('key').focus();
}

function showReport() {
  byId('sign-in-view').hidden = true;
  byId('report').hidden = false;
  byId('sign-out').hidden = false;
  byId('live').hidden = false;
  byId('who').textContent = session.role === 'admin' ? 'Admin · all accounts' : session.accountName ?? 'Affiliate account';
  byId('who').dataset.role = session.role;
  byId('account-filter').hidden = session.role !== 'admin';
  byId('accounts-panel').hidden = session.role !== 'admin';
  byId('payout-run-panel').hidden = session.role !== 'admin';
  byId('statements-panel').hidden = session.role === 'admin';
  document.querySelector('[data-view="integrity"]').hidden = session.role !== 'admin';
  if (!byId('statement-month').value) byId('statement-month').value = lastMonth();
  byId('from').value = view.from;
  byId('to').value = view.to;
  renderTabs();
  chart ??= createChart(byId('chart'));
}

// ---- loading ----------------------------------------------------------------------------------

/** Runs one load at a time; asks made meanwhile fold into a single reload afterwards. */
function refresh() {
  if (running) {
    rerun = true;
    return running;
  }
  running = (async () => {
    do {
      rerun = false;
      await load();
    } while (rerun && session);
  })()
    .catch(showError)
    .finally(() => {
      running = undefined;
    });
  return running;
}

async function load() {
  if (!session) return;
  const { api } = session;
  const shown = { ...view };
  const scope = { from: shown.from, to: shown.to, account: shown.account };
  byId('report').setAttribute('aria-busy', 'true');
  try {
    const [summary, days, breakdown, orders, health] = await Promise.all([
      api.json(`/v1/reports/summary${queryString(scope)}`),
      api.json(`/v1/reports/breakdown${queryString({ by: 'day', ...scope })}`),
      shown.by === 'day' ? undefined : api.json(`/v1/reports/breakdown${queryString({ by: shown.by, ...scope })}`),
      api.json(`/v1/orders${queryString({ ...scope, limit: ORDERS_SHOWN })}`),
      // The report takes no account: the admin's choice is applied to its rows here.
      api.json(`/v1/reports/link-health${queryString({ from: shown.from, to: shown.to })}`),
    ]);
    details.clear();
    await Promise.all([...expanded].map((id) => loadDetail(id)));
    if (!session) return;
    hideError();
    byId('cards').replaceChildren(...summaryCards(summary));
    chart?.update(days.rows, shown, Object.keys(summary.byCurrency));
    renderBreakdown(breakdown ?? days);
    renderOrders(orders.orders);
    renderHealth(rowsForAccount(health.rows, shown.account));
    if (tab === 'payments') await loadPayments();
    if (tab === 'integrity' && session.role === 'admin') await loadIntegrity(shown);
    const updated = byId('updated');
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    updated.dataset.at = String(Date.now());
  } finally {
    byId('report').removeAttribute('aria-busy');
  }
}

/** Account ids to the names people know them by. */
function accountNames() {
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  return names;
}

async function loadPayments() {
  const { api, role } = session;
  const [balance, payouts] = await Promise.all([api.json('/v1/balance'), api.json('/v1/payouts')]);
  if (!session) return;
  const names = accountNames();
  const balances = role === 'admin' ? balance.accounts : [balance];
  if (role !== 'admin') names.set(balance.account, session.accountName ?? balance.account);
  byId('balances-table').tBodies[0].replaceChildren(...balanceRows(balances, names));
  byId('next-payout-table').tBodies[0].replaceChildren(...nextPayoutRows(balances, names));
  byId('payouts-table').tBodies[0].replaceChildren(...payoutRows(payouts.payouts, names, role === 'admin'));
  if (role !== 'admin') {
    const select = byId('statement-currency');
    const chosen = select.value;
    const currencies = Object.keys(balance.byCurrency);
    select.replaceChildren(...(currencies.length > 0 ? currencies : ['USD']).map((c) => h('option', { value: c, textContent: c })));
    if (currencies.includes(chosen)) select.value = chosen;
  }
}

async function loadIntegrity(shown) {
  const report = await session.api.json(`/v1/reports/integrity${queryString({ from: shown.from, to: shown.to })}`);
  if (!session) return;
  byId('integrity-table').tBodies[0].replaceChildren(...integrityRows(report.rows, accountNames()));
}

function showTab(next) {
  tab = next;
  for (const button of document.querySelectorAll('[data-view]')) button.setAttribute('aria-pressed', String(button.dataset.view === next));
  byId('view-report').hidden = next !== 'report';
  byId('view-payments').hidden = next !== 'payments';
  byId('view-integrity').hidden = next !== 'integrity';
}

/** Previews (or, with `create`, runs) the payouts through the chosen date. */
async function payoutRun(create) {
  const through = byId('payout-through').value;
  if (!through) return showError(new Error('Pick the date the payout run pays through.'));
  const run = create
    ? await session.api.post('/v1/payouts', { through })
    : await session.api.json(`/v1/payouts/preview${queryString({ through })}`);
  hideError();
  byId('preview-table').tBodies[0].replaceChildren(...previewRows(run, accountNames()));
  byId('payout-run-note').textContent = create
    ? `Payout run through ${through}: ${run.payouts.length} payout(s) created.`
    : `Preview through ${through}: nothing is stored until you run payouts.`;
  if (create) await loadPayments();
}

async function loadDetail(orderId) {
  try {
    details.set(orderId, await session.api.json(`/v1/orders/${encodeURIComponent(orderId)}`));
  } catch (error) {
    if (error.status === 401) throw error;
    details.set(orderId, error);
  }
}

async function loadAccounts() {
  const lists = await Promise.all(accounts.map((a) => session.api.json(`/v1/accounts/${encodeURIComponent(a.id)}/tags`).then((r) => r.tags)));
  tagsByAccount = new Map(accounts.map((a, i) => [a.id, lists[i] ?? []]));
  if (view.account && !accounts.some((a) => a.id === view.account)) view.account = '';
  renderAccounts();
}

// ---- rendering --------------------------------------------------------------------------------

function renderTabs() {
  byId('breakdown-tabs').replaceChildren(...DIMENSIONS.map(([id, label]) =>
    h('button', {
      type: 'button', role: 'tab', id: `tab-${id}`, textContent: label, tabIndex: id === view.by ? 0 : -1,
      'aria-selected': String(id === view.by), 'aria-controls': 'breakdown-panel', dataset: { by: id, testid: `breakdown-tab-${id}` },
    })));
  byId('breakdown-panel').setAttribute('aria-labelledby', `tab-${view.by}`);
}

function renderBreakdown({ by, rows }) {
  const table = byId('breakdown-table');
  table.dataset.by = by;
  table.tHead.replaceChildren(breakdownHead(by));
  table.tBodies[0].replaceChildren(...breakdownRows(by, rows));
  const note = byId('breakdown-note');
  note.textContent = breakdownNote(by);
  note.hidden = note.textContent === '';
}

function renderOrders(orders) {
  const rows = orders.flatMap((o) => (expanded.has(o.orderId) ? [orderRow(o, true), orderDetailRow(o.orderId, details.get(o.orderId))] : [orderRow(o, false)]));
  byId('orders-table').tBodies[0].replaceChildren(...(rows.length > 0 ? rows : [emptyOrders()]));
}

function renderHealth(rows) {
  const totals = healthTotals(rows);
  const summary = byId('health-summary');
  summary.replaceChildren(...healthSummary(totals));
  summary.dataset.value = String(totals.clicks);
  summary.classList.toggle('lost', totals.clicks > 0);
  byId('health-table').tBodies[0].replaceChildren(...healthRows(rows));
  // "All links healthy" says it all: an empty table under it would only repeat it.
  byId('health-scroll').hidden = rows.length === 0;
}

function renderAccounts() {
  byId('accounts-table').tBodies[0].replaceChildren(...accountRows(accounts, tagsByAccount, view.account));
  byId('account').replaceChildren(...accountOptions(accounts));
  byId('account').value = view.account;
}

function showLiveState(state) {
  if (state === 'unauthorized') return signOut('Your key is no longer accepted. Sign in again.');
  const live = byId('live');
  live.dataset.state = state;
  byId('live-text').textContent = LIVE_TEXT[state] ?? state;
}

function showError(error) {
  if (error.status === 401) return signOut(error.message);
  const banner = byId('error');
  banner.textContent = error.message;
  banner.hidden = false;
}

function hideError() {
  byId('error').hidden = true;
  byId('error').textContent = '';
}

// ---- reacting ---------------------------------------------------------------------------------

function onLiveEvent(event) {
  const live = byId('live');
  live.dataset.last = event.type;
  live.title = `Last event: ${event.type} at ${new Date().toLocaleTimeString()}`;
  live.classList.remove('pulse');
  // Restart the pulse animation: reading offsetWidth forces the class removal to apply first.
  void live.offsetWidth;
  live.classList.add('pulse');
  clearTimeout(liveTimer);
  liveTimer = setTimeout(refresh, LIVE_SETTLE_MS);
}

/** Changes the view, records it in the URL and reloads what it affects. */
function setView(changes) {
  view = { ...view, ...changes };
  history.replaceState(null, '', viewHash(view));
  if (session?.role === 'admin' && 'account' in changes) renderAccounts();
  if ('by' in changes) renderTabs();
  refresh();
}

async function download(kind) {
  const scope = { from: view.from, to: view.to, account: view.account };
  const name = (what) => `affil-${what}-${view.from}-to-${view.to}${view.account ? `-${view.account}` : ''}.csv`;
  if (kind === 'summary') return saveText(await session.api.text(`/v1/reports/summary${queryString({ ...scope, format: 'csv' })}`), name('summary'));
  if (kind === 'breakdown') return saveText(await session.api.text(`/v1/reports/breakdown${queryString({ by: view.by, ...scope, format: 'csv' })}`), name(`by-${view.by}`));
  const period = { from: view.from, to: view.to };
  if (!view.account) return saveText(await session.api.text(`/v1/reports/link-health${queryString({ ...period, format: 'csv' })}`), name('link-health'));
  // The report cannot narrow to an account: write the chosen account's rows the way the collector writes CSV.
  const { rows } = await session.api.json(`/v1/reports/link-health${queryString(period)}`);
  saveText(toCsv(rowsForAccount(rows, view.account), HEALTH_CSV_COLUMNS), name('link-health'));
}

byId('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = byId('key').value.trim();
  const button = byId('sign-in-submit');
  const error = byId('sign-in-error');
  if (!key) {
    error.textContent = 'Paste an API key to sign in.';
    return;
  }
  button.disabled = true;
  error.textContent = '';
  try {
    await signIn(key);
  } catch (e) {
    signOut(e.message);
    byId('key').value = key; // a typo is easier to fix than to retype
  } finally {
    button.disabled = false;
  }
});

byId('sign-out').addEventListener('click', () => signOut());

byId('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  const from = byId('from').value;
  const to = byId('to').value;
  if (!from || !to) return showError(new Error('Pick both dates of the period.'));
  if (from > to) return showError(new Error(`The period starts (${from}) after it ends (${to}).`));
  setView({ from, to });
});

byId('account').addEventListener('change', (event) => setView({ account: event.target.value }));

byId('accounts-table').addEventListener('click', (event) => {
  const button = event.target.closest('[data-action="filter-account"]');
  if (button) setView({ account: button.dataset.accountId });
});

byId('breakdown-tabs').addEventListener('click', (event) => {
  const tab = event.target.closest('[role="tab"]');
  if (tab && tab.dataset.by !== view.by) setView({ by: tab.dataset.by });
});

// The WAI-ARIA tabs pattern: arrows move to the next or previous tab (wrapping), Home and End to
// the first and last; moving selects.
byId('breakdown-tabs').addEventListener('keydown', (event) => {
  const i = DIMENSIONS.findIndex(([id]) => id === view.by);
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + DIMENSIONS.length, Home: 0, End: DIMENSIONS.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const next = DIMENSIONS[to % DIMENSIONS.length][0];
  setView({ by: next });
  byId(`tab-${next}`).focus();
});

byId('orders-table').addEventListener('click', async (event) => {
  const button = event.target.closest('[data-action="toggle-order"]');
  if (!button || !session) return;
  const id = button.dataset.orderId;
  const row = button.closest('tr');
  if (expanded.delete(id)) {
    row.nextElementSibling?.matches('.detail') && row.nextElementSibling.remove();
    button.setAttribute('aria-expanded', 'false');
    button.textContent = 'Why?';
    return;
  }
  expanded.add(id);
  button.setAttribute('aria-expanded', 'true');
  button.textContent = 'Hide';
  row.after(orderDetailRow(id, undefined));
  try {
    await loadDetail(id);
  } catch (error) {
    return showError(error);
  }
  // A refresh may have redrawn the table meanwhile; put the detail wherever the row is now.
  const current = [...byId('orders-table').tBodies[0].rows].find((r) => r.dataset.orderId === id);
  if (!current || !expanded.has(id)) return;
  const old = current.nextElementSibling?.matches('.detail') ? current.nextElementSibling : undefined;
  const fresh = orderDetailRow(id, details.get(id));
  if (old) old.replaceWith(fresh);
  else current.after(fresh);
});

document.querySelector('.views').addEventListener('click', (event) => {
  const button = event.target.closest('[data-view]');
  if (!button || !session || button.dataset.view === tab) return;
  showTab(button.dataset.view);
  refresh();
});

byId('payout-run').addEventListener('submit', (event) => {
  event.preventDefault();
  payoutRun(false).catch(showError);
});
byId('payout-create').addEventListener('click', () => payoutRun(true).catch(showError));

byId('payout-export').addEventListener('click', async () => {
  const through = byId('payout-through').value;
  const format = byId('payout-format').value;
  try {
    const text = await session.api.text(`/v1/payouts/export${queryString({ through, format })}`);
    saveText(text, `affil-payouts-${format}${through ? `-${through}` : ''}.csv`);
  } catch (error) {
    showError(error);
  }
});

byId('payouts-table').addEventListener('submit', async (event) => {
  const form = event.target.closest('[data-action="mark-paid"]');
  if (!form) return;
  event.preventDefault();
  const reference = form.elements.reference.value.trim();
  if (!reference) return showError(new Error('Type the payment reference (e.g. the transfer id) first.'));
  try {
    await session.api.post(`/v1/payouts/${encodeURIComponent(form.dataset.payoutId)}/paid`, { reference });
    hideError();
    await loadPayments();
  } catch (error) {
    showError(error);
  }
});

byId('statement').addEventListener('click', async (event) => {
  const button = event.target.closest('[data-format]');
  if (!button || !session) return;
  const month = byId('statement-month').value;
  const currency = byId('statement-currency').value;
  if (!/^\d{4}-\d{2}$/.test(month)) return showError(new Error('Pick the month of the statement.'));
  const format = button.dataset.format;
  const type = { json: 'application/json', csv: 'text/csv', html: 'text/html' }[format];
  try {
    const text = await session.api.text(`/v1/statements${queryString({ month, currency, format })}`, { accept: type });
    saveText(text, `affil-statement-${month}-${currency}.${format}`, type);
  } catch (error) {
    showError(error);
  }
});

byId('csv-integrity').addEventListener('click', async () => {
  try {
    saveText(await session.api.text(`/v1/reports/integrity${queryString({ from: view.from, to: view.to, format: 'csv' })}`), `affil-integrity-${view.from}-to-${view.to}.csv`);
  } catch (error) {
    showError(error);
  }
});

byId('csv-summary').addEventListener('click', () => download('summary').catch(showError));
byId('csv-breakdown').addEventListener('click', () => download('breakdown').catch(showError));
byId('csv-health').addEventListener('click', () => download('health').catch(showError));

window.addEventListener('hashchange', () => {
  view = readView(location.hash);
  if (!session) return;
  if (session.role !== 'admin') view.account = '';
  showReport();
  if (session.role === 'admin') renderAccounts();
  refresh();
});

// ---- start ------------------------------------------------------------------------------------

const stored = readKey();
if (stored) {
  signIn(stored).catch((error) => {
    session = undefined;
    signOut(error.status === 401 ? 'Your saved key is no longer accepted. Sign in again.' : error.message);
  });
} else {
  signOut();
}
