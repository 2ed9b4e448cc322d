#!/usr/bin/env node
/**
 * The `pipelab` command.
 *
 *   pipelab compile <module> [-o out.yaml|out.tar.gz|out.json] [--pipeline <export>] [--param k=v]
 *   pipelab inspect <compiled file>
 */
import { parseArgs } from 'node:util';
import { compile } from '../compiler/build';
import { loadPipelinePackage, writePipelinePackage } from '../compiler/package';
import { PipelabError, UsageError } from '../errors';
import { VERSION } from '../version';
import { RUN_USAGE, RUNS_USAGE, runCommand, runsCommand } from '../client/cli-commands';
import { SCHEDULE_USAGE, scheduleCommand } from '../client/cli-schedule';
import { engineCommand, ENGINE_USAGE } from './engine-command';
import { startCommand, START_USAGE } from './start-command';
import { loadPipelineFromModule } from './load-module';
import { parseParam } from './params';

const USAGE_HEAD = `pipelab ${VERSION}

Usage:
  pipelab compile <module.ts|module.js> [options]   compile a pipeline to the KFP v2 IR
      -o, --output <file>      .yaml (default), .json, or .tar.gz holding pipeline.yaml
                               (default: <pipeline name>.yaml)
      --pipeline <name>        the export (or pipeline name) to compile when the module has several
      --name <name>            override the pipeline's name in the compiled file
      --param <key=value>      override a parameter's default (value parsed as JSON when it can be)
  pipelab inspect <file>       load a compiled pipeline (.yaml/.json/.tar.gz), validate it, summarise it
  pipelab start                the main job: engine, model server, the Chicago pipeline run and scheduled
  pipelab engine start         run the embedded engine (a KFP v2beta1 API server) in the foreground
  pipelab run <pipeline>       upload and run a compiled pipeline or a pipeline module, print its link, wait
  pipelab runs <command>       list | get | wait | logs | terminate | retry
  pipelab schedule <command>   create | list | get | enable | disable | update | delete | preview
  pipelab --version | --help
`;

const USAGE = `${USAGE_HEAD}\n${START_USAGE}\n${ENGINE_USAGE}\n${RUN_USAGE}\n${RUNS_USAGE}\n${SCHEDULE_USAGE}`;

async function compileCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      pipeline: { type: 'string' },
      name: { type: 'string' },
      param: { type: 'string', multiple: true },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(`compile takes one pipeline module.\n\n${USAGE}`);
  const pipeline = await loadPipelineFromModule(positionals[0] as string, values.pipeline);
  const defaults = Object.fromEntries((values.param ?? []).map(parseParam));
  const spec = compile(pipeline, {
    ...(values.name ? { pipelineName: values.name } : {}),
    parameterDefaults: defaults,
  });
  const output = values.output ?? `${spec.pipelineInfo.name}.yaml`;
  await writePipelinePackage(spec, output);
  const tasks = Object.keys(spec.deploymentSpec?.executors ?? {}).length;
  process.stdout.write(
    `wrote ${output} (pipeline '${spec.pipelineInfo.name}', ${tasks} executor${tasks === 1 ? '' : 's'})\n`,
  );
}

async function inspectCommand(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1)
    throw new UsageError(`inspect takes one compiled pipeline file.\n\n${USAGE}`);
  const file = positionals[0] as string;
  const spec = await loadPipelinePackage(file);
  const params = Object.entries(spec.root.inputDefinitions?.parameters ?? {});
  const lines = [
    `${file}: pipeline '${spec.pipelineInfo.name}' (schema ${spec.schemaVersion}, ${spec.sdkVersion ?? 'unknown compiler'})`,
    `tasks: ${Object.keys(spec.root.dag.tasks).join(', ')}`,
    `parameters:`,
    ...params.map(
      ([k, p]) =>
        `  ${k}: ${p.parameterType}${p.defaultValue !== undefined ? ` = ${JSON.stringify(p.defaultValue)}` : ''}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'compile':
        await compileCommand(rest);
        return 0;
      case 'inspect':
        await inspectCommand(rest);
        return 0;
      case 'start':
        return await startCommand(rest, { stdout: process.stdout });
      case 'engine':
        return await engineCommand(rest, { stdout: process.stdout, env: process.env });
      case 'run':
      case 'runs':
      case 'schedule': {
        // Ctrl-C stops waiting for the run; the run itself goes on in the engine.
        const abort = new AbortController();
        const onInt = () => abort.abort();
        process.once('SIGINT', onInt);
        try {
          const io = {
            stdout: process.stdout,
            stderr: process.stderr,
            env: process.env,
            signal: abort.signal,
          };
          const commands = { run: runCommand, runs: runsCommand, schedule: scheduleCommand };
          return await commands[command](rest, io);
        } finally {
          process.off('SIGINT', onInt);
        }
      }
      case '--version':
      case 'version':
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'.\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof PipelabError) {
      process.stderr.write(`pipelab: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    if (
      err instanceof Error &&
      'code' in err &&
      String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`pipelab: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `pipelab: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
