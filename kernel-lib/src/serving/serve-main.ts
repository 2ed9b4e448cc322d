/**
 * `pipelab-component serve`: the model server on its own — the container of the Kubernetes
 * deployment, or a second process beside the engine.
 *
 *   --models-dir <dir>      the registry (default $PIPELAB_MODELS, else <PIPELAB_HOME>/models)
 *   --host <addr>           default 127.0.0.1 (0.0.0.0 in a container)
 *   --port <n>              default 8501
 *   --model-name <name>     with --model-uri: deploy this model before serving …
 *   --model-uri <uri>       … from this Model artifact (file://, gs:// as /gcs/ …, or a path)
 *   --version <n>           … as this version (replacing it when it exists), made the default
 *   --batching true|false   micro-batching (default true)
 *   --max-batch-size <n>    default 32
 *   --max-delay-ms <n>      default 0
 *   --keep-versions <n>     default 5
 *
 * Serves until SIGINT or SIGTERM (or the `signal` given), then answers in-flight requests and
 * exits 0.
 */
import { parseArgs } from 'node:util';
import { PipelabError, UsageError } from '../errors';
import { localPathOfArtifact } from './artifact-uri';
import { checkModelName, parseVersion } from './layout';
import { defaultModelsDir } from './models-dir';
import { startModelServer } from './server';

/** Streams and environment of the process. */
export interface ServeMainIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Stops the server (default: SIGINT or SIGTERM). */
  readonly signal?: AbortSignal;
  /** Called with the server's URL once it listens. */
  readonly onListening?: (url: string) => void;
}

export const SERVE_USAGE = `Usage: pipelab-component serve [options]
  --models-dir <dir>      the model registry (default $PIPELAB_MODELS, else <PIPELAB_HOME>/models)
  --host <addr>           address to listen on (default 127.0.0.1)
  --port <n>              port (default 8501)
  --model-name <name>     with --model-uri: deploy this model before serving
  --model-uri <uri>       the Model artifact to deploy (file://, gs://, s3://, minio:// mounts, path)
  --version <n>           its version number (replaced when it exists; default: the next one)
  --batching true|false   micro-batching of concurrent predictions (default true)
  --max-batch-size <n>    most instances in one model call (default 32)
  --max-delay-ms <n>      how long a batch may wait for more requests (default 0)
  --keep-versions <n>     versions kept per model (default 5)
`;

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative integer; got '${value}'`);
  return n;
}

function boolOption(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new UsageError(`--${name} must be true or false; got '${value}'`);
}

/**
 * Runs the model server with command-line arguments until stopped.
 * @returns the exit code: 0 stopped cleanly, 2 bad usage, 1 failure
 */
export async function serveMain(argv: string[], io: ServeMainIO): Promise<number> {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'models-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'model-name': { type: 'string' },
        'model-uri': { type: 'string' },
        version: { type: 'string' },
        batching: { type: 'string' },
        'max-batch-size': { type: 'string' },
        'max-delay-ms': { type: 'string' },
        'keep-versions': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out(SERVE_USAGE);
      return 0;
    }
    const modelsDir = values['models-dir']?.trim() || defaultModelsDir(io.env);
    const batching = boolOption(values.batching, 'batching', true);
    const server = await startModelServer({
      modelsDir,
      host: values.host?.trim() || undefined,
      port: intOption(values.port, 'port', 8501),
      batching: batching
        ? {
            maxBatchSize: intOption(values['max-batch-size'], 'max-batch-size', 32),
            maxDelayMs: intOption(values['max-delay-ms'], 'max-delay-ms', 0),
          }
        : false,
      keepVersions: intOption(values['keep-versions'], 'keep-versions', 5),
      log: (line) => void io.stderr.write(`${line}\n`),
    });
    try {
      const uri = values['model-uri']?.trim();
      if (uri) {
        const name = checkModelName(values['model-name']?.trim() || 'chicago_crime', 'model-name');
        const versionText = values.version?.trim();
        const version = versionText ? parseVersion(versionText) : undefined;
        if (versionText && version === undefined) {
          throw new UsageError(`--version must be a positive integer; got '${versionText}'`);
        }
        const deployed = await server.registry.deployVersion(name, localPathOfArtifact(uri), {
          version,
          replaceExisting: true,
          setDefault: true,
          source: uri,
        });
        await server.refresh();
        out(`deployed ${uri} as ${name} version ${deployed.version.version}`);
      }
      out(`model server listening on ${server.url} (models in ${modelsDir})`);
      io.onListening?.(server.url);
      await new Promise<void>((resolve) => {
        if (io.signal) {
          if (io.signal.aborted) return resolve();
          io.signal.addEventListener('abort', () => resolve(), { once: true });
          return;
        }
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    } finally {
      await server.close();
    }
    out('model server stopped');
    return 0;
  } catch (error) {
    io.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n`);
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'));
    if (!usage && !(error instanceof PipelabError) && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
    }
    return usage ? 2 : 1;
  }
}
