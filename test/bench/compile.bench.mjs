// Compile time of generated pipelines of 10, 100 and 1,000 tasks (built code, `npm run bench`).
// Each pipeline chains tasks through artifacts, fans parameters out from pipeline inputs, and puts
// every tenth task in a condition, so that naming, dependency analysis and condition plumbing
// all scale with the task count. Reports the median of several runs and the growth ratios.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { dsl, compile, compiler } = require('../../kernel-lib/dist/index.js');
const { containerComponent, pipeline, param, Dataset, If } = dsl;

const step = containerComponent({
  name: 'step',
  inputs: {
    data: dsl.optional(Dataset),
    n: param.integer({ default: 1 }),
    label: param.string({ default: '' }),
  },
  outputs: { out: Dataset, rows: param.integer() },
  image: 'example.com/step:1',
  command: ['step'],
  args: ({ inputs, outputs }) => [
    dsl.ifPresent('data', ['--data', inputs.data.path]),
    '--n',
    inputs.n,
    '--label',
    inputs.label,
    '--out',
    outputs.out.path,
    '--rows',
    outputs.rows,
  ],
});

function generated(size) {
  return pipeline(
    {
      name: `bench-${size}`,
      params: { n: param.integer({ default: 3 }), label: param.string({ default: 'x' }) },
    },
    ({ n, label }) => {
      let prev = step({ n, label });
      for (let i = 1; i < size; i++) {
        if (i % 10 === 0) {
          const gate = prev;
          If(gate.outputs.rows.ge(n), () => {
            step({ data: gate.outputs.out, n, label });
          });
        } else {
          prev = step({ data: prev.outputs.out, n, label });
        }
      }
    },
  );
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const sizes = [10, 100, 1000];
const results = {};
for (const size of sizes) {
  const p = generated(size);
  const runs = size >= 1000 ? 15 : 40;
  for (let i = 0; i < 3; i++) compile(p); // warm-up
  const times = [];
  const yamlTimes = [];
  let tasks = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const spec = compile(p);
    const t1 = performance.now();
    compiler.pipelineToYaml(spec);
    yamlTimes.push(performance.now() - t1);
    times.push(t1 - t0);
    tasks = Object.keys(spec.deploymentSpec.executors).length;
  }
  results[size] = {
    median: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    yaml: median(yamlTimes),
    tasks,
  };
}

console.log('compile time (built code, median of repeated runs)');
console.log('tasks   executors   median ms   min ms   max ms   µs/task   YAML text ms');
for (const size of sizes) {
  const r = results[size];
  const cells = [
    String(size).padStart(5),
    String(r.tasks).padStart(9),
    r.median.toFixed(2).padStart(9),
    r.min.toFixed(2).padStart(6),
    r.max.toFixed(2).padStart(6),
    ((r.median * 1000) / size).toFixed(1).padStart(7),
    r.yaml.toFixed(2).padStart(14),
  ];
  console.log(cells.join('   '));
}
const g1 = results[100].median / results[10].median;
const g2 = results[1000].median / results[100].median;
console.log(
  `growth 10→100 tasks: ×${g1.toFixed(1)}; 100→1,000 tasks: ×${g2.toFixed(1)} (linear would be ×10)`,
);
console.log(
  `1,000 tasks compile in ${results[1000].median.toFixed(1)} ms (target: well under 1,000 ms)`,
);
