// A fresh clone must stay clean after the README's `npm install`: the committed lockfile has to be
// exactly what npm writes for these manifests. npm recomputes it here from the manifests alone, with
// an empty cache and no network, so anything it would add or change (a dependency missing from the
// lockfile, another platform's optional binary, a new workspace) fails this test. `.ci/run` also
// checks `git status` after its own install.
//
// Offline, npm skips an optional dependency it cannot look up instead of adding it; online (a
// user's `npm install`) it adds it, and the clone is dirty. So every optional dependency must
// already be in the lockfile, for every platform: checked on the lockfile itself.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { locate, npmEnv, REPO, type LockEntry } from './helpers/offline-install.js';

const dir = mkdtempSync(join(tmpdir(), 'affil-lockfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is what `npm install` writes for the manifests, so it leaves a fresh clone clean', () => {
  const { workspaces } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const file of ['package.json', 'package-lock.json', ...workspaces.map((w) => join(w, 'package.json'))]) {
    mkdirSync(dirname(join(dir, 'project', file)), { recursive: true });
    cpSync(join(REPO, file), join(dir, 'project', file));
  }
  execFileSync('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', join(dir, 'cache')], {
    cwd: join(dir, 'project'), env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const committed = readFileSync(join(REPO, 'package-lock.json'), 'utf8');
  const written = readFileSync(join(dir, 'project', 'package-lock.json'), 'utf8');
  expect(written === committed, 'npm rewrote package-lock.json: run npm install and commit the lockfile').toBe(true);
});

it('lists every optional dependency of every package, for every platform', () => {
  const { packages } = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const missing = Object.entries(packages).flatMap(([key, entry]) =>
    Object.keys(entry.optionalDependencies ?? {}).filter((name) => !locate(packages, key, name)).map((name) => `${key} → ${name}`));
  expect(missing, 'run npm install (online) and commit package-lock.json').toEqual([]);
});
