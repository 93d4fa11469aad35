// The layers of ARCHITECTURE.md, enforced: every import of every `.ts` file in packages/*/src is
// read, resolved to a file (relative paths and the workspace packages' entry points), and checked
// against the "nevers"; the import graph must have no cycles.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = join(ROOT, 'packages');

/** Workspace package specifiers and the source file each stands for. */
const WORKSPACE: Record<string, string> = {
  '@affil/sdk': 'packages/sdk/src/index.ts',
  '@affil/sdk/url': 'packages/sdk/src/url.ts',
  '@affil/merchant': 'packages/merchant/src/index.ts',
  '@affil/merchant/contract': 'packages/merchant/src/contract.ts',
  '@affil/collector': 'packages/collector/src/index.ts',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`, comments removed. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The repository-relative file an import names, or undefined for a third-party or built-in module. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (WORKSPACE[specifier]) return WORKSPACE[specifier];
  if (specifier.startsWith('@affil/')) return `unresolved:${specifier}`;
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return `unresolved:${relative(ROOT, base)}`;
}

export type Graph = Map<string, string[]>;

function buildGraph(): Graph {
  const graph: Graph = new Map();
  for (const pkg of readdirSync(PACKAGES)) {
    const src = join(PACKAGES, pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of sourceFiles(src)) {
      const targets = importsOf(readFileSync(file, 'utf8'))
        .map((s) => resolveImport(file, s))
        .filter((t): t is string => t !== undefined);
      graph.set(relative(ROOT, file), targets);
    }
  }
  return graph;
}

/** The collector's layer a file belongs to (ARCHITECTURE.md); other packages are layers of their own. */
export function layerOf(file: string): string {
  if (file.startsWith('packages/sdk/')) return 'sdk';
  if (file === 'packages/merchant/src/contract.ts') return 'contract';
  if (file.startsWith('packages/merchant/')) return 'merchant';
  const m = /^packages\/collector\/src\/([^/]+)(\/|$)/.exec(file);
  if (!m) return 'other';
  const first = m[1]!;
  if (['domain', 'services', 'http', 'storage', 'db', 'commands', 'audit', 'data', 'merchant', 'outbound'].includes(first)) return first === 'db' ? 'storage' : first;
  if (['errors.ts', 'validation.ts', 'secrets.ts', 'log-throttle.ts'].includes(first)) return 'shared';
  return 'entry'; // cli.ts, server.ts, config.ts, config-safety.ts, retention.ts, index.ts
}

/** The nevers: from a layer, the layers (or files) it must not import. */
export const NEVER: { from: string; to: (file: string, layer: string) => boolean; why: string }[] = [
  { from: 'sdk', to: (f) => f.startsWith('packages/collector/') || f.startsWith('packages/merchant/'), why: 'the SDK never imports the collector or the merchant kit' },
  { from: 'domain', to: (_f, l) => ['storage', 'http', 'services', 'entry', 'commands'].includes(l), why: 'the domain never imports storage, HTTP, services or the entry layer' },
  { from: 'storage', to: (_f, l) => ['services', 'http', 'entry', 'commands'].includes(l), why: 'storage never imports services, HTTP or the entry layer' },
  { from: 'services', to: (_f, l) => ['http', 'entry', 'commands'].includes(l), why: 'services never import HTTP or the entry layer (config.ts included)' },
  { from: 'outbound', to: (_f, l) => ['storage', 'services', 'http', 'entry', 'commands'].includes(l), why: 'outbound requests know nothing of storage, services, HTTP routes or the entry layer' },
  { from: 'http', to: (f, l) => l === 'storage' && !f.endsWith('storage/port.ts'), why: 'HTTP never imports a storage adapter (at most the port’s types)' },
  { from: 'merchant', to: (f, l) => !['merchant', 'contract'].includes(l) && f !== 'packages/sdk/src/url.ts', why: 'the merchant kit depends only on the SDK’s URL logic and the wire contract' },
  { from: 'contract', to: (f, l) => l !== 'contract' && f !== 'packages/sdk/src/url.ts', why: 'the wire contract stands alone' },
];

export function violations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      if (target.startsWith('unresolved:')) {
        out.push(`${file} imports ${target.slice(11)}, which names no file`);
        continue;
      }
      for (const rule of NEVER) {
        if (rule.from === from && rule.to(target, layerOf(target))) out.push(`${file} → ${target}: ${rule.why}`);
      }
    }
  }
  return out;
}

/** Every import cycle, each once, as a path that returns to its start. */
export function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe('architecture (ARCHITECTURE.md)', () => {
  const graph = buildGraph();

  it('reads every source file of every package', () => {
    expect(graph.size).toBeGreaterThan(100);
    for (const layer of ['sdk', 'merchant', 'contract', 'entry', 'http', 'services', 'domain', 'storage', 'commands']) {
      expect([...graph.keys()].some((f) => layerOf(f) === layer), layer).toBe(true);
    }
  });

  it('has no import that ARCHITECTURE.md says must never be', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('catches what it guards against (the checks themselves can fail)', () => {
    expect(importsOf(`import type { X } from '../db/reports.js';\n// import { y } from './nope.js';\nexport { z } from "./z.js";\nawait import('./lazy.js');`)).toEqual(['../db/reports.js', './z.js', './lazy.js']);
    const bad: Graph = new Map([
      ['packages/collector/src/domain/a.ts', ['packages/collector/src/db/reports.ts']],
      ['packages/collector/src/db/reports.ts', ['packages/collector/src/services/orders.ts']],
      ['packages/collector/src/services/orders.ts', ['packages/collector/src/http/metrics.ts', 'packages/collector/src/services/explain.ts']],
      ['packages/collector/src/services/explain.ts', ['packages/collector/src/services/orders.ts']],
      ['packages/collector/src/http/app.ts', ['packages/collector/src/storage/sqlite.ts']],
      ['packages/sdk/src/x.ts', ['packages/collector/src/domain/a.ts']],
      ['packages/merchant/src/client.ts', ['packages/sdk/src/index.ts']],
    ]);
    expect(violations(bad)).toHaveLength(6);
    expect(cycles(bad)).toEqual([['packages/collector/src/services/orders.ts', 'packages/collector/src/services/explain.ts', 'packages/collector/src/services/orders.ts']]);
  });
});
