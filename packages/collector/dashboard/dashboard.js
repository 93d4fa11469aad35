// The Affil dashboard: plain ES module, no dependencies, everything served by the collector.
const $ = (id) => document.getElementById(id);
const KEY = 'affil.dashboard.key';
let key = sessionStorage.getItem(KEY);
let stream;

const day = (d) => d.toISOString().slice(0, 10);
const money = (amount, currency) => {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 10 ** digits);
  } catch {
    return `${amount} ${currency}`;
  }
};
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
  if (res.status === 401) throw new Error('That key was not accepted.');
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? `HTTP ${res.status}`);
  return res.headers.get('content-type')?.includes('json') ? res.json() : res.text();
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function card(label, value, id) {
  return el('div', { className: 'card', id: `card-${id}` }, el('div', { className: 'label', textContent: label }), el('div', { className: 'value', textContent: String(value) }));
}

async function refresh() {
  const q = `from=${$('from').value}&to=${$('to').value}`;
  const [summary, list] = await Promise.all([api(`/v1/reports/summary?${q}`), api(`/v1/orders?${q}&limit=20`)]);
  const cards = [
    card('Clicks', summary.clicks, 'clicks'),
    card('Orders', summary.orders, 'orders'),
    card('Conversion', pct(summary.conversionRate), 'conversion'),
    card('Items ordered', summary.itemsOrdered, 'items'),
    card('Shipped', summary.itemsShipped, 'shipped'),
    card('Returned', summary.itemsReturned, 'returned'),
  ];
  for (const [currency, t] of Object.entries(summary.byCurrency)) {
    cards.push(card(`Earnings ${currency}`, money(t.earnings, currency), `earnings-${currency}`));
    cards.push(card(`Pending ${currency}`, money(t.pending, currency), `pending-${currency}`));
    cards.push(card(`Revenue ${currency}`, money(t.revenue, currency), `revenue-${currency}`));
  }
  $('cards').replaceChildren(...cards);
  $('csv').href = '#';
  const rows = await Promise.all(list.orders.map(async (o) => {
    const detail = await api(`/v1/orders/${encodeURIComponent(o.orderId)}`);
    const why = detail.lines.map((l) => `${l.sku}: ${l.reason}`).join('; ');
    return el('tr', { id: `order-${o.orderId}` },
      el('td', { textContent: o.orderId }), el('td', { textContent: new Date(o.orderedAt).toLocaleString() }),
      el('td', { textContent: o.creditedTag ?? o.tag ?? '–' }), el('td', { textContent: o.status }),
      el('td', { textContent: money(o.commission, o.currency) }), el('td', { className: 'why', textContent: why, title: detail.explanation }));
  }));
  $('orders').tBodies[0].replaceChildren(...rows);
}

async function downloadCsv(event) {
  event.preventDefault();
  const csv = await api(`/v1/reports/summary?from=${$('from').value}&to=${$('to').value}&format=csv`);
  const a = el('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: 'affil-summary.csv' });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** SSE over fetch: EventSource cannot send the Authorization header. */
async function listen() {
  stream?.abort();
  stream = new AbortController();
  try {
    const res = await fetch('/v1/stream', { headers: { authorization: `Bearer ${key}` }, signal: stream.signal });
    $('live').classList.add('on');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let pending;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const frames = buffer.split('\n\n');
      buffer = frames.pop();
      if (frames.some((f) => /^event: /m.test(f))) {
        clearTimeout(pending);
        pending = setTimeout(() => refresh().catch(showError), 150);
      }
    }
  } catch (error) {
    if (error.name === 'AbortError') return;
  }
  $('live').classList.remove('on');
  setTimeout(() => key && listen(), 3000);
}

function showError(error) {
  $('sign-in-error').textContent = error.message;
}

async function start() {
  const now = new Date();
  $('to').value = day(now);
  $('from').value = day(new Date(now.getTime() - 29 * 86400000));
  try {
    await refresh();
  } catch (error) {
    sessionStorage.removeItem(KEY);
    key = null;
    $('sign-in').hidden = false;
    $('report').hidden = true;
    return showError(error);
  }
  $('sign-in').hidden = true;
  $('report').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = key.startsWith('affil_admin') ? 'Admin' : 'Affiliate';
  listen();
}

$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('key').value.trim();
  sessionStorage.setItem(KEY, key);
  start();
});
$('period').addEventListener('submit', (event) => {
  event.preventDefault();
  refresh().catch(showError);
});
$('csv').addEventListener('click', (event) => downloadCsv(event).catch(showError));
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});

if (key) start();
else $('sign-in').hidden = false;
