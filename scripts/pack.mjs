// `npm run pack`: the packages as tarballs in packs/ (or the folder given), each installable on its
// own from its file: `npm install ./affil-collector-0.1.0.tgz` gives the `affil` command and
// `@affil/collector/merchant`; `npm install ./affil-merchant-0.1.0.tgz` gives a shop the kit alone.
//
// The `@affil` scope and the name `affil` are not ours on the public registry, so no tarball may
// leave npm to fetch an `@affil/*` package by name: a squatter could answer. The merchant kit and
// the collector therefore carry the workspace packages they use inside them (npm's
// `bundleDependencies`). npm cannot bundle a workspace sibling itself (it packs nothing for a
// symlinked dependency), so each is staged in a temporary folder with the siblings' own packed
// contents under its node_modules, and packed there.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'packs'));
/** Workspace folder → the workspace packages it carries inside it. */
const PACKAGES = [
  ['packages/sdk', []],
  ['packages/merchant', ['@affil/sdk']],
  ['packages/collector', ['@affil/sdk', '@affil/merchant']],
];

/** npm as a child, without what an enclosing `npm run` says about this project (its prefix, lifecycle). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(lifecycle|package)_|^npm_config_local_prefix$|^INIT_CWD$/i.test(k)));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const work = mkdtempSync(join(tmpdir(), 'affil-pack-'));
try {
  const plain = join(work, 'plain');
  mkdirSync(plain);
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', plain, ...PACKAGES.flatMap(([w]) => ['-w', w])], root));
  const tarball = new Map(packed.map((p) => [p.name, join(plain, p.filename)]));
  mkdirSync(out, { recursive: true });

  for (const [folder, bundled] of PACKAGES) {
    const { name } = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
    const file = tarball.get(name);
    if (bundled.length === 0) {
      copyFileSync(file, join(out, packed.find((p) => p.name === name).filename));
      continue;
    }
    const stage = join(work, name.replace('/', '+'));
    mkdirSync(stage);
    execFileSync('tar', ['-xzf', file, '-C', stage]);
    const pkg = join(stage, 'package');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    for (const dependency of bundled) {
      const into = join(pkg, 'node_modules', dependency);
      mkdirSync(into, { recursive: true });
      execFileSync('tar', ['-xzf', tarball.get(dependency), '-C', into, '--strip-components=1']);
      // npm installs nothing for a bundled package: its own dependencies are the bundler's to bring.
      // So the bundler must declare each of them alike, and the bundled copy then declares none
      // (Node finds them one node_modules up, where npm puts the bundler's).
      const inner = JSON.parse(readFileSync(join(into, 'package.json'), 'utf8'));
      for (const [dep, range] of Object.entries(inner.dependencies ?? {})) {
        if (!bundled.includes(dep) && manifest.dependencies?.[dep] !== range) {
          throw new Error(`${name} bundles ${dependency}, which depends on ${dep}@${range}: declare it in ${folder}/package.json with the same range`);
        }
      }
      delete inner.dependencies;
      writeFileSync(join(into, 'package.json'), `${JSON.stringify(inner, null, 2)}\n`);
    }
    manifest.bundleDependencies = bundled;
    writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    npm(['pack', '--ignore-scripts', '--pack-destination', out], pkg);
  }
  for (const p of packed) console.log(join(out, p.filename));
} finally {
  rmSync(work, { recursive: true, force: true });
}
