import { z } from 'zod';
import { orderEventSchema, orderSchema } from '@affil/merchant/contract';
import { accountSchema, tagSchema } from '../services/accounts.js';
import { periodSchema } from '../services/reports.js';
import { BREAKDOWNS } from '../domain/summary.js';
import { MAX_EVENTS_PER_BATCH } from '../services/events.js';
import { postbackCreateSchema, webhookCreateSchema, webhookUpdateSchema } from '../domain/events-out/schemas.js';
import { reviewRequestSchema } from '../domain/integrity/review.js';
import { openApiDocument, type JsonSchema, type RouteDoc } from './openapi.js';

/**
 * Every route of the collector, today's and those SPEC §10 specifies (`planned`), for the OpenAPI
 * description. Request schemas are the ones the routes parse with wherever those are exported
 * zod schemas; the rest (marked "described here" below) are written out until their services
 * export their schemas.
 */

// Described here: `services/events.ts` keeps its beacon schema private.
const beaconEvent: JsonSchema = {
  type: 'object',
  required: ['type', 'id'],
  properties: {
    type: { enum: ['click', 'pageview', 'landing', 'cart_add'] },
    id: { type: 'string', format: 'uuid' },
    tag: { type: 'string', maxLength: 128 },
    url: { type: 'string', maxLength: 4096, description: 'click: the destination as navigated' },
    page: { type: 'string', maxLength: 2048, description: 'the source page; kept as origin + path' },
    session: { type: 'string', maxLength: 128 },
    via: { enum: ['click', 'middle', 'keyboard', 'contextmenu', 'touch'] },
    links: { type: 'integer', minimum: 0, maximum: 100000 },
    click: { type: 'string', format: 'uuid', description: 'landing, cart_add: the click ID' },
    sku: { type: 'string', maxLength: 128 },
    at: { type: 'integer', minimum: 0, description: 'epoch ms' },
    age: { type: 'integer', minimum: 0, description: 'ms since the browser created the event' },
    sub: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'click: the publisher\'s sub-ID; an invalid one is dropped, the click kept' },
    trusted: { type: 'boolean', description: 'click: event.isTrusted (a wrong type is dropped)' },
    visible: { type: 'boolean', description: 'click: the page was visible, its viewport at least 10×10 px' },
    framed: { type: 'boolean', description: 'click: the page ran in a frame' },
    dwell: { type: 'integer', minimum: 0, description: 'click: ms since the page loaded' },
  },
};
const beaconBody: JsonSchema = {
  oneOf: [beaconEvent, { type: 'object', required: ['events'], properties: { events: { type: 'array', maxItems: MAX_EVENTS_PER_BATCH, items: beaconEvent } } }],
};
// Described here: `services/reports.ts` builds these from `periodSchema` without exporting them.
const breakdownQuery = periodSchema.extend({ by: z.enum(BREAKDOWNS), format: z.enum(['json', 'csv']).optional() });
const listQuery = periodSchema.extend({
  limit: z.string().regex(/^\d{1,4}$/).optional().describe('1 to 1000'),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'csv']).optional(),
});
const reportQuery = periodSchema.extend({ format: z.enum(['json', 'csv']).optional() });

const json = (description: string) => ({ description, contentType: 'application/json' });
const csvOrJson = (description: string) => ({ description: `${description} (CSV for ?format=csv)`, contentType: 'application/json' });
const noContent = { '204': 'Done' };
const preflight = { '204': 'CORS preflight answered' };

