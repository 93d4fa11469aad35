// SPEC §6 budget: decorating 10,000 links takes ≤ 20 ms in headless Chromium. The built affil.js,
// with the default program embedded as the collector serves it, runs on a page of 10,000 links
// (mixed: merchant links plain, with query and fragment, with our tag, with another tag, on other
// storefronts, and links to other sites); the page times `Affil.init` until every link is decorated,
// and separately until the SDK's own follow-up work (its MutationObserver) is done too.
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { DEFAULT_PROGRAM } from '../packages/collector/dist/config.js';
import { percentile } from './stats.mjs';

export const LINKS = 10_000;
export const BUDGET_MS = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const ORIGIN = 'http://blog.bench';
const TAG = 'janesblog-20';

/** The links of the bench page: every tenth a shape of its own. */
export function benchLinks(count = LINKS) {
  const shapes = [
    (i) => `https://www.amazon.com/dp/B0${String(i).padStart(8, '0')}`,
    (i) => `https://www.amazon.com/Some-Product-Name/dp/B0${String(i).padStart(8, '0')}/ref=sr_1_${i}?keywords=caf%C3%A9+au+lait&qid=${i}&sr=8-1`,
    (i) => `https://smile.amazon.com/dp/B0${String(i).padStart(8, '0')}?psc=1#customerReviews`,
    (i) => `https://www.amazon.com/dp/B0${String(i).padStart(8, '0')}?tag=${TAG}`,
    (i) => `https://www.amazon.com/dp/B0${String(i).padStart(8, '0')}?th=1&tag=someoneelse-20`,
    (i) => `https://www.amazon.co.uk/dp/B0${String(i).padStart(8, '0')}`,
    (i) => `https://www.amazon.de/Kühlschrank/dp/B0${String(i).padStart(8, '0')}/`,
    (i) => `https://example.com/articles/${i}`,
    (i) => `/posts/${i}#comments`,
    (i) => `https://www.amazon.co.jp/gp/product/B0${String(i).padStart(8, '0')}`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length](i));
}

const escape = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function benchPage() {
  const links = benchLinks()
    .map((href, i) => `<p>Item ${i}: <a href="${escape(href)}">link ${i}</a></p>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>decorate bench</title></head><body>${links}
<script src="/affil.js"></script></body></html>`;
}

/** affil.js as the collector serves it: the program embedded in place of the placeholder. */
function servedBundle() {
  const file = new URL('../packages/sdk/dist/affil.js', import.meta.url);
  const program = {
    endpoint: ORIGIN,
    tagPattern: DEFAULT_PROGRAM.tagPattern,
    marketplaces: DEFAULT_PROGRAM.marketplaces.map(({ id, hosts, tagSuffix }) => ({ id, hosts, tagSuffix })),
  };
  return readFileSync(file, 'utf8').replace(/(["'])__AFFIL_PROGRAM__\1/, () => JSON.stringify(JSON.stringify(program)));
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** One page load: milliseconds for `Affil.init` (synchronous) and until its follow-up microtasks ran. */
async function measureOnce(browser, html, script) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
    if (pathname === '/affil.js') return route.fulfill({ contentType: 'text/javascript', body: script });
    return route.fulfill({ status: 202, contentType: 'application/json', body: '{}' });
  });
  await page.goto(`${ORIGIN}/`);
  const result = await page.evaluate(async (tag) => {
    const t0 = performance.now();
    window.Affil.init(tag);
    const t1 = performance.now();
    // The SDK's MutationObserver callback is queued as a microtask during init: it runs before this.
    await Promise.resolve();
    const t2 = performance.now();
    const links = document.querySelectorAll('a[href*="tag=' + tag + '"]').length;
    return { init: t1 - t0, settled: t2 - t0, links };
  }, TAG);
  await context.close();
  return result;
}

export async function bench() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const html = benchPage();
    const script = servedBundle();
    const inits = [];
    const settled = [];
    let decorated = 0;
    for (let run = 0; run < RUNS; run++) {
      const r = await measureOnce(browser, html, script);
      inits.push(r.init);
      settled.push(r.settled);
      decorated = r.links;
    }
    const round = (ms) => Math.round(ms * 10) / 10;
    const initMs = round(percentile(inits, 50));
    const settledMs = round(percentile(settled, 50));
    return [
      { name: `links carrying the tag after init (of ${LINKS})`, value: decorated, unit: 'links' },
      { name: `decorate ${LINKS} links: Affil.init (median of ${RUNS})`, value: initMs, unit: 'ms', budget: BUDGET_MS, ok: initMs <= BUDGET_MS },
      { name: `decorate ${LINKS} links: init + follow-up (median)`, value: settledMs, unit: 'ms', budget: BUDGET_MS, ok: settledMs <= BUDGET_MS },
      { name: `decorate ${LINKS} links: init, slowest of ${RUNS}`, value: round(Math.max(...inits)), unit: 'ms' },
    ];
  } finally {
    await browser.close();
  }
}
