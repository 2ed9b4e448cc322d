/**
 * Choosing the TensorFlow.js backend: `@tensorflow/tfjs-node` (native TensorFlow) when it is
 * installed — it is optional, its install downloads libtensorflow — else WebAssembly (XNNPACK,
 * SIMD when the runtime has it), else plain JavaScript. The choice is logged and recorded in the
 * model card and the metrics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { TrainOptionsError } from './errors';

/** TensorFlow.js backend names: tfjs-node registers itself as `tensorflow`. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The backend in use. */
export interface BackendInfo {
  readonly name: BackendName;
  /** The package providing it. */
  readonly package: string;
  readonly version: string;
  /** WebAssembly only: SIMD in use, XNNPACK threads. */
  readonly simd?: boolean;
  readonly threads?: number;
  /** Why a preferred backend was not used (auto selection only). */
  readonly fallbacks?: readonly string[];
}

export interface BackendOptions {
  /**
   * `auto` tries tfjs-node, WASM, then CPU. The environment variable `PIPELAB_TFJS_BACKEND`
   * overrides `auto`.
   * @default 'auto'
   */
  readonly backend?: BackendName | 'auto';
  /**
   * Environment to read `PIPELAB_TFJS_BACKEND` from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

/** Whether `@tensorflow/tfjs-node` can be resolved from here. */
export function tfjsNodeInstalled(): boolean {
  try {
    require.resolve(TFJS_NODE);
    return true;
  } catch {
    return false;
  }
}

let wasmPathsSet = false;

/** Points the WASM backend at the package's own `.wasm` files (needed when bundled). */
function setWasmPathsOnce(): void {
  if (wasmPathsSet) return;
  wasmPathsSet = true;
  try {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    if (fs.existsSync(path.join(dist, 'tfjs-backend-wasm.wasm'))) setWasmPaths(dist + path.sep);
  } catch {
    // The backend's own lookup next to its script still applies.
  }
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      if (!tfjsNodeInstalled()) return `${TFJS_NODE} is not installed`;
      // A computed specifier: the package is optional and has no types here.
      const specifier: string = TFJS_NODE;
      await import(specifier);
    } else if (name === 'wasm' && tf.getBackend() !== 'wasm') {
      setWasmPathsOnce();
    }
    if (tf.getBackend() === name) return undefined;
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return `${name}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function describe(name: BackendName, fallbacks: string[]): Promise<BackendInfo> {
  const extra = fallbacks.length > 0 ? { fallbacks } : {};
  if (name === 'wasm') {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return {
      name,
      package: '@tensorflow/tfjs-backend-wasm',
      version: version_wasm,
      simd,
      threads: getThreadsCount(),
      ...extra,
    };
  }
  if (name === 'tensorflow') {
    let version = 'unknown';
    try {
      const pkg = JSON.parse(
        fs.readFileSync(require.resolve(`${TFJS_NODE}/package.json`), 'utf8'),
      ) as { version?: string };
      version = pkg.version ?? version;
    } catch {
      // Version stays unknown.
    }
    return { name, package: TFJS_NODE, version, ...extra };
  }
  return { name, package: '@tensorflow/tfjs-backend-cpu', version: tf.version_core, ...extra };
}

/**
 * Selects and initialises the backend.
 * @throws TrainOptionsError when an explicitly requested backend cannot be used
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? process.env;
  let wanted = options.backend ?? 'auto';
  const fromEnv = env.PIPELAB_TFJS_BACKEND?.trim();
  if (wanted === 'auto' && fromEnv) wanted = fromEnv as BackendName | 'auto';
  if (wanted !== 'auto' && !(BACKENDS as readonly string[]).includes(wanted)) {
    throw new TrainOptionsError(
      `unknown TensorFlow.js backend '${wanted}'; use auto, ${BACKENDS.join(', ')}`,
      'backend',
    );
  }
  if (wanted !== 'auto') {
    const failure = await tryBackend(wanted);
    if (failure !== undefined) {
      throw new TrainOptionsError(`cannot use the ${wanted} backend: ${failure}`, 'backend');
    }
    return describe(wanted, []);
  }
  const fallbacks: string[] = [];
  for (const name of BACKENDS) {
    const failure = await tryBackend(name);
    if (failure === undefined) return describe(name, fallbacks);
    fallbacks.push(failure);
  }
  throw new TrainOptionsError(`no TensorFlow.js backend works: ${fallbacks.join('; ')}`, 'backend');
}

/** One line for the log. */
export function describeBackend(info: BackendInfo): string {
  const details =
    info.name === 'wasm'
      ? ` (SIMD ${info.simd ? 'on' : 'off'}, ${info.threads ?? 1} thread${info.threads === 1 ? '' : 's'})`
      : '';
  return `TensorFlow.js backend: ${info.name} (${info.package} ${info.version})${details}`;
}
