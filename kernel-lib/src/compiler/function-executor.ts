/**
 * How a TypeScript function component becomes a container: `node -e <program> --` where the
 * program is Pipelab's executor entry point (runtime/executor.cjs) followed by a call with the
 * function's source. Any image with Node.js runs it; nothing else needs installing.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Implementation } from '../dsl/component';
import type { ContainerSpecIR } from './spec';

let harness: string | undefined;

/** The executor entry point's source, read once from the package's runtime folder. */
export function executorHarness(): string {
  harness ??= readFileSync(path.resolve(__dirname, '..', '..', 'runtime', 'executor.cjs'), 'utf8');
  return harness;
}

export function functionContainer(
  impl: Extract<Implementation, { kind: 'function' }>,
): ContainerSpecIR {
  const options = {
    returnsSingle: impl.returnsSingle,
    outputTypes: impl.outputTypes,
    exitWhenDone: true,
  };
  const program =
    `${executorHarness()}\n;pipelabExecute(${impl.source}, ${JSON.stringify(options)}, ` +
    `process.argv.slice(1));\n`;
  return {
    image: impl.image,
    command: ['node', '-e', program, '--'],
    args: ['--executor_input', '{{$}}', '--function_to_execute', impl.functionName],
  };
}
