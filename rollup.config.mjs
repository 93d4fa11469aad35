// Builds the two script bundles of @affil/sdk (the ESM build and declarations come from `tsc -b`).
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

const bundle = (name) => ({
  input: `packages/sdk/src/${name}.ts`,
  output: {
    file: `packages/sdk/dist/${name}.js`,
    format: 'iife',
    plugins: [
      terser({
        ecma: 2020,
        // Public names (Affil.init, option keys, event fields) are properties: never mangled.
        compress: { passes: 2, toplevel: true },
        mangle: { toplevel: true },
        format: { comments: false },
      }),
    ],
  },
  plugins: [
    typescript({
      tsconfig: 'packages/sdk/tsconfig.json',
      // tsc -b owns declarations and the incremental build; rollup only needs JavaScript.
      compilerOptions: {
        declaration: false,
        declarationMap: false,
        composite: false,
        incremental: false,
        sourceMap: false,
        outDir: 'packages/sdk/dist',
        module: 'esnext',
        moduleResolution: 'bundler',
      },
    }),
  ],
});

export default [bundle('affil'), bundle('affil-merchant')];
