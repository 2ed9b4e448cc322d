/**
 * Loads a user's pipeline module (TypeScript through tsx, or JavaScript) and picks the pipeline
 * to compile from its exports.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { isPipeline, type Pipeline } from '../dsl/pipeline';
import { PipelabError, UsageError } from '../errors';

const TS = /\.(c|m)?tsx?$/;

async function importModule(file: string): Promise<Record<string, unknown>> {
  if (TS.test(file)) {
    const { tsImport } = (await import('tsx/esm/api')) as {
      tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
    };
    return tsImport(pathToFileURL(file).href, pathToFileURL(__filename).href);
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function collect(namespace: Record<string, unknown>): Map<string, Pipeline> {
  const found = new Map<string, Pipeline>();
  const visit = (obj: Record<string, unknown>, depth: number) => {
    for (const [key, value] of Object.entries(obj)) {
      if (isPipeline(value)) {
        if (![...found.values()].includes(value) || key !== 'default') found.set(key, value);
      } else if (depth === 0 && key === 'default' && value && typeof value === 'object') {
        visit(value as Record<string, unknown>, 1);
      }
    }
  };
  visit(namespace, 0);
  return found;
}

/**
 * The pipeline a module exports: the one named by `exportName` (an export name or a pipeline
 * name), else its only pipeline, else its default export.
 */
export async function loadPipelineFromModule(file: string, exportName?: string): Promise<Pipeline> {
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw new UsageError(`pipeline module '${file}' does not exist.`);
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(resolved);
  } catch (cause) {
    if (cause instanceof PipelabError) throw cause;
    throw new UsageError(`could not load '${file}': ${(cause as Error).message}`, { cause });
  }
  const found = collect(namespace);
  const distinct = [...new Set(found.values())];
  const names = [...found.keys()].filter((k) => k !== 'default');
  if (exportName !== undefined) {
    const byExport = found.get(exportName);
    const byName = distinct.find((p) => p.name === exportName);
    const chosen = byExport ?? byName;
    if (!chosen) {
      throw new UsageError(
        `'${file}' has no pipeline '${exportName}'; it exports ${names.length ? names.join(', ') : 'no pipelines'}.`,
      );
    }
    return chosen;
  }
  if (distinct.length === 1) return distinct[0] as Pipeline;
  const def = found.get('default');
  if (def) return def;
  if (distinct.length === 0) {
    throw new UsageError(`'${file}' exports no pipeline; export one made with pipeline(...).`);
  }
  throw new UsageError(
    `'${file}' exports several pipelines (${names.join(', ')}); choose one with --pipeline <export name>.`,
  );
}
