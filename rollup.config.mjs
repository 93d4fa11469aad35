// Builds the two script bundles of @affil/sdk: dist/affil.js and dist/affil-merchant.js, IIFEs for a
// plain <script>. The ESM build and type declarations come from `tsc -b` (packages/sdk/tsconfig.json).
// Size is the first design goal (budgets: 2,200 and 1,536 bytes gzipped, see packages/sdk/README.md).
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

/** Every node of an ESTree AST. */
function* nodes(node) {
  if (!node || typeof node.type !== 'string') return;
  yield node;
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object') yield* nodes(child);
    }
  }
}

/**
 * Terser keeps `const`; in this code `let` behaves the same (tsc already rejects any reassignment)
 * and is two bytes shorter each time. Runs before terser, which then merges the declarations, on the
 * parsed chunk, so strings are never touched.
 */
const constToLet = {
  name: 'const-to-let',
  renderChunk(code) {
    let out = code;
    const starts = [...nodes(this.parse(code))]
      .filter((node) => node.type === 'VariableDeclaration' && node.kind === 'const')
      .map((node) => node.start)
      .sort((a, b) => b - a);
    // `let[a]=…` and `let{a}=…` are declarations too: a statement never starts with `let [`.
    for (const start of starts) out = out.slice(0, start) + 'let' + out.slice(start + 5);
    return out;
  },
};

/**
 * Terser's `(()=>{…})();` as a block `{…}`: the bundle's `let`s stay as private to it (a classic
 * script's top-level block scopes them), 3 bytes smaller gzipped. Only when the chunk is exactly that
 * IIFE with no `var` and no function declaration in it (either would leak out of a block onto
 * `window` in a classic script).
 */
const iifeToBlock = {
  name: 'iife-to-block',
  renderChunk(code) {
    const body = code.startsWith('(()=>{') && code.endsWith('})();') && code.slice(6, -5);
    return body && !/\bvar\b|\bfunction\s*[\w$]+\s*\(/.test(body) ? `{${body}}` : null;
  },
};

const bundle = (name) => ({
  input: `packages/sdk/src/${name}.ts`,
  output: {
    file: `packages/sdk/dist/${name}.js`,
    format: 'iife',
    // No line break after the code (rollup adds one otherwise): 3 bytes gzipped.
    compact: true,
    // Every module is already strict TypeScript; the directive would only cost bytes.
    strict: false,
    plugins: [
      constToLet,
      terser({
        ecma: 2020,
        compress: {
          passes: 3,
          toplevel: true,
          unsafe: true,
          unsafe_arrows: true,
          unsafe_methods: true,
          unsafe_comps: true,
          pure_getters: true,
          // true/false as 1/0: every consumer (fetch init, observer options, capture flag) converts.
          booleans_as_integers: true,
        },
        // Properties are the public API, options, program JSON and wire format: never mangled, except
        // these internal ones (the ESM build, from tsc, keeps them as written).
        mangle: { toplevel: true, properties: { regex: /^marketplaceOf$/ } },
        format: { comments: false },
      }),
      iifeToBlock,
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
