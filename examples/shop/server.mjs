// A merchant's shop on its own origin, integrated with Affil's server kit: the landing URL's
// referral is kept in a server-set cookie and the checkout sends a signed order callback.
import express from 'express';
import { randomBytes } from 'node:crypto';
import { referralMiddleware, getReferral, createOrderClient } from '@affil/merchant';
import { CATALOG, formatUsd } from './catalog.mjs';
import { FAVICON_LINK, serveFavicon } from '../favicon.mjs';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readCart(req) {
  const raw = /(?:^|;\s*)cart=([^;]*)/.exec(req.headers.cookie ?? '')?.[1];
  try {
    const items = JSON.parse(decodeURIComponent(raw ?? '[]'));
    return Array.isArray(items) ? items.filter((i) => CATALOG[i.sku] && Number.isInteger(i.quantity) && i.quantity > 0) : [];
  } catch {
    return [];
  }
}
const writeCart = (res, items) => res.append('Set-Cookie', `cart=${encodeURIComponent(JSON.stringify(items))}; Path=/; SameSite=Lax; HttpOnly`);

export async function startShop({ port = 0, webhookSecret, log = () => {} }) {
  let collectorUrl;
  let client;
  const orders = new Map();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(referralMiddleware());
  app.get('/shop.js', (_req, res) => res.type('text/javascript').send(SHOP_JS));
  serveFavicon(app, { letter: 'S', colour: '#1a8f52' });

  const layout = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · Demo Shop</title>${FAVICON_LINK}
<script src="${collectorUrl}/affil-merchant.js"></script><script src="/shop.js" defer></script>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}button{font:inherit;padding:.4rem .9rem}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}.ok{color:#17692c}.no{color:#a33}</style>
</head><body><p><a href="/">Demo Shop</a> · <a href="/cart">Cart</a></p>${body}</body></html>`;

  app.get('/', (_req, res) => {
    const items = Object.entries(CATALOG).map(([sku, p]) => `<li><a href="/dp/${sku}">${esc(p.name)}</a> ${formatUsd(p.unitAmount)}</li>`);
    res.type('html').send(layout('Products', `<h1>Products</h1><ul>${items.join('')}</ul>`));
  });

  app.get('/dp/:sku', (req, res) => {
    const product = CATALOG[req.params.sku];
    if (!product) return res.status(404).type('html').send(layout('Not found', '<h1>No such product</h1>'));
    res.type('html').send(layout(product.name, `<h1>${esc(product.name)}</h1><p>${formatUsd(product.unitAmount)} · ${esc(product.category)}</p>
<form method="post" action="/cart" data-affil-sku="${esc(req.params.sku)}"><input type="hidden" name="sku" value="${esc(req.params.sku)}">
<label>Quantity <input name="quantity" type="number" min="1" value="1" size="3"></label> <button id="add-to-cart">Add to cart</button></form>`));
  });

  app.post('/cart', (req, res) => {
    const sku = String(req.body.sku ?? '');
    const quantity = Math.max(1, Math.min(99, Number.parseInt(req.body.quantity, 10) || 1));
    if (!CATALOG[sku]) return res.status(400).type('html').send(layout('Cart', '<h1>Unknown product</h1>'));
    const items = readCart(req);
    const line = items.find((i) => i.sku === sku);
    if (line) line.quantity += quantity;
    else items.push({ sku, quantity, addedAt: new Date().toISOString() });
    writeCart(res, items);
    res.redirect(303, '/cart');
  });

  app.get('/cart', (req, res) => {
    const items = readCart(req);
    const referral = getReferral(req);
    const rows = items.map((i) => `<tr><td>${esc(CATALOG[i.sku].name)}</td><td>${i.quantity}</td><td>${formatUsd(CATALOG[i.sku].unitAmount * i.quantity)}</td></tr>`);
    res.type('html').send(layout('Cart', `<h1>Cart</h1>${items.length ? `<table>${rows.join('')}</table>
<p>Referral: ${referral ? `tag <code>${esc(referral.tag)}</code>, click <code>${esc(referral.clickId)}</code>` : 'none'}</p>
<form method="post" action="/checkout"><button id="checkout">Place order</button></form>` : '<p>Your cart is empty.</p>'}`));
  });

  app.post('/checkout', async (req, res) => {
    const items = readCart(req);
    if (items.length === 0) return res.redirect(303, '/cart');
    const orderId = `DEMO-${randomBytes(5).toString('hex').toUpperCase()}`;
    const order = {
      orderId,
      marketplace: 'us',
      currency: 'USD',
      orderedAt: new Date().toISOString(),
      referral: getReferral(req) ?? undefined,
      items: items.map((i, n) => ({
        lineId: String(n + 1), sku: i.sku, name: CATALOG[i.sku].name, category: CATALOG[i.sku].category,
        quantity: i.quantity, unitAmount: CATALOG[i.sku].unitAmount, cartAddedAt: i.addedAt,
      })),
    };
    try {
      const attribution = await client.sendOrder(order);
      orders.set(orderId, order);
      writeCart(res, []);
      res.redirect(303, `/orders/${orderId}?attributed=${attribution.attributed}`);
    } catch (error) {
      log(`shop: order callback failed: ${error.message}`);
      res.status(502).type('html').send(layout('Checkout failed', `<h1>Checkout failed</h1><p>${esc(error.message)}</p>`));
    }
  });

  app.get('/orders/:orderId', (req, res) => {
    const order = orders.get(req.params.orderId);
    if (!order) return res.status(404).type('html').send(layout('Not found', '<h1>No such order</h1>'));
    const credited = req.query.attributed === 'true';
    const total = order.items.reduce((n, i) => n + i.unitAmount * i.quantity, 0);
    res.type('html').send(layout(`Order ${order.orderId}`, `<h1>Thank you!</h1><p>Order <code id="order-id">${esc(order.orderId)}</code>, ${formatUsd(total)}.</p>
<p id="attribution" class="${credited ? 'ok' : 'no'}">${credited ? 'This order was credited to the referring affiliate.' : 'No affiliate was credited for this order.'}</p>
<form method="post" action="/orders/${esc(order.orderId)}/shipped"><button id="ship">Ship everything</button></form>
<form method="post" action="/orders/${esc(order.orderId)}/returned"><button id="return">Return everything shipped</button></form>
${req.query.event ? `<p id="event-result">${esc(req.query.event)}</p>` : ''}`));
  });

  app.post('/orders/:orderId/:type', async (req, res) => {
    const { orderId, type } = req.params;
    if (type !== 'shipped' && type !== 'returned') return res.status(404).end();
    try {
      const order = await client.sendOrderEvent(orderId, { type, at: new Date().toISOString() });
      res.redirect(303, `/orders/${orderId}?attributed=${order.attributed}&event=${encodeURIComponent(`${type}: status ${order.status}, earned ${formatUsd(order.earned)}`)}`);
    } catch (error) {
      res.redirect(303, `/orders/${orderId}?event=${encodeURIComponent(error.message)}`);
    }
  });

  const server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const actualPort = server.address().port;
  return {
    // "localhost" rather than 127.0.0.1: the shop is a different origin (and cookie jar) from the blog.
    host: `localhost:${actualPort}`,
    url: `http://localhost:${actualPort}`,
    useCollector(url) {
      collectorUrl = url;
      client = createOrderClient({ collectorUrl: url, secret: webhookSecret, attempts: 3, timeoutMs: 5000 });
    },
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}

// Tells the collector about cart adds (the cart window), from the merchant landing script.
const SHOP_JS = `document.addEventListener('submit', function (e) {
  var sku = e.target && e.target.getAttribute && e.target.getAttribute('data-affil-sku');
  if (sku && window.Affil && Affil.cartAdd) Affil.cartAdd(sku);
});`;
