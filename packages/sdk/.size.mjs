import { minify } from 'terser';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
const name = process.argv[2] || 'affil';
const b = await rollup({ input: `packages/sdk/src/${name}.ts`, plugins: [typescript({ tsconfig: 'packages/sdk/tsconfig.json', compilerOptions: { declaration: false, declarationMap: false, composite: false, incremental: false, sourceMap: false, outDir: 'packages/sdk/dist', module: 'esnext', moduleResolution: 'bundler' } })], onwarn(){} });
const { output } = await b.generate({ format: 'iife' });
const code = output[0].code;
const variants = {
  base: { ecma: 2020, compress: { passes: 2, toplevel: true }, mangle: { toplevel: true } },
  arrows: { ecma: 2020, compress: { passes: 3, toplevel: true, unsafe_arrows: true, unsafe_methods: true, pure_getters: true }, mangle: { toplevel: true } },
};
for (const [k, o] of Object.entries(variants)) {
  const r = await minify(code, o);
  console.log(k, r.code.length, gzipSync(r.code, { level: 9 }).length);
}
if (process.argv[3]) { const r = await minify(code, variants.arrows); console.log(r.code) }
