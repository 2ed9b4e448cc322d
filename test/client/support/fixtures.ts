/**
 * Canned KFP resources for the recording server (swagger-valid: the server checks them), and a
 * tiny pipeline compiled from the DSL.
 */
import { compile } from '../../../kernel-lib/src/compiler/build';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import { containerComponent, param, pipeline } from '../../../kernel-lib/src/dsl';
import type {
  RuntimeState,
  V2beta1Experiment,
  V2beta1Pipeline,
  V2beta1PipelineTaskDetail,
  V2beta1PipelineVersion,
  V2beta1Run,
} from '../../../kernel-lib/src/client';

export const CREATED = '2024-05-01T10:00:00Z';
export const FINISHED = '2024-05-01T10:00:07Z';

/** Two `node -e` container tasks: `greet` prints a greeting, `count` prints its length. */
export const greet = containerComponent({
  name: 'greet',
  inputs: { who: param.string() },
  outputs: { greeting: param.string() },
  image: 'node:20',
  command: ['node', '-e'],
  args: ({ inputs, outputs }) => [
    "const fs=require('fs');const path=require('path');const g='hello '+process.argv[1];console.log(g);fs.mkdirSync(path.dirname(process.argv[2]),{recursive:true});fs.writeFileSync(process.argv[2],g)",
    inputs.who,
    outputs.greeting,
  ],
});

export const count = containerComponent({
  name: 'count',
  inputs: { text: param.string(), times: param.integer() },
  image: 'node:20',
  command: ['node', '-e'],
  args: ({ inputs }) => [
    'console.log(String(process.argv[1].length*Number(process.argv[2])))',
    inputs.text,
    inputs.times,
  ],
});

export const tinyPipeline = pipeline(
  {
    name: 'tiny',
    description: 'Greets and counts.',
    params: { who: param.string({ default: 'world' }), times: param.integer({ default: 2 }) },
  },
  ({ who, times }) => {
    const g = greet({ who });
    count({ text: g.outputs.greeting, times });
  },
);

/** A pipeline whose only task fails. */
export const failingPipeline = pipeline({ name: 'failing', params: {} }, () => {
  containerComponent({
    name: 'boom',
    image: 'node:20',
    command: ['node', '-e', "console.error('it broke');process.exit(3)"],
  })({});
});

export function tinySpec(): PipelineSpec {
  return compile(tinyPipeline);
}

export function experiment(
  id: string,
  name: string,
  extra: V2beta1Experiment = {},
): V2beta1Experiment {
  return {
    experiment_id: id,
    display_name: name,
    created_at: CREATED,
    namespace: '',
    storage_state: 'AVAILABLE',
    ...extra,
  };
}

export function pipelineResource(
  id: string,
  name: string,
  extra: V2beta1Pipeline = {},
): V2beta1Pipeline {
  return { pipeline_id: id, name, display_name: name, created_at: CREATED, ...extra };
}

export function versionResource(
  pipelineId: string,
  id: string,
  name: string,
  extra: V2beta1PipelineVersion = {},
): V2beta1PipelineVersion {
  return {
    pipeline_id: pipelineId,
    pipeline_version_id: id,
    name,
    display_name: name,
    created_at: CREATED,
    ...extra,
  };
}

export function task(
  name: string,
  state: RuntimeState,
  extra: V2beta1PipelineTaskDetail = {},
): V2beta1PipelineTaskDetail {
  return { task_id: `task-${name}`, display_name: name, state, create_time: CREATED, ...extra };
}

export function runResource(id: string, state: RuntimeState, extra: V2beta1Run = {}): V2beta1Run {
  const final = state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELED';
  return {
    run_id: id,
    display_name: `run ${id}`,
    experiment_id: 'exp-1',
    storage_state: 'AVAILABLE',
    state,
    created_at: CREATED,
    ...(final ? { finished_at: FINISHED } : {}),
    runtime_config: { parameters: {} },
    run_details: { task_details: [task('greet', state)] },
    ...extra,
  };
}

/** A grpc-gateway error body, as the engine writes it (its details name the engine). */
export function engineError(
  code: number,
  message: string,
  reason = 'NOT_FOUND',
): Record<string, unknown> {
  return {
    code,
    message,
    details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'pipelab.engine' },
    ],
  };
}
