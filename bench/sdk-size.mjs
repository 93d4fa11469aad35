// SPEC §6 budgets: affil.js ≤ 2,200 bytes and affil-merchant.js ≤ 1,536 bytes, gzip -9.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const SIZE_BUDGETS = { 'affil.js': 2200, 'affil-merchant.js': 1536 };

export function gzippedSize(name) {
  const file = new URL(`../packages/sdk/dist/${name}`, import.meta.url);
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

export async function bench() {
  return Object.entries(SIZE_BUDGETS).map(([name, budget]) => {
    const value = gzippedSize(name);
    return { name: `${name} gzipped`, value, unit: 'bytes', budget, ok: value <= budget };
  });
}
