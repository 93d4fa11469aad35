// `npm run bench`: every performance budget of the spec, measured and printed.
// Usage: npm run bench [-- name …]   (names: see BENCHES; default all)
const BENCHES = {
  'sdk-size': () => import('./sdk-size.mjs'),
  decorate: () => import('./decorate.mjs'),
  attribution: () => import('./attribution.mjs'),
  summary: () => import('./summary.mjs'),
  ingest: () => import('./ingest.mjs'),
  streams: () => import('./streams.mjs'),
  outbox: () => import('./outbox.mjs'),
  postgres: () => import('./postgres.mjs'),
  'postgres-scale': () => import('./postgres-scale.mjs'),
  money: () => import('./money.mjs'),
  shipments: () => import('./shipments.mjs'),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`bench: unknown bench "${name}" (have: ${Object.keys(BENCHES).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  const { bench } = await load();
  const results = await bench();
  for (const r of results) {
    const verdict = r.budget === undefined ? '' : r.ok ? '  ok' : '  OVER BUDGET';
    if (r.budget !== undefined && !r.ok) failed++;
    console.log(`${r.name.padEnd(48)} ${String(r.value).padStart(12)} ${r.unit.padEnd(6)}${r.budget === undefined ? '' : ` (budget ${r.budget})`}${verdict}`);
  }
}
process.exitCode = failed ? 1 : 0;
