/**
 * `pipelab engine start`: runs the embedded engine in the foreground until Ctrl-C or SIGTERM,
 * then stops it cleanly (running runs are given a grace period, then recorded as stopped).
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { DEFAULT_ENGINE_PORT, engineDataDir } from '../defaults';
import { UsageError } from '../errors';

export const ENGINE_USAGE = `Usage:
  pipelab engine start [--host 127.0.0.1] [--port ${DEFAULT_ENGINE_PORT}] [--data-dir <dir>] [--parallelism 4]

  --host          address to listen on (default 127.0.0.1: this machine only)
  --port          port (default ${DEFAULT_ENGINE_PORT}; 0 picks a free one)
  --data-dir      database, artifacts and logs (default $PIPELAB_ENGINE_DATA or ~/.pipelab/engine)
  --parallelism   task processes per run at once (default 4)
  --allowed-origin <origin>   let a web page at this origin call the API (CORS), e.g. JupyterLab's
                  http://127.0.0.1:8888; repeatable (default: none)
`;

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new UsageError(`--${name} must be a whole number; got '${value}'.`);
  return n;
}

export interface EngineCommandIO {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Resolves when the engine should stop (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<void>;
}

export async function engineCommand(argv: string[], io: EngineCommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'start')
    throw new UsageError(`unknown engine command '${sub ?? ''}'.\n\n${ENGINE_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      parallelism: { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
    },
  });
  const dataDir = path.resolve(values['data-dir'] ?? engineDataDir(io.env));
  const { startEngine } = await import('../engine/index.js');
  const { pipelabCommandResolver } = await import('../components/local-commands.js');
  const engine = await startEngine({
    dataDir,
    host: values.host ?? '127.0.0.1',
    port: integer(values.port, 'port', DEFAULT_ENGINE_PORT),
    parallelism: integer(values.parallelism, 'parallelism', 4),
    allowedOrigins: values['allowed-origin'] ?? [],
    commandResolver: pipelabCommandResolver,
  });
  io.stdout.write(
    `Pipelab engine listening on ${engine.url}\n` +
      `  data:  ${dataDir}\n` +
      `  token: ${engine.tokenFile} (send it as "Authorization: Bearer <token>")\n` +
      `Press Ctrl-C to stop.\n`,
  );
  const stop =
    io.stopSignal ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await stop;
  io.stdout.write('stopping the engine...\n');
  await engine.close();
  io.stdout.write('stopped.\n');
  return 0;
}
