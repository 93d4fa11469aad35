import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getRaw, useCollectors, type Reply } from '../helpers/collector.js';
import { clickEvent } from '../helpers/fixtures.js';

const start = useCollectors();

/** The dashboard's policy, directive by directive (helmet's serialisation is its own business). */
const DASHBOARD_CSP: Record<string, string> = {
  'default-src': "'self'",
  'img-src': "'self' data:",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

function cspDirectives(reply: Reply): Record<string, string> {
  const header = reply.headers.get('content-security-policy') ?? '';
  return Object.fromEntries(
    header.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, ...values] = d.split(/\s+/);
      return [name!, values.join(' ')];
    }),
  );
}

describe('dashboard security headers', () => {
  it('gives the page and its assets the dashboard CSP and helmet protections', async () => {
    const c = await start();
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/lib/health.js', '/dashboard/vendor/uPlot.esm.js']) {
      const reply = await c.request('GET', path);
      expect(reply.status, path).toBe(200);
      expect(cspDirectives(reply), path).toEqual(DASHBOARD_CSP);
      expect(reply.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(reply.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(reply.headers.get('x-frame-options'), path).toBe('DENY');
      expect(reply.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(reply.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(reply.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(reply.headers.get('x-powered-by'), path).toBeNull();
    }
    // Even a dashboard path that does not exist answers with the protections.
    const missing = await c.request('GET', '/dashboard/no-such-file.js');
    expect(missing.status).toBe(404);
    expect(cspDirectives(missing)).toEqual(DASHBOARD_CSP);
  });

  it('sends the page and its assets compressed to browsers that take it', async () => {
    const c = await start();
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/vendor/uPlot.esm.js']) {
      const plain = (await c.request('GET', path)).text;
      const gz = await getRaw(`${c.url}${path}`, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding'], path).toBe('gzip');
      expect(gunzipSync(gz.body).toString('utf8'), path).toBe(plain);
      if (path.endsWith('uPlot.esm.js')) expect(gz.body.length).toBeLessThan(plain.length / 2);
    }
  });

  it('leaves the CORS-open SDK and beacon endpoints as they were', async () => {
    const c = await start();
    const sdk = await c.request('GET', '/affil.js');
    const beacon = await c.beacon(clickEvent('janesblog-20'));
    const preflight = await c.request('OPTIONS', '/v1/events', { headers: { origin: 'https://blog.example', 'access-control-request-method': 'POST' } });
    expect(sdk.status).toBe(200);
    expect(beacon.status).toBe(202);
    for (const [name, reply] of Object.entries({ sdk, beacon, preflight })) {
      expect(reply.headers.get('access-control-allow-origin'), name).toBe('*');
      expect(reply.headers.get('content-security-policy'), name).toBeNull();
      expect(reply.headers.get('x-frame-options'), name).toBeNull();
      expect(reply.headers.get('cross-origin-resource-policy'), name).toBeNull();
      expect(reply.headers.get('cross-origin-opener-policy'), name).toBeNull();
    }
  });
});
