/**
 * The script bundles as the collector serves them: built with the repository's rollup config (in
 * memory), checked against their size budgets, given a program the way the collector embeds it, and
 * run as a classic <script> in happy-dom.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { activate, afterDispatch, links, network, PROGRAM, reset, UUID } from './helpers.js';

const PLACEHOLDER = 'self.__AFFIL_PROGRAM__';

/** Bytes gzipped as the budget is measured (`gzip -9`, whose output runs ~20 bytes above zlib's). */
function gzipped(source: string): number {
  try {
    return execFileSync('gzip', ['-9', '-c'], { input: source }).length;
  } catch {
    return gzipSync(source, { level: 9 }).length + 32;
  }
}
const code: Record<string, string> = {};

// The repository's own build config (plain JS: its path is kept out of the type checker's reach).
const CONFIG = '../../../rollup.config.mjs';

beforeAll(async () => {
  const { default: config } = (await import(/* @vite-ignore */ CONFIG)) as { default: RollupOptions[] };
  for (const options of config) {
    const bundle = await rollup({ ...options, onwarn: () => undefined });
    const output = options.output as OutputOptions;
    const { output: chunks } = await bundle.generate(output);
    code[output.file!.replace(/^.*\//, '')] = chunks[0].code;
    await bundle.close();
  }
}, 60_000);

beforeEach(reset);

/** What the collector does when serving a bundle: the placeholder expression becomes the program's JSON. */
const embed = (source: string, program: unknown = PROGRAM): string => source.replace(PLACEHOLDER, () => `(${JSON.stringify(program)})`);

/** Runs a bundle as a classic script; `data-tag` goes on its <script> element. */
function run(source: string, dataTag?: string): void {
  const script = document.createElement('script');
  if (dataTag) script.dataset.tag = dataTag;
  document.head.append(script);
  vi.spyOn(document, 'currentScript', 'get').mockReturnValue(script);
  new Function(source)();
  vi.spyOn(document, 'currentScript', 'get').mockReturnValue(null);
}

type Global = { Affil?: Record<string, (...args: unknown[]) => unknown> & { q?: unknown[] } };
const affil = () => (window as unknown as Global).Affil!;

describe('bundles', () => {
  it.each([
    ['affil.js', 2200],
    ['affil-merchant.js', 1536],
  ])('%s fits its budget (%i bytes gzipped) and holds the program placeholder exactly once', (name, budget) => {
    const source = code[name]!;
    expect(source.split('__AFFIL_PROGRAM__')).toHaveLength(2);
    expect(source).toContain(PLACEHOLDER);
    expect(gzipped(source)).toBeLessThanOrEqual(budget);
    // No eval-like constructs (strict CSP).
    expect(source).not.toMatch(/\beval\(|new Function|setTimeout\(["'`]/);
  });
});

describe('affil.js', () => {
  it('auto-inits from data-tag with the embedded program', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    run(embed(code['affil.js']!), 'janesblog-20');
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview', tag: 'janesblog-20', links: 1 }]);
    expect(net.beacons[0]!.url).toBe('http://collector.test/v1/events');
  });

  it('works when called after load, with tags per marketplace', () => {
    network();
    const [us, uk] = links('https://www.amazon.com/dp/A', 'https://www.amazon.co.uk/dp/A');
    run(embed(code['affil.js']!));
    expect(us!.getAttribute('href')).toBe('https://www.amazon.com/dp/A');
    affil().init!('janesblog-20', { tags: { uk: 'janesblog-21' } });
    expect(us!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(uk!.getAttribute('href')).toBe('https://www.amazon.co.uk/dp/A?tag=janesblog-21');
    expect(affil().audit!()).toHaveLength(2);
  });

  it('replays the async stub queue in order', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    // The snippet of SPEC §6, then calls made before the script arrived.
    new Function(
      "window.Affil=window.Affil||{q:[],init:function(){Affil.q.push(['init',arguments])}};" +
        "Affil.init('janesblog-20', { consent: 'pending' });" +
        "Affil.consent=function(){Affil.q.push(['consent',arguments])}; Affil.consent(true);",
    )();
    run(embed(code['affil.js']!));
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview' }]);
    expect(typeof affil().audit).toBe('function');
  });

  it('skips queue entries a page wrote by hand that are not [name, arguments], and replays the rest', () => {
    network();
    const [link] = links('https://www.amazon.com/dp/A');
    (window as unknown as { Affil: unknown }).Affil = { q: [['init'], 5, ['init', 7], null, ['init', ['janesblog-20']]] };
    expect(() => run(embed(code['affil.js']!))).not.toThrow();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    expect(typeof affil().audit).toBe('function');
  });

  it('with data-tag and queued calls, the queued consent mode holds before the pageview goes out', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    new Function("window.Affil={q:[],init:function(){Affil.q.push(['init',arguments])}}; Affil.init('janesblog-20', { consent: 'pending' });")();
    run(embed(code['affil.js']!), 'janesblog-20');
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    await afterDispatch();
    expect(net.beacons).toEqual([]);
    affil().consent!(true);
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview', links: 1 }]);
  });

  it('with data-tag and a queued init adding tags, the pageview counts the links both decorate', async () => {
    const net = network();
    links('https://www.amazon.com/dp/A', 'https://www.amazon.co.uk/dp/B');
    new Function("window.Affil={q:[],init:function(){Affil.q.push(['init',arguments])}}; Affil.init('janesblog-20', { tags: { uk: 'janesblog-21' } });")();
    run(embed(code['affil.js']!), 'janesblog-20');
    await afterDispatch();
    expect(net.events()).toMatchObject([{ type: 'pageview', links: 2 }]);
  });

  it('sends one click with the click ID the link carried', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    run(embed(code['affil.js']!), 'janesblog-20');
    const navigated = activate(link!, 'click')!;
    await afterDispatch();
    const click = net.events().find((e) => e.type === 'click')!;
    expect(click).toMatchObject({ tag: 'janesblog-20', via: 'click', url: navigated });
    expect(navigated).toBe(`https://www.amazon.com/dp/A?tag=janesblog-20&affil_cid=${click.id}`);
    expect(click.id).toMatch(UUID);
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
  });

  it('with the placeholder left in place (served without a collector): nothing decorated, sent or thrown', () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    expect(() => run(code['affil.js']!, 'janesblog-20')).not.toThrow();
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A');
    expect(affil().audit!()).toEqual([]);
    expect(net.beacons).toEqual([]);
  });

  it('takes any text in the program JSON (quotes, backslashes, line separators) as data', async () => {
    const net = network();
    const [link] = links('https://www.amazon.com/dp/A');
    const endpoint = 'http://collector.test/"\\\u2028</script>';
    run(embed(code['affil.js']!, { ...PROGRAM, endpoint }), 'janesblog-20');
    expect(link!.getAttribute('href')).toBe('https://www.amazon.com/dp/A?tag=janesblog-20');
    await afterDispatch();
    expect(net.beacons.map((b) => b.url)).toEqual([`${endpoint}/v1/events`]);
  });
});

describe('affil-merchant.js', () => {
  it('captures the landing and installs referral() and cartAdd()', () => {
    const net = network();
    const cid = '0193a3c4-7d2e-4b1a-9c3d-1234567890ab';
    (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(
      `http://shop.test/p/1?tag=janesblog-20&affil_cid=${cid}`,
    );
    run(embed(code['affil-merchant.js']!));
    expect(affil().referral!()).toMatchObject({ clickId: cid, tag: 'janesblog-20' });
    affil().cartAdd!('SKU-1');
    expect(net.events()).toMatchObject([
      { type: 'landing', click: cid, tag: 'janesblog-20', page: 'http://shop.test/p/1' },
      { type: 'cart_add', click: cid, sku: 'SKU-1' },
    ]);
  });

  it('logs what it does with ?affil_debug=1 in the page URL', () => {
    network();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const cid = '0193a3c4-7d2e-4b1a-9c3d-1234567890ab';
    (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(
      `http://shop.test/p/1?tag=janesblog-20&affil_cid=${cid}&affil_debug=1`,
    );
    run(embed(code['affil-merchant.js']!));
    expect(log).toHaveBeenCalledWith('[affil]', expect.objectContaining({ type: 'landing', click: cid }));
  });

  it('shares window.Affil with the publisher bundle', () => {
    network();
    run(embed(code['affil.js']!));
    run(embed(code['affil-merchant.js']!));
    expect(Object.keys(affil()).sort()).toEqual(['audit', 'cartAdd', 'consent', 'init', 'merchant', 'referral']);
  });
});
