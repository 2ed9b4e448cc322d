/**
 * TypeScript function-component equivalents of the KFP SDK's lightweight-Python goldens in
 * ../shared/kfp/golden. Their IR must match field for field except the executors' container
 * (a Node.js program here, a Python one there).
 */
import {
  Dataset,
  If,
  Metrics,
  Model,
  functionComponent,
  param,
  pipeline,
} from '../../kernel-lib/src/dsl';

const add = functionComponent({
  name: 'add',
  inputs: { a: param.double(), b: param.double() },
  returns: param.double(),
  fn: ({ a, b }) => a + b,
});

export const withRetry = pipeline(
  {
    name: 'test-pipeline',
    params: { a: param.double({ default: 1 }), b: param.double({ default: 7 }) },
  },
  ({ a, b }) => {
    add({ a, b }).setRetry({ numRetries: 3 });
  },
);

const flipCoin = functionComponent({
  name: 'flip-coin-op',
  returns: param.string(),
  fn: () => (Math.random() < 0.5 ? 'heads' : 'tails'),
});

const printOp = functionComponent({
  name: 'print-op',
  inputs: { msg: param.string() },
  fn: ({ msg }) => {
    console.log(msg);
  },
});

export const withCondition = pipeline(
  {
    name: 'single-condition-pipeline',
    params: { text: param.string({ default: 'condition test' }) },
  },
  ({ text }) => {
    const flip1 = flipCoin().setCachingOptions(false);
    printOp({ msg: flip1.outputs.Output });
    If(flip1.outputs.Output.eq('heads'), () => {
      const flip2 = flipCoin().setCachingOptions(false);
      printOp({ msg: flip2.outputs.Output });
      printOp({ msg: text });
    });
  },
);

const outputMetrics = functionComponent({
  name: 'output-metrics',
  description: 'Dummy component that outputs metrics with a random accuracy.',
  outputs: { metrics: Metrics },
  fn: (_inputs, { metrics }) => {
    metrics.logMetric('accuracy', Math.round(Math.random() * 100));
  },
});

export const metricsPipeline = pipeline({ name: 'output-metrics' }, () => ({
  metrics: outputMetrics().outputs.metrics,
}));

const addNumbers = functionComponent({
  inputs: { first: param.integer(), second: param.integer() },
  returns: param.integer(),
  fn: function addNumbers({ first, second }) {
    return first + second;
  },
});

const concatMessage = functionComponent({
  name: 'concat_message',
  inputs: { first: param.string(), second: param.string() },
  returns: param.string(),
  fn: ({ first, second }) => first + second,
});

const outputArtifact = functionComponent({
  name: 'output_artifact',
  inputs: { number: param.integer(), message: param.string() },
  outputs: { Output: Dataset },
  fn: async ({ number, message }, { Output }) => {
    const fs = require('node:fs') as typeof import('node:fs');
    await fs.promises.writeFile(
      Output.path,
      Array.from({ length: number }, () => message).join('\n'),
    );
  },
});

const outputNamedTuple = functionComponent({
  name: 'output_named_tuple',
  inputs: { artifact: Dataset },
  outputs: { scalar: param.string(), metrics: Metrics, model: Model },
  fn: async ({ artifact }, { metrics, model }) => {
    const fs = require('node:fs') as typeof import('node:fs');
    metrics.logMetric('accuracy', 0.9);
    const contents = await fs.promises.readFile(artifact.path, 'utf8');
    await fs.promises.writeFile(model.path, `Model contents: ${contents}`);
    return { scalar: '123' };
  },
});

export const functionsWithOutputs = pipeline(
  {
    name: 'functions-with-outputs',
    params: {
      first_message: param.string(),
      second_message: param.string(),
      first_number: param.integer(),
      second_number: param.integer(),
    },
  },
  (p) => {
    const sum = addNumbers({ first: p.first_number, second: p.second_number });
    const text = concatMessage({ first: p.first_message, second: p.second_message });
    const dataset = outputArtifact({ number: sum.outputs.Output, message: text.outputs.Output });
    outputNamedTuple({ artifact: dataset.outputs.Output });
  },
);

export const FUNCTION_GOLDENS = [
  ['pipeline_with_retry.yaml', withRetry],
  ['pipeline_with_condition.yaml', withCondition],
  ['output_metrics.yaml', metricsPipeline],
  ['lightweight_python_functions_with_outputs.yaml', functionsWithOutputs],
] as const;
