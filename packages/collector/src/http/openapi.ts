import { z } from 'zod';

/**
 * The OpenAPI 3.1 description (`GET /openapi.json`, SPEC §10) is generated from a route table
 * (`api-description.ts`) whose request schemas are the zod schemas the routes validate with,
 * converted by zod's own JSON Schema output (draft 2020-12, the dialect of OpenAPI 3.1). Nothing
 * is written twice, and `registeredRoutes` lets a test hold the table against the app.
 */

/** A JSON Schema written out, for requests whose validation is not a declarative schema. */
export type JsonSchema = { [key: string]: unknown };
type SchemaSource = z.ZodType | JsonSchema;

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/**
 * Who may call a route: `none` (public), `signed` (Standard Webhooks, the merchant's order
 * callbacks), `admin` (the admin key), `key` (the admin or an account key; an account sees its own
 * data only), `metrics` (the admin key unless `metricsPublic`).
 */
export type RouteAuth = 'none' | 'signed' | 'admin' | 'key' | 'metrics';

export interface ResponseDoc {
  description: string;
  /** Default `application/json`. */
  contentType?: string;
  schema?: SchemaSource;
}

export interface RouteDoc {
  method: HttpMethod;
  /** Express style, as registered: `/v1/accounts/:id/tags`. */
  path: string;
  summary: string;
  auth: RouteAuth;
  /** Grouping in viewers: `orders`, `reports`, `events-out`, … */
  tag: string;
  /** Specified (SPEC §10) but not served yet: marked `x-affil-status: planned`. */
  planned?: boolean;
  /** Query parameters: a zod object (each key one parameter) or a JSON Schema object with `properties`. */
  query?: SchemaSource;
  body?: SchemaSource;
  /** The body's media types; default `application/json`. */
  bodyTypes?: readonly string[];
  /** By status code; the problem answers (4xx) are added from `auth` and `body`. */
  responses: Record<string, string | ResponseDoc>;
}

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

const isZod = (s: SchemaSource): s is z.ZodType => s instanceof z.ZodType;

/** A JSON Schema for the request side of `schema` (what may be sent, before transforms). */
export function jsonSchemaOf(schema: SchemaSource): JsonSchema {
  if (!isZod(schema)) return schema;
  // `unrepresentable: 'any'`: a custom refinement (a UUID check, a calendar-date check) cannot be
  // expressed and is left out, the rest of the field's constraints stay.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/v1/accounts/:id/tags` → `/v1/accounts/{id}/tags`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

const pathParams = (path: string) => [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

function queryParameters(source: SchemaSource): object[] {
  const schema = jsonSchemaOf(source) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return { name, in: 'query', required: schema.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

const SECURITY: Record<RouteAuth, object[]> = {
  none: [],
  signed: [{ standardWebhooks: [] }],
  admin: [{ adminKey: [] }],
  key: [{ adminKey: [] }, { accountKey: [] }],
  metrics: [{ adminKey: [] }, {}],
};

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

function responsesOf(route: RouteDoc): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const doc = typeof r === 'string' ? { description: r } : r;
    out[status] = {
      description: doc.description,
      ...(doc.schema || doc.contentType ? { content: { [doc.contentType ?? 'application/json']: doc.schema ? { schema: jsonSchemaOf(doc.schema) } : {} } } : {}),
    };
  }
  const add = (status: string, description: string) => (out[status] ??= problemResponse(description));
  if (route.body || route.query) add('400', 'Malformed input (problem+json naming the field)');
  if (route.auth === 'signed') add('401', 'Missing or invalid Standard Webhooks signature');
  else if (route.auth !== 'none') add('401', 'Missing or unknown key');
  if (route.auth === 'admin' || route.auth === 'metrics') add('403', 'The admin key is needed');
  if (pathParams(route.path).length > 0) add('404', 'No such resource (or not the account\'s own)');
  if (route.body) add('422', 'Well-formed but not acceptable (problem+json naming the field)');
  return out;
}

const operationId = (route: RouteDoc) =>
  `${route.method}${route.path.split('/').filter(Boolean).map((s) => s.replace(/^[:*]/, 'by-').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())).map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('')}`;

/** The OpenAPI 3.1 document for `routes`. Throws on a route listed twice (the table is wrong). */
export function openApiDocument(routes: readonly RouteDoc[], info: DocumentInfo): JsonSchema {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is listed twice`);
    const parameters = [
      ...pathParams(route.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(route.query ? queryParameters(route.query) : []),
    ];
    item[route.method] = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      ...(route.planned ? { description: 'Specified (SPEC §10), not served yet.', 'x-affil-status': 'planned' } : {}),
      security: SECURITY[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: Object.fromEntries((route.bodyTypes ?? ['application/json']).map((type) => [type, { schema: jsonSchemaOf(route.body!) }])) } } : {}),
      responses: responsesOf(route),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}), license: { name: 'MIT', identifier: 'MIT' } },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key: sees and manages everything.' },
        accountKey: { type: 'http', scheme: 'bearer', description: 'An account key: its own account\'s data only; another account\'s is 404.' },
        standardWebhooks: {
          type: 'apiKey', in: 'header', name: 'webhook-signature',
          description: 'Standard Webhooks: webhook-id, webhook-timestamp (unix seconds) and webhook-signature `v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>` with a whsec_ secret.',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details.',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}

// ——— what the app actually serves ———

interface StackLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: StackLayer[] };
  rawPath?: unknown;
}

/**
 * Every (method, path) registered on an Express 5 app, sub-routers included, in Express path form.
 * Reads the router stack (router 2.x: `route.path`, `route.methods`, `layer.rawPath` for a mount
 * point); `HEAD` (answered by every GET) and middleware-only mounts (static files) are not routes.
 */
export function registeredRoutes(app: { router: { stack: StackLayer[] } }): { method: HttpMethod; path: string }[] {
  const found: { method: HttpMethod; path: string }[] = [];
  const walk = (stack: readonly StackLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) {
          if (method === 'head' || method === '_all') continue;
          for (const path of paths) found.push({ method: method as HttpMethod, path: `${prefix}${path}` });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk(app.router.stack, '');
  return found;
}
