// Installs packed tarballs into an empty folder the way a user would (`npm install ./x.tgz`), but
// offline: after the repository's own `npm install`, npm's cache holds every dependency's tarball,
// but not the registry metadata npm needs to pick versions for ranges. So the folder gets a lockfile
// naming, for exactly the dependencies the tarballs declare (transitively), the versions the
// repository's lockfile pins; npm then takes each from its cache by integrity. A dependency a
// tarball forgets to declare is not installed, and its import fails, as it would for a user.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  os?: string[];
  cpu?: string[];
  [field: string]: unknown;
}

/**
 * The environment for a child npm: ours without what `npm test` adds about this project (its
 * prefix, lifecycle and package variables), which would point the child back at the repository.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_cafile', 'npm_config_registry']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())).filter(([k]) => k !== 'INIT_CWD'));
}

/** `npm run pack` into `dir` (scripts/pack.mjs): answers the tarball paths by package name. */
export function packAll(dir: string): Map<string, string> {
  const out = execFileSync(process.execPath, [join(REPO, 'scripts', 'pack.mjs'), dir], { cwd: REPO, env: npmEnv(), encoding: 'utf8' });
  const files = out.split('\n').filter(Boolean);
  return new Map(files.map((f) => [tarballManifest(f).name, f]));
}

/** The package.json inside a tarball. */
export function tarballManifest(tarball: string): { name: string; version: string; dependencies?: Record<string, string>; bundleDependencies?: string[]; bin?: Record<string, string> } {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

/** Where Node would find `name` required from the package at `from` (a lockfile key). */
export function locate(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let at = from; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
    const key = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
    if (lock[key]) return key;
    if (!at) return undefined;
  }
}

const fitsPlatform = (e: LockEntry) =>
  (!e.os || e.os.some((o) => o === process.platform || (o.startsWith('!') && o.slice(1) !== process.platform))) &&
  (!e.cpu || e.cpu.some((c) => c === process.arch || (c.startsWith('!') && c.slice(1) !== process.arch)));

/**
 * Installs `tarballs` into `dir` (created; outside the repository) with `npm install --offline`.
 * better-sqlite3's install script compiles SQLite from source (a minute or more here, as no
 * prebuilt binary can be downloaded): scripts are skipped and the repository's own compiled
 * binding is copied in. It is the same version (both pinned by the lockfile) built for this very
 * Node (same ABI), so what is tested is the packaging, not the compiler.
 */
export function installOffline(dir: string, tarballs: string[]): void {
  const repoLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const repo = repoLock.packages;
  const manifests = tarballs.map((t) => ({ tarball: t, manifest: tarballManifest(t) }));
  const ours = new Map(manifests.map((m) => [m.manifest.name, m]));
  // Inside a tarball already: npm takes them from there.
  const bundled = new Set(manifests.flatMap((m) => m.manifest.bundleDependencies ?? []));
  const spec = (tarball: string) => `file:${relative(dir, tarball)}`;

  const packages: Record<string, LockEntry> = {
    '': { name: basename(dir), dependencies: Object.fromEntries(manifests.map((m) => [m.manifest.name, spec(m.tarball)])) },
  };
  const queue: { key: string; deps: Record<string, string>; from: string }[] = [];
  for (const { tarball, manifest } of manifests) {
    const key = `node_modules/${manifest.name}`;
    packages[key] = {
      version: manifest.version, resolved: spec(tarball),
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
      ...(manifest.bin ? { bin: manifest.bin } : {}),
      ...(manifest.bundleDependencies ? { bundleDependencies: manifest.bundleDependencies } : {}),
    };
    // The workspace's own dependencies resolve as they did in the repository, from its folder.
    const workspace = Object.keys(repo).find((k) => k.startsWith('packages/') && repo[k]?.name === manifest.name);
    queue.push({ key, deps: manifest.dependencies ?? {}, from: workspace ?? '' });
  }
  while (queue.length > 0) {
    const { key, deps, from } = queue.shift()!;
    for (const name of Object.keys(deps)) {
      if (ours.has(name) || bundled.has(name)) continue;
      const found = locate(repo, from, name);
      if (!found) throw new Error(`${key} depends on ${name}, which the repository's lockfile does not hold`);
      // Hoisted under the root as in the repository, or nested where it was nested.
      let target = found.startsWith('packages/') ? found.slice(found.indexOf('/node_modules/') + 1) : found;
      // Another version already hoisted there (the collector's ipaddr.js 2 and express's 1.9 via
      // proxy-addr): nested under the package that needs this one, as npm itself would place it.
      if (packages[target] && packages[target]!.version !== repo[found]!.version) target = `${key}/node_modules/${name}`;
      if (packages[target]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo[found]!;
      packages[target] = entry;
      const next: Record<string, string> = { ...entry.dependencies };
      for (const [n, range] of Object.entries(entry.optionalDependencies ?? {})) {
        const at = locate(repo, found, n);
        if (at && fitsPlatform(repo[at]!)) next[n] = range;
      }
      for (const [n, range] of Object.entries(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[n]?.optional) next[n] = range;
      queue.push({ key: target, deps: next, from: found });
    }
  }

  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: basename(dir), private: true, type: 'module', dependencies: packages['']!.dependencies }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: basename(dir), lockfileVersion: 3, requires: true, packages }, null, 2));
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  if (packages['node_modules/better-sqlite3']) {
    const binding = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    mkdirSync(dirname(join(dir, binding)), { recursive: true });
    copyFileSync(join(REPO, binding), join(dir, binding));
  }
}