export const ROUTES: readonly RouteDoc[] = [
  // ——— public (browser) ———
  { method: 'get', path: '/affil.js', tag: 'public', auth: 'none', summary: 'The publisher SDK with the program embedded', responses: { '200': { description: 'JavaScript', contentType: 'text/javascript' }, '304': 'Not modified' } },
  { method: 'get', path: '/affil-merchant.js', tag: 'public', auth: 'none', summary: 'The merchant landing script', responses: { '200': { description: 'JavaScript', contentType: 'text/javascript' }, '304': 'Not modified' } },
  { method: 'options', path: '/affil.js', tag: 'public', auth: 'none', summary: 'CORS preflight', responses: preflight },
  { method: 'options', path: '/affil-merchant.js', tag: 'public', auth: 'none', summary: 'CORS preflight', responses: preflight },
  { method: 'post', path: '/v1/events', tag: 'public', auth: 'none', summary: 'Beacons: one event or {events: [...]} (≤ 50), sent as text/plain or JSON', body: beaconBody, bodyTypes: ['text/plain', 'application/json'], responses: { '202': json('{accepted, duplicates, rejected: [{index, detail}]}'), '413': 'Body over 16 KiB or more than 50 events', '429': 'Rate limited' } },
  { method: 'options', path: '/v1/events', tag: 'public', auth: 'none', summary: 'CORS preflight', responses: preflight },
  { method: 'get', path: '/go/:tag', tag: 'public', auth: 'none', summary: 'Click redirect: records a click and answers 302 to the decorated destination', query: z.object({ url: z.string(), page: z.string().optional(), sub: z.string().optional().describe('sub-ID (planned)') }), responses: { '302': 'To the decorated destination', '429': 'Rate limited' } },
  { method: 'options', path: '/go/:tag', tag: 'public', auth: 'none', summary: 'CORS preflight', responses: preflight },
  { method: 'get', path: '/openapi.json', tag: 'public', auth: 'none', summary: 'This description', responses: { '200': json('OpenAPI 3.1') } },
  { method: 'get', path: '/.well-known/affil-statement-key', tag: 'public', auth: 'none', summary: 'Statement signing keys (JWK set, Ed25519)', responses: { '200': json('{keys: [{kid, kty: "OKP", crv: "Ed25519", x}]}') } },

  // ——— operations ———
  { method: 'get', path: '/healthz', tag: 'operations', auth: 'none', summary: '200 when the database answers and takes a write', responses: { '200': json('{status: "ok"}'), '503': json('{status: "unavailable", reason}') } },
  { method: 'get', path: '/metrics', tag: 'operations', auth: 'metrics', summary: 'Prometheus metrics (admin key unless metricsPublic)', responses: { '200': { description: 'Prometheus text format', contentType: 'text/plain' } } },

  // ——— merchant (signed) ———
  { method: 'post', path: '/v1/orders', tag: 'merchant', auth: 'signed', summary: 'An order callback: stores and attributes the order', body: orderSchema, responses: { '201': json('The attribution'), '200': json('A repeat: the same attribution'), '409': 'webhook-id reused with other content, or the orderId with different content' } },
  { method: 'post', path: '/v1/orders/:orderId/events', tag: 'merchant', auth: 'signed', summary: 'Shipped, cancelled or returned units', body: orderEventSchema, responses: { '200': json('The order as GET shows it'), '409': 'More than is open, shipped or returnable' } },

  // ——— accounts and keys ———
  { method: 'get', path: '/v1/me', tag: 'accounts', auth: 'key', summary: 'Who the key belongs to', responses: { '200': json('{role, account?}') } },
  { method: 'post', path: '/v1/accounts', tag: 'accounts', auth: 'admin', summary: 'Create an account', body: accountSchema, responses: { '201': json('{id, name, createdAt}') } },
  { method: 'get', path: '/v1/accounts', tag: 'accounts', auth: 'admin', summary: 'List accounts', responses: { '200': json('{accounts: [...]}') } },
  { method: 'patch', path: '/v1/accounts/:id', tag: 'accounts', auth: 'admin', summary: 'Payout method and e-mail', body: { type: 'object', properties: { payoutMethod: { type: 'string' }, payoutEmail: { type: 'string', format: 'email' } } }, responses: { '200': json('The account') } },
  { method: 'post', path: '/v1/accounts/:id/tags', tag: 'accounts', auth: 'admin', summary: 'Register a tracking ID', body: tagSchema, responses: { '201': json('The tag'), '409': 'Tag taken' } },
  { method: 'get', path: '/v1/accounts/:id/tags', tag: 'accounts', auth: 'key', summary: 'An account\'s tracking IDs', responses: { '200': json('{tags: [...]}') } },
  { method: 'get', path: '/v1/tags', tag: 'accounts', auth: 'key', summary: 'Tags the key may see (admin: all, with their accounts)', responses: { '200': json('{tags: [...]}') } },
  { method: 'post', path: '/v1/accounts/:id/keys', tag: 'accounts', auth: 'admin', summary: 'Issue an account key (shown once)', responses: { '201': json('{id, key}') } },
  { method: 'delete', path: '/v1/keys/:keyId', tag: 'accounts', auth: 'admin', summary: 'Revoke a key', responses: noContent },

  // ——— orders, clicks, reports ———
  { method: 'get', path: '/v1/orders', tag: 'reports', auth: 'key', summary: 'Orders, newest first', query: listQuery, responses: { '200': csvOrJson('{orders: [...], nextCursor}') } },
  { method: 'get', path: '/v1/orders/:orderId', tag: 'reports', auth: 'key', summary: 'An order: lines, ledger entries, attribution explanation', responses: { '200': json('The order') } },
  { method: 'post', path: '/v1/orders/:orderId/review', tag: 'integrity', auth: 'admin', summary: 'Release or reject a held order', body: reviewRequestSchema, responses: { '200': json('The order') } },
  { method: 'get', path: '/v1/clicks', tag: 'reports', auth: 'key', summary: 'Raw clicks, newest first', query: listQuery, responses: { '200': csvOrJson('{clicks: [...], nextCursor}') } },
  { method: 'get', path: '/v1/reports/summary', tag: 'reports', auth: 'key', summary: 'Clicks, orders, items and money for a period', query: reportQuery, responses: { '200': csvOrJson('The summary') } },
  { method: 'get', path: '/v1/reports/breakdown', tag: 'reports', auth: 'key', summary: 'The summary\'s metrics by day, tag, marketplace, category, product or page', query: breakdownQuery, responses: { '200': csvOrJson('{by, rows: [...]}') } },
  { method: 'get', path: '/v1/reports/link-health', tag: 'reports', auth: 'key', summary: 'Links with unregistered, malformed or wrong-marketplace tags', query: reportQuery, responses: { '200': csvOrJson('{rows: [...]}') } },
  { method: 'get', path: '/v1/reports/integrity', tag: 'integrity', auth: 'admin', summary: 'Held and flagged orders and clicks', query: reportQuery, responses: { '200': csvOrJson('The integrity report') } },
  { method: 'get', path: '/v1/stream', tag: 'reports', auth: 'key', summary: 'Server-Sent Events: clicks, orders, adjustments', responses: { '200': { description: 'An event stream', contentType: 'text/event-stream' }, '429': 'Too many streams' } },

  // ——— money out (planned) ———
  { method: 'get', path: '/v1/balance', tag: 'payouts', auth: 'key', summary: 'Buckets per currency: pending, maturing, payable, inPayout, paid, onHold, carriedForward; and the next payout per currency (amount, first day a run pays it)', query: z.object({ account: z.string().optional() }), responses: { '200': json('{account, byCurrency, nextPayout: {USD: {amount, payableOn, minimum, belowMinimum}}} (admin without account: {accounts: [...]})') } },
  { method: 'post', path: '/v1/payouts', tag: 'payouts', auth: 'admin', summary: 'Pay every payable entry through a date (idempotent per date)', body: { type: 'object', required: ['through'], properties: { through: { type: 'string', format: 'date' } } }, responses: { '201': json('{payouts: [...]}') } },
  { method: 'get', path: '/v1/payouts', tag: 'payouts', auth: 'key', summary: 'List payouts', responses: { '200': json('{payouts: [...]}') } },
  { method: 'get', path: '/v1/payouts/preview', tag: 'payouts', auth: 'admin', summary: 'What POST /v1/payouts would create through a date, without storing it', query: { type: 'object', required: ['through'], properties: { through: { type: 'string', format: 'date' } } }, responses: { '200': json('{payouts: [...]}') } },
  { method: 'get', path: '/v1/payouts/export', tag: 'payouts', auth: 'admin', summary: 'Payout file: CSV, PayPal or Wise', query: { type: 'object', required: ['through'], properties: { through: { type: 'string', format: 'date' }, format: { enum: ['csv', 'paypal', 'wise'] } } }, responses: { '200': { description: 'The file', contentType: 'text/csv' } } },
  { method: 'get', path: '/v1/payouts/:id', tag: 'payouts', auth: 'key', summary: 'A payout', responses: { '200': json('{id, account, currency, amount, through, status, entries, reference?}') } },
  { method: 'post', path: '/v1/payouts/:id/paid', tag: 'payouts', auth: 'admin', summary: 'Mark paid', body: { type: 'object', required: ['reference'], properties: { reference: { type: 'string' } } }, responses: { '200': json('The payout') } },
  { method: 'post', path: '/v1/payouts/:id/cancel', tag: 'payouts', auth: 'admin', summary: 'Cancel an unpaid payout', responses: { '200': json('The payout') } },
  { method: 'get', path: '/v1/statements', tag: 'payouts', auth: 'key', summary: 'Monthly signed statements', query: { type: 'object', required: ['month'], properties: { month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, account: { type: 'string' }, currency: { type: 'string' }, format: { enum: ['json', 'csv', 'html'] } } }, responses: { '200': json('Statements, each signed (Ed25519 over RFC 8785 JSON)') } },

  // ——— events out ———
  { method: 'post', path: '/v1/webhooks', tag: 'events-out', auth: 'key', summary: 'Add a webhook endpoint; answers its whsec_ secret once', body: webhookCreateSchema, responses: { '201': json('The endpoint and its secret') } },
  { method: 'get', path: '/v1/webhooks', tag: 'events-out', auth: 'key', summary: 'List webhook endpoints', responses: { '200': json('{webhooks: [...]}') } },
  { method: 'get', path: '/v1/webhooks/:id', tag: 'events-out', auth: 'key', summary: 'A webhook endpoint (disabled ones with the reason)', responses: { '200': json('The endpoint') } },
  { method: 'patch', path: '/v1/webhooks/:id', tag: 'events-out', auth: 'key', summary: 'Change URL, events, description; re-enable', body: webhookUpdateSchema, responses: { '200': json('The endpoint') } },
  { method: 'delete', path: '/v1/webhooks/:id', tag: 'events-out', auth: 'key', summary: 'Delete a webhook endpoint', responses: noContent },
  { method: 'post', path: '/v1/webhooks/:id/rotate', tag: 'events-out', auth: 'key', summary: 'A new secret (shown once); the old one keeps signing for 24 h', responses: { '200': json('{secret}') } },
  { method: 'get', path: '/v1/webhooks/:id/deliveries', tag: 'events-out', auth: 'key', summary: 'Deliveries: attempts, status codes, timings', query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }), responses: { '200': json('{deliveries: [...], nextCursor}') } },
  { method: 'post', path: '/v1/webhooks/:id/deliveries/:deliveryId/retry', tag: 'events-out', auth: 'key', summary: 'Send a delivery again now', responses: { '202': json('The delivery, queued') } },
  { method: 'post', path: '/v1/postbacks', tag: 'events-out', auth: 'key', summary: 'Add a postback URL template', body: postbackCreateSchema, responses: { '201': json('The postback') } },
  { method: 'get', path: '/v1/postbacks', tag: 'events-out', auth: 'key', summary: 'List postbacks', responses: { '200': json('{postbacks: [...]}') } },
  { method: 'get', path: '/v1/postbacks/:id/deliveries', tag: 'events-out', auth: 'key', summary: "A postback's deliveries: attempts, status codes, timings", query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }), responses: { '200': json('{deliveries: [...], nextCursor}') } },
  { method: 'delete', path: '/v1/postbacks/:id', tag: 'events-out', auth: 'key', summary: 'Delete a postback', responses: noContent },

  // ——— dashboard ———
  { method: 'get', path: '/', tag: 'dashboard', auth: 'none', summary: 'Redirects to /dashboard', responses: { '302': 'To /dashboard' } },
  { method: 'get', path: '/dashboard', tag: 'dashboard', auth: 'none', summary: 'The dashboard page (its modules are static files under /dashboard/)', responses: { '200': { description: 'HTML', contentType: 'text/html' } } },
  { method: 'get', path: '/dashboard/program.json', tag: 'dashboard', auth: 'none', summary: 'The program as the link builder needs it', responses: { '200': json('{tagPattern, publicUrl, marketplaces}') } },
  { method: 'get', path: '/dashboard/vendor/:file', tag: 'dashboard', auth: 'none', summary: 'A library the dashboard loads', responses: { '200': 'The file' } },
];

let cached: JsonSchema | undefined;

/** The collector's OpenAPI document (built once). */
export function collectorOpenApi(version = '0.1.0'): JsonSchema {
  cached ??= openApiDocument(ROUTES, {
    title: 'Affil collector',
    version,
    description: 'Self-hosted affiliate tracking. Errors are application/problem+json (RFC 9457). Operations marked x-affil-status: planned are specified but not served yet.',
  });
  return cached;
}
