import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEndpointSecret, signWebhook } from '../../src/outbound/sign.js';
import { send, sendPostback, sendWebhook } from '../../src/outbound/send.js';
import type { Resolver } from '../../src/outbound/address-guard.js';
import { orderAttributed, payloadBody } from '../../src/domain/events-out/payloads.js';

interface Received { method: string; url: string; headers: IncomingMessage['headers']; body: string }
interface Receiver { url: string; port: number; received: Received[] }

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })));
});

/** A real HTTP receiver on 127.0.0.1, an ephemeral port; `answer` decides the reply. */
async function receiver(answer: (req: Received, res: ServerResponse) => void = (_req, res) => void res.end('ok')): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body };
      received.push(r);
      answer(r, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, received };
}

const fixed = (table: Record<string, string[]>): Resolver => async (name) =>
  (table[name] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const event = orderAttributed({
  orderId: '112-1', marketplace: 'us', currency: 'USD', orderedAt: Date.parse('2026-11-20T10:00:00Z'), account: 'acc_1', tag: 'janesblog-20',
  creditedTag: 'janesblog-20', clickId: 'c-1', sub: null, attributed: true, rule: 'click_window', status: 'pending',
  lines: [{ lineId: '1', sku: 'B0', category: 'electronics', quantity: 1, unitAmount: 49900, attributed: true, rateBp: 400, commission: 1996 }],
});

describe('SSRF guard against a real local server', () => {
  it.each([
    { name: 'an IPv4 literal', url: (r: Receiver) => `${r.url}/hook`, refused: /127\.0\.0\.1 is a loopback address/ },
    { name: 'localhost (the system resolver)', url: (r: Receiver) => `http://localhost:${r.port}/hook`, refused: /loopback/ },
    { name: 'an IPv4-mapped IPv6 literal', url: (r: Receiver) => `http://[::ffff:127.0.0.1]:${r.port}/hook`, refused: /loopback/ },
    { name: 'the decimal form of 127.0.0.1', url: (r: Receiver) => `http://2130706433:${r.port}/hook`, refused: /loopback/ },
  ])('refuses $name by default: nothing reaches the server', async ({ url, refused }) => {
    const r = await receiver();
    const result = await send({ method: 'POST', url: url(r), body: '{}' });
    expect(result).toMatchObject({ ok: false, status: null, refused: true });
    expect(result.error).toMatch(refused);
    expect(r.received).toHaveLength(0);
  });

  it('refuses a DNS name that resolves to loopback, and one mixing public and private', async () => {
    const r = await receiver();
    const resolver = fixed({ 'hooks.example': ['127.0.0.1'], 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    const one = await send({ method: 'POST', url: `http://hooks.example:${r.port}/`, body: '{}' }, { resolver });
    const two = await send({ method: 'POST', url: `http://mixed.example:${r.port}/`, body: '{}' }, { resolver });
    expect(one.error).toBe('refused hooks.example: 127.0.0.1 is a loopback address');
    expect(two.error).toMatch(/refused mixed\.example: 127\.0\.0\.1/);
    expect(r.received).toHaveLength(0);
  });

  it('DNS rebinding: a check that saw a public address earlier does not let the connection reach loopback', async () => {
    const r = await receiver();
    let calls = 0;
    // Public to whoever asks first (a check at registration time), loopback afterwards.
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    expect(await rebinding('rebind.example')).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const result = await send({ method: 'POST', url: `http://rebind.example:${r.port}/`, body: '{}' }, { resolver: rebinding });
    expect(result).toMatchObject({ ok: false, refused: true });
    expect(r.received).toHaveLength(0);
  });

  it('guards https the same way (refused before any TLS handshake)', async () => {
    const resolver = fixed({ 'metadata.example': ['169.254.169.254'] });
    const byName = await send({ method: 'POST', url: 'https://metadata.example/latest', body: '{}' }, { resolver });
    expect(byName).toMatchObject({ ok: false, refused: true, error: 'refused metadata.example: 169.254.169.254 is a link-local address' });
    const literal = await send({ method: 'POST', url: 'https://[fd00::1]/', body: '{}' });
    expect(literal).toMatchObject({ ok: false, refused: true, error: 'refused [fd00::1]: fd00::1 is a unique-local address' });
  });

  it('allowPrivateTargets lets the same requests through', async () => {
    const r = await receiver();
    const resolver = fixed({ 'hooks.example': ['127.0.0.1'] });
    expect(await send({ method: 'POST', url: `${r.url}/a`, body: '{}' }, { allowPrivateTargets: true })).toMatchObject({ ok: true, status: 200 });
    expect(await send({ method: 'POST', url: `http://hooks.example:${r.port}/b`, body: '{}' }, { allowPrivateTargets: true, resolver })).toMatchObject({ ok: true, status: 200 });
    expect(r.received.map((x) => [x.url, x.headers.host])).toEqual([['/a', `127.0.0.1:${r.port}`], ['/b', `hooks.example:${r.port}`]]);
  });
});

describe('send', () => {
  const allow = { allowPrivateTargets: true };

  it('a non-2xx answer is a failure with its status and the start of its body', async () => {
    const r = await receiver((_req, res) => void res.writeHead(503).end('x'.repeat(5000)));
    const result = await send({ method: 'POST', url: r.url, body: '{}' }, allow);
    expect(result).toMatchObject({ ok: false, status: 503, error: 'HTTP 503' });
    expect(result.response).toHaveLength(1024);
  });

  it('does not follow redirects', async () => {
    const target = await receiver();
    const r = await receiver((_req, res) => void res.writeHead(307, { location: `${target.url}/internal` }).end());
    const result = await send({ method: 'POST', url: r.url, body: '{}' }, allow);
    expect(result).toMatchObject({ ok: false, status: 307, error: `HTTP 307: redirect to ${target.url}/internal not followed` });
    expect(target.received).toHaveLength(0);
  });

  it('times out a receiver that never answers, and one that never finishes its body', async () => {
    const silent = await receiver(() => undefined);
    const trickle = await receiver((_req, res) => void res.writeHead(200).write('a'));
    for (const r of [silent, trickle]) {
      const result = await send({ method: 'POST', url: r.url, body: '{}' }, { ...allow, timeoutMs: 200 });
      expect(result).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
      expect(result.durationMs).toBeGreaterThanOrEqual(195);
      expect(result.durationMs).toBeLessThan(2000);
    }
  });

  it('a closed port is a failure value, not a throw', async () => {
    const r = await receiver();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const result = await send({ method: 'POST', url: r.url, body: '{}' }, allow);
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses other schemes before anything else', async () => {
    expect(await send({ method: 'GET', url: 'file:///etc/passwd' }, allow)).toMatchObject({ ok: false, error: 'only http and https URLs are sent to, not file:' });
  });
});

describe('signed webhooks, verified by the standardwebhooks package', () => {
  it('the receiver verifies the signature over the exact body, with the stable event id', async () => {
    const secret = generateEndpointSecret();
    const r = await receiver();
    const body = payloadBody(event);
    const result = await sendWebhook({ url: `${r.url}/hooks`, secrets: [secret], eventId: event.id, body }, { allowPrivateTargets: true });
    expect(result).toMatchObject({ ok: true, status: 200 });
    const got = r.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>);
    expect(verified).toEqual(event.payload);
    expect(got.headers['webhook-id']).toBe(event.id);
    expect(() => new Webhook(generateEndpointSecret()).verify(got.body, got.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(secret).verify(got.body.replace('1996', '1997'), got.headers as Record<string, string>)).toThrow();
  });

  it('during a rotation both secrets verify', async () => {
    const [older, newer] = [generateEndpointSecret(), generateEndpointSecret()];
    const headers = signWebhook([newer, older], 'evt_x', new Date(), '{"a":1}');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [older, newer]) expect(new Webhook(secret).verify('{"a":1}', { ...headers })).toEqual({ a: 1 });
  });

  it('signatures carry the signing time: a stale one is refused by the receiver', () => {
    const secret = generateEndpointSecret();
    const headers = signWebhook([secret], 'evt_x', new Date(Date.now() - 10 * 60_000), '{}');
    expect(() => new Webhook(secret).verify('{}', { ...headers })).toThrow(/too old/i);
  });

  it('secrets are whsec_ and 32 bytes of base64', () => {
    const secret = generateEndpointSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });
});

describe('postbacks', () => {
  it('are a GET of the rendered URL', async () => {
    const r = await receiver();
    const result = await sendPostback(`${r.url}/pb?cid=c%201&payout=19.96`, { allowPrivateTargets: true });
    expect(result.ok).toBe(true);
    expect(r.received[0]).toMatchObject({ method: 'GET', url: '/pb?cid=c%201&payout=19.96', body: '' });
  });
});
