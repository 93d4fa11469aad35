import express from 'express';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectorOpenApi, ROUTES } from '../../src/http/api-description.js';
import { openApiDocument, openApiPath, registeredRoutes } from '../../src/http/openapi.js';
import { useCollectors } from '../helpers/collector.js';

type Doc = { paths: Record<string, Record<string, { 'x-affil-status'?: string; requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { name: string; in: string }[] }>> };

describe('the OpenAPI description', () => {
  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    const result = await validate(structuredClone(collectorOpenApi()) as never);
    if (!result.valid) expect.fail(compileErrors(result));
    expect(result.specification).toBe('OpenAPI');
    expect(collectorOpenApi().openapi).toBe('3.1.0');
  });

  it('a broken document is caught by the same validator (the check can fail)', async () => {
    const broken = structuredClone(collectorOpenApi()) as Doc;
    broken.paths['/v1/accounts/{id}/tags']!.get!.parameters![0]!.in = 'body';
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('request bodies come from the zod schemas the routes parse with', () => {
    const doc = collectorOpenApi() as Doc;
    const order = doc.paths['/v1/orders']!.post!.requestBody!.content['application/json']!.schema as { required: string[]; properties: Record<string, { maxItems?: number }> };
    expect(order.required).toEqual(expect.arrayContaining(['orderId', 'marketplace', 'currency', 'orderedAt', 'items']));
    expect(order.properties.items!.maxItems).toBe(1000);
    const webhook = doc.paths['/v1/webhooks']!.post!.requestBody!.content['application/json']!.schema as { properties: { events: { items: { enum: string[] } } }; additionalProperties: boolean };
    expect(webhook.properties.events.items.enum).toContain('order.attributed');
    expect(webhook.additionalProperties).toBe(false);
    expect(doc.paths['/v1/reports/breakdown']!.get!.parameters!.map((p) => p.name)).toEqual(['from', 'to', 'account', 'tag', 'marketplace', 'by', 'format']);
    expect(doc.paths['/v1/accounts/{id}/tags']!.get!.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('marks no route as planned: every SPEC §10 route is served', () => {
    const doc = collectorOpenApi() as Doc;
    for (const [path, method] of [['/v1/orders/{orderId}/review', 'post'], ['/v1/reports/integrity', 'get'], ['/v1/orders', 'post'], ['/v1/webhooks', 'post'], ['/v1/postbacks/{id}', 'delete'], ['/openapi.json', 'get'], ['/v1/payouts', 'post'], ['/v1/balance', 'get']] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      expect(doc.paths[path]?.[method]?.['x-affil-status'], `${method} ${path}`).toBeUndefined();
    }
  });

  it('refuses a route listed twice', () => {
    const route = { method: 'get' as const, path: '/x', summary: 'x', auth: 'none' as const, tag: 't', responses: { '200': 'ok' } };
    expect(() => openApiDocument([route, route], { title: 't', version: '1' })).toThrow('GET /x is listed twice');
  });

  it('converts Express paths', () => {
    expect(openApiPath('/v1/webhooks/:id/deliveries/:deliveryId/retry')).toBe('/v1/webhooks/{id}/deliveries/{deliveryId}/retry');
  });

  it('zod objects become query parameters with their constraints', () => {
    const doc = openApiDocument([{ method: 'get', path: '/q', summary: 'q', auth: 'none', tag: 't', query: z.object({ n: z.string().max(3), m: z.enum(['a', 'b']).optional() }), responses: { '200': 'ok' } }], { title: 't', version: '1' }) as Doc;
    expect(doc.paths['/q']!.get!.parameters).toEqual([
      { name: 'n', in: 'query', required: true, schema: { type: 'string', maxLength: 3 } },
      { name: 'm', in: 'query', required: false, schema: { type: 'string', enum: ['a', 'b'] } },
    ]);
  });
});

describe('the description against the routes the app registers', () => {
  // The Express app is built inside startCollector: capture it as Express initialises it.
  const apps: { router: { stack: never[] } }[] = [];
  const original = express.application.init;
  beforeEach(() => {
    express.application.init = function (this: { router: { stack: never[] } }) {
      apps.push(this);
      return original.call(this);
    };
  });
  afterEach(() => {
    express.application.init = original;
    apps.length = 0;
  });
  const collector = useCollectors();

  it('every registered route is described, and every route described as served is registered', async () => {
    await collector();
    expect(apps).toHaveLength(1);
    const registered = registeredRoutes(apps[0]!).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    expect(registered.length).toBeGreaterThan(25);
    const doc = collectorOpenApi() as Doc;
    const described = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, planned: op['x-affil-status'] === 'planned' })));

    const undescribed = registered.filter((r) => !described.some((d) => d.route === r));
    expect(undescribed, 'registered but missing from api-description.ts').toEqual([]);
    const missing = described.filter((d) => !d.planned && !registered.includes(d.route)).map((d) => d.route);
    expect(missing, 'described as served but not registered').toEqual([]);
    // Once a planned route lands, its `planned` flag must go.
    const landed = described.filter((d) => d.planned && registered.includes(d.route)).map((d) => d.route);
    expect(landed, 'registered but still marked planned').toEqual([]);
  });

  it('the walker sees sub-routers, mount paths and multi-path routes', () => {
    const app = express();
    const inner = express.Router();
    inner.get('/b/:id', (_req, res) => void res.end());
    inner.options(['/c', '/d'], (_req, res) => void res.end());
    app.use('/a', inner);
    app.post('/e', (_req, res) => void res.end());
    app.use('/static', express.static('.'));
    expect(registeredRoutes(app as never)).toEqual([
      { method: 'get', path: '/a/b/:id' },
      { method: 'options', path: '/a/c' },
      { method: 'options', path: '/a/d' },
      { method: 'post', path: '/e' },
    ]);
  });

  it('the table covers every route once', () => {
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
  });
});
