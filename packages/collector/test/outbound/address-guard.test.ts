import { describe, expect, it } from 'vitest';
import { guardedLookup, refusedAddress, refusedLiteralHost, RefusedTarget, type Resolver } from '../../src/outbound/address-guard.js';

describe('refusedAddress', () => {
  it.each([
    { address: '127.0.0.1', why: 'loopback' },
    { address: '127.255.0.9', why: 'loopback' },
    { address: '10.1.2.3', why: 'private' },
    { address: '172.16.0.1', why: 'private' },
    { address: '172.31.255.255', why: 'private' },
    { address: '192.168.1.1', why: 'private' },
    { address: '169.254.169.254', why: 'link-local', note: 'cloud metadata' },
    { address: '100.64.0.1', why: 'carrier-grade NAT' },
    { address: '224.0.0.1', why: 'multicast' },
    { address: '0.0.0.0', why: 'unspecified' },
    { address: '255.255.255.255', why: 'broadcast' },
    { address: '192.0.2.10', why: 'reserved', note: 'documentation range' },
    { address: '198.18.0.1', why: 'special-purpose', note: 'benchmarking' },
    { address: '100::1', why: 'special-purpose', note: 'discard-only' },
    { address: '2001:db8::1', why: 'reserved', note: 'documentation' },
    { address: '::1', why: 'loopback' },
    { address: '::', why: 'unspecified' },
    { address: 'fe80::1', why: 'link-local' },
    { address: 'fd12:3456::1', why: 'unique-local' },
    { address: 'fc00::1', why: 'unique-local' },
    { address: 'ff02::1', why: 'multicast' },
    { address: '::ffff:127.0.0.1', why: 'loopback', note: 'IPv4-mapped' },
    { address: '::ffff:7f00:1', why: 'loopback', note: 'IPv4-mapped, hex form' },
    { address: '::ffff:10.0.0.1', why: 'private', note: 'IPv4-mapped' },
    { address: '::ffff:169.254.169.254', why: 'link-local', note: 'IPv4-mapped' },
    { address: '2002:7f00:1::1', why: 'special-purpose', note: '6to4 wrapping 127.0.0.1' },
    { address: '64:ff9b::a00:1', why: 'special-purpose', note: 'NAT64 of 10.0.0.1' },
  ])('$address: $why', ({ address, why }) => {
    expect(refusedAddress(address)).toMatch(new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is an? ${why}`));
  });

  it.each(['8.8.8.8', '93.184.216.34', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is allowed', (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it('text that is not an IP address is refused, not guessed at', () => {
    expect(refusedAddress('::127.0.0.1x')).toMatch(/not an IP address/);
  });

  it('IP-literal hosts, bracketed or not', () => {
    expect(refusedLiteralHost('[::1]')).toMatch(/loopback/);
    expect(refusedLiteralHost('127.0.0.1')).toMatch(/loopback/);
    expect(refusedLiteralHost('hooks.example')).toBeUndefined();
  });
});

/** A lookup call as net makes it, as a promise. */
function lookup(resolver: Resolver, options: { all?: boolean; family?: number }, check = true) {
  return new Promise<unknown>((resolve, reject) =>
    guardedLookup(resolver, { check })('hooks.example', options as never, (error: Error | null, address: unknown, family?: number) =>
      error ? reject(error) : resolve(options.all ? address : { address, family })),
  );
}

describe('guardedLookup (DNS names, through a fixed resolver)', () => {
  const answers = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    { addresses: ['127.0.0.1'], refused: /hooks\.example: 127\.0\.0\.1 is a loopback/ },
    { addresses: ['10.0.0.7'], refused: /private/ },
    { addresses: ['::ffff:192.168.0.1'], refused: /private/ },
    { addresses: ['93.184.216.34', '169.254.169.254'], refused: /link-local/, why: 'one bad address refuses the name' },
  ])('$addresses refused', async ({ addresses, refused }) => {
    await expect(lookup(answers(...addresses), { all: true })).rejects.toThrow(refused);
    await expect(lookup(answers(...addresses), {})).rejects.toBeInstanceOf(RefusedTarget);
  });

  it('public addresses pass, in the form net asked for', async () => {
    const resolver = answers('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946');
    expect(await lookup(resolver, { all: true })).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }]);
    expect(await lookup(resolver, {})).toEqual({ address: '93.184.216.34', family: 4 });
    expect(await lookup(resolver, { family: 6 })).toEqual({ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 });
  });

  it('without the check, private addresses pass (allowPrivateWebhookTargets)', async () => {
    expect(await lookup(answers('127.0.0.1'), {}, false)).toEqual({ address: '127.0.0.1', family: 4 });
  });

  it('a name with no address, or a failing resolver, is an error, not a hang', async () => {
    await expect(lookup(answers(), {})).rejects.toThrow(/no address/);
    await expect(lookup(async () => { throw new Error('SERVFAIL'); }, {})).rejects.toThrow('SERVFAIL');
  });
});
