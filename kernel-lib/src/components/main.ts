#!/usr/bin/env node
/**
 * `pipelab-component <step> [args]`: the entry point of Pipelab's component image, and the local
 * command the embedded engine runs for the same containers. Each step is loaded only when asked
 * for, so that a query task does not load TensorFlow.js.
 */

interface StepIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

type StepMain = (argv: string[], io: StepIo) => Promise<number>;

/** Every step of the component image, each loaded only when asked for. */
const STEPS: Readonly<Record<string, { describe: string; load: () => Promise<StepMain> }>> = {
  query: {
    describe: 'query daily crime-report totals into a count,day CSV (Dataset)',
    load: async () => (await import('./data/index.js')).queryMain,
  },
  train: {
    describe: 'train the LSTM on a count,day CSV; write the Model and Metrics artifacts',
    load: async () => (await import('./train/index.js')).trainMain,
  },
  deploy: {
    describe: 'add a trained model as a new version behind the prediction endpoint (quality-gated)',
    load: async () => (await import('./deploy/index.js')).deployMain,
  },
  serve: {
    describe: 'serve the model registry over TensorFlow Serving’s REST API',
    load: async () => (await import('../serving/index.js')).serveMain,
  },
  warehouse: {
    describe: 'create the embedded warehouse, or append the days missing up to today',
    load: async () => (await import('./data/index.js')).warehouseMain,
  },
};

export function componentUsage(): string {
  const lines = Object.entries(STEPS).map(([name, s]) => `  ${name.padEnd(10)} ${s.describe}`);
  return `Usage: pipelab-component <step> [options]\n\nSteps:\n${lines.join('\n')}\n`;
}

export async function componentMain(argv: string[], io: StepIo): Promise<number> {
  const [step, ...rest] = argv;
  const entry = step ? STEPS[step] : undefined;
  if (!entry) {
    io.stderr.write(
      `${step ? `pipelab-component: unknown step '${step}'.\n\n` : ''}${componentUsage()}`,
    );
    return 2;
  }
  return (await entry.load())(rest, io);
}

if (typeof require !== 'undefined' && require.main === module) {
  componentMain(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `pipelab-component: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
