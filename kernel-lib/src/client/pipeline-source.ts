/**
 * What a pipeline can be given as — a DSL pipeline (compiled here), a compiled PipelineSpec, the
 * path of a compiled file, or a package's bytes — and turning it into what a request needs: the
 * spec (for a run) or a file to upload.
 *
 * A DSL pipeline, a file path and package bytes need Node (the compiler and the package loader
 * use Node modules); they are loaded on demand, so a browser can still pass PipelineSpecs.
 */
import type { PipelineSpec } from '../compiler/spec';
import { pipelineToYaml } from '../compiler/yaml';
import { isPipeline, type Pipeline } from '../dsl/pipeline';
import { ClientOptionsError } from './errors';

/** A compiled pipeline package's content, e.g. read from a file or received in a browser. */
export interface PipelinePackage {
  /** YAML or JSON text, or the bytes of a YAML, JSON or `.tar.gz` package. */
  readonly bytes: Uint8Array | string;
  /** The file name sent with an upload, e.g. `chicago.pipeline.tar.gz`. @default 'pipeline.yaml' */
  readonly fileName?: string;
}

/**
 * A pipeline: a DSL `Pipeline` (compiled for you), a compiled `PipelineSpec`, the path of a
 * compiled file (`.yaml`, `.json`, `.tar.gz`; Node only), or a {@link PipelinePackage}.
 */
export type PipelineSource = Pipeline | PipelineSpec | string | PipelinePackage;

/** A pipeline resolved to a file to upload. */
export interface UploadFile {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  /** The spec's `pipelineInfo.name`, when known without asking the server. */
  readonly pipelineName: string | undefined;
  readonly description: string | undefined;
}

/** True for a PipelineSpec object (not a DSL pipeline, a path or a package). */
export function isPipelineSpec(value: unknown): value is PipelineSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { pipelineInfo?: unknown; root?: unknown };
  return (
    typeof v.pipelineInfo === 'object' && v.pipelineInfo !== null && typeof v.root === 'object'
  );
}

function isPackage(value: unknown): value is PipelinePackage {
  if (typeof value !== 'object' || value === null || !('bytes' in value)) return false;
  const { bytes } = value as { bytes: unknown };
  return typeof bytes === 'string' || bytes instanceof Uint8Array;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is none of these' : typeof value;
}

function badSource(option: string, value: unknown): ClientOptionsError {
  return new ClientOptionsError(
    option,
    `${option} must be a pipeline made with pipeline(...), a compiled PipelineSpec, the path of a compiled pipeline file, or { bytes, fileName }; got ${describe(value)}.`,
  );
}

async function compilePipeline(p: Pipeline): Promise<PipelineSpec> {
  const { compile } = await import('../compiler/build.js');
  return compile(p);
}

async function loadPackage(source: string | Uint8Array, name: string): Promise<PipelineSpec> {
  const { loadPipelinePackage } = await import('../compiler/package.js');
  return loadPipelinePackage(source, { name });
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * The PipelineSpec of a source: compiled, loaded from its file or bytes (and validated), or the
 * spec itself.
 *
 * @param option - The option the source was given in, for messages.
 */
export async function specOf(source: PipelineSource, option: string): Promise<PipelineSpec> {
  if (isPipeline(source)) return compilePipeline(source);
  if (isPipelineSpec(source)) return source;
  if (typeof source === 'string') {
    if (source.trim() === '') throw badSource(option, source);
    return loadPackage(source, source);
  }
  if (isPackage(source)) {
    const bytes = typeof source.bytes === 'string' ? utf8(source.bytes) : source.bytes;
    return loadPackage(bytes, source.fileName ?? '<pipeline package>');
  }
  throw badSource(option, source);
}

/** The file to upload for a source. Files and packages are sent as they are, after a check. */
export async function uploadFileOf(source: PipelineSource, option: string): Promise<UploadFile> {
  if (isPipeline(source) || isPipelineSpec(source)) {
    const spec = isPipeline(source) ? await compilePipeline(source) : source;
    return {
      bytes: utf8(pipelineToYaml(spec)),
      fileName: `${spec.pipelineInfo.name || 'pipeline'}.yaml`,
      pipelineName: spec.pipelineInfo.name || undefined,
      description: spec.pipelineInfo.description,
    };
  }
  let bytes: Uint8Array;
  let fileName: string;
  if (typeof source === 'string') {
    if (source.trim() === '') throw badSource(option, source);
    const { readPackageFile } = await import('./package-file.js');
    ({ bytes, fileName } = await readPackageFile(source, option));
  } else if (isPackage(source)) {
    bytes = typeof source.bytes === 'string' ? utf8(source.bytes) : source.bytes;
    fileName = source.fileName ?? 'pipeline.yaml';
  } else {
    throw badSource(option, source);
  }
  // Loading checks the package here, with a clear message, before it travels, and names it.
  const spec = await loadPackage(bytes, typeof source === 'string' ? source : fileName);
  return {
    bytes,
    fileName,
    pipelineName: spec.pipelineInfo.name || undefined,
    description: spec.pipelineInfo.description,
  };
}

/**
 * A copy of `spec` whose tasks all have caching turned on or off, in every DAG — what KFP's
 * `enable_caching` argument does to a pipeline before submitting it.
 */
export function withCaching(spec: PipelineSpec, enable: boolean): PipelineSpec {
  const copy = structuredClone(spec);
  const dags = [copy.root.dag, ...Object.values(copy.components ?? {}).map((c) => c.dag)];
  for (const dag of dags) {
    for (const task of Object.values(dag?.tasks ?? {})) {
      task.cachingOptions = { ...(task.cachingOptions ?? {}), enableCache: enable };
    }
  }
  return copy;
}
