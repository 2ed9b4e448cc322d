/**
 * `pipelab start`: the main job in the foreground (see main-job/start.ts) until Ctrl-C or SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { JsonValue } from '../dsl/types';
import { UsageError } from '../errors';
import { parseParam } from './params';

export const START_USAGE = `Usage:
  pipelab start [--home <dir>] [--port 8765] [--serving-port 8501] [--param key=value ...] [--once]

  --home           engine data, warehouse and models (default $PIPELAB_HOME or ~/.pipelab)
  --port           the engine's port (default 8765)
  --serving-port   the model server's port (default 8501)
  --param          a parameter of the first run, e.g. --param epochs=5 (JSON values parsed)
  --once           stop after the first run instead of serving and scheduling until Ctrl-C
`;

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--${name} must be a port number; got '${value}'.`);
  return n;
}

export async function startCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stopSignal?: Promise<void> },
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      'serving-port': { type: 'string' },
      param: { type: 'string', multiple: true },
      once: { type: 'boolean' },
    },
  });
  const runParameters: Record<string, JsonValue> = Object.fromEntries(
    (values.param ?? []).map(parseParam),
  );
  const { startMainJob } = await import('../main-job/start.js');
  const job = await startMainJob({
    ...(values.home ? { home: values.home } : {}),
    ...(values.port !== undefined ? { enginePort: port(values.port, 'port') } : {}),
    ...(values['serving-port'] !== undefined
      ? { servingPort: port(values['serving-port'], 'serving-port') }
      : {}),
    runParameters,
    log: (line) => io.stdout.write(`${line}\n`),
  });
  if (!values.once) {
    io.stdout.write('Serving and scheduling; press Ctrl-C to stop.\n');
    await (io.stopSignal ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
  }
  io.stdout.write('stopping...\n');
  await job.close();
  io.stdout.write('stopped.\n');
  return job.runState === 'SUCCEEDED' ? 0 : 1;
}
