/**
 * The client core runs in a browser: the static import graph of `client/index.ts` reaches no
 * Node module. Node-only parts are loaded with `import()` when used (token files, kubeconfig,
 * the compiler for DSL pipelines), which this check does not follow, by design.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../kernel-lib/src');
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Packages known to run in browsers. */
const BROWSER_PACKAGES = new Set(['yaml']);

/** Static `import … from` / `export … from` specifiers; `import type` is erased and skipped. */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  const pattern = /^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gms;
  for (const m of text.matchAll(pattern)) {
    const isType = m[1] !== undefined;
    const specifier = m[2];
    if (!isType && specifier !== undefined) found.push(specifier);
  }
  return found;
}

function resolve(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot resolve ${specifier} from ${from}`);
}

function graph(entry: string): { files: Set<string>; external: Map<string, string> } {
  const files = new Set<string>();
  const external = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(resolve(file, specifier));
      else external.set(specifier, path.relative(SRC, file));
    }
  };
  visit(entry);
  return { files, external };
}

describe('the client core', () => {
  it('imports no Node module, statically', () => {
    const { files, external } = graph(path.join(SRC, 'client', 'index.ts'));
    const offending = [...external].filter(([m]) => NODE.has(m) || !BROWSER_PACKAGES.has(m));
    expect(offending).toEqual([]);
    const reached = [...files].map((f) => path.relative(SRC, f));
    for (const nodeOnly of [
      'token-file.ts',
      'kube.ts',
      'http-transport.ts',
      'package-file.ts',
      'cli-kit.ts',
      'cli-pipeline.ts',
      'cli-commands.ts',
      'cli-schedule.ts',
    ]) {
      expect(reached).not.toContain(path.join('client', nodeOnly));
    }
  });

  it('is checked by a scanner that does see Node imports', () => {
    const { external } = graph(path.join(SRC, 'client', 'node.ts'));
    expect([...external.keys()]).toEqual(expect.arrayContaining(['node:fs', 'node:https']));
  });
});
