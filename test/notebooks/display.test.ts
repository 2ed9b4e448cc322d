/**
 * The notebook output helpers (kernel-lib/src/display): the bundles they build, their text
 * fallbacks, and outputs that update in place, collected through a test sink.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client, EngineOnlyError, KfpApiError } from '../../kernel-lib/src/client';
import type { RuntimeState, V2beta1Run } from '../../kernel-lib/src/client';
import {
  METRICS_MIME_TYPE,
  RECURRING_RUN_MIME_TYPE,
  recurringRun as showRecurringRun,
  triggerText,
  PLOTLY_MIME_TYPE,
  PROGRESS_MIME_TYPE,
  RUN_MIME_TYPE,
  barChart,
  consoleSink,
  endpointOfLink,
  formatDuration,
  formatNumber,
  lineChart,
  metrics,
  metricsTableBundle,
  numericMetrics,
  plot,
  plotlyBundle,
  progress,
  progressText,
  run as showRunLink,
  runLinkBundle,
  runLinkData,
  setDisplaySink,
  tableBundle,
  taskOutputs,
  type DisplaySink,
  type MimeBundle,
  type RunLinkData,
  type RunSource,
} from '../../kernel-lib/src/display';

interface Output {
  kind: 'display' | 'update';
  id: string | undefined;
  bundle: MimeBundle;
}

let outputs: Output[];

beforeEach(() => {
  outputs = [];
  const sink: DisplaySink = {
    display: (bundle, id) => outputs.push({ kind: 'display', id, bundle }),
    update: (bundle, id) => outputs.push({ kind: 'update', id, bundle }),
  };
  setDisplaySink(sink);
});

afterEach(() => {
  setDisplaySink();
  vi.restoreAllMocks();
});

const LINK = 'http://127.0.0.1:8765/#/runs/details/run-1';

function chicagoRun(state: RuntimeState, tasks: Record<string, RuntimeState> = {}): V2beta1Run {
  return {
    run_id: 'run-1',
    display_name: 'chicago-crime-prediction 2026-01-02 10-00-00',
    experiment_id: 'exp-1',
    state,
    created_at: '2026-01-02T10:00:00Z',
    ...(state === 'SUCCEEDED' || state === 'FAILED' ? { finished_at: '2026-01-02T10:02:05Z' } : {}),
    run_details: {
      task_details: [
        { task_id: 'root', display_name: 'root', child_tasks: [{ task_id: 'q' }], state },
        ...Object.entries(tasks).map(([name, s]) => ({
          task_id: `t-${name}`,
          display_name: name,
          parent_task_id: 'root',
          state: s,
        })),
      ],
    },
  };
}

describe('run link', () => {
  it('carries id, name, endpoint, link, state and the leaf tasks', () => {
    const data = runLinkData(chicagoRun('RUNNING', { query: 'SUCCEEDED', train: 'RUNNING' }), {
      link: LINK,
    });
    expect(data).toMatchObject({
      version: 1,
      run_id: 'run-1',
      name: 'chicago-crime-prediction 2026-01-02 10-00-00',
      endpoint: 'http://127.0.0.1:8765',
      link: LINK,
      state: 'RUNNING',
      experiment_id: 'exp-1',
      tasks: [
        { name: 'query', state: 'SUCCEEDED' },
        { name: 'train', state: 'RUNNING' },
      ],
    });
    expect(data).not.toHaveProperty('finished_at');
  });

  it('lists the tasks in the order they started, whatever order the server sends', () => {
    const run: V2beta1Run = {
      run_id: 'r',
      state: 'RUNNING',
      run_details: {
        task_details: [
          { task_id: 'c', display_name: 'deploy' },
          { task_id: 'b', display_name: 'train', start_time: '2026-01-02T10:00:05Z' },
          { task_id: 'a', display_name: 'query', start_time: '2026-01-02T10:00:04.500Z' },
        ],
      },
    };
    expect(runLinkData(run, { link: LINK }).tasks).toEqual([
      { name: 'query', state: 'PENDING' },
      { name: 'train', state: 'PENDING' },
      { name: 'deploy', state: 'PENDING' },
    ]);
  });

  it('takes the API endpoint when it differs from the UI', () => {
    const data = runLinkData(chicagoRun('PENDING'), {
      link: 'https://kfp-ui.example.com/pipeline/#/runs/details/run-1',
      endpoint: 'https://kfp.example.com/',
    });
    expect(data.endpoint).toBe('https://kfp.example.com');
    expect(endpointOfLink('https://kfp-ui.example.com/pipeline/#/runs/details/x')).toBe(
      'https://kfp-ui.example.com/pipeline',
    );
  });

  it('builds the vendor type with HTML and text fallbacks that read on their own', () => {
    const data = runLinkData(
      chicagoRun('SUCCEEDED', { query: 'SUCCEEDED', train: 'SUCCEEDED', deploy: 'SKIPPED' }),
      { link: LINK },
    );
    const bundle = runLinkBundle(data);
    expect(Object.keys(bundle).sort()).toEqual([RUN_MIME_TYPE, 'text/html', 'text/plain'].sort());
    expect(bundle[RUN_MIME_TYPE]).toEqual(data);
    const text = bundle['text/plain'];
    expect(text).toContain("Run 'chicago-crime-prediction 2026-01-02 10-00-00' (run-1): SUCCEEDED");
    expect(text).toContain('after 2 min 05 s');
    expect(text).toContain(LINK);
    expect(text).toContain('tasks 3/3: query ✓ · train ✓ · deploy ↷');
    expect(bundle['text/html']).toContain(`href="${LINK}"`);
    expect(bundle['text/html']).toContain('SUCCEEDED');
  });

  it('escapes names and refuses links that are not http(s)', () => {
    const data: RunLinkData = {
      ...runLinkData(chicagoRun('FAILED'), { link: LINK }),
      name: '<img src=x onerror=alert(1)>',
      link: 'javascript:alert(1)',
      error: 'task <train> failed',
    };
    const html = runLinkBundle(data)['text/html'] ?? '';
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('href=');
    expect(html).toContain('task &lt;train&gt; failed');
    expect(runLinkBundle(data)['text/plain']).toContain('error: task <train> failed');
  });

  it('follows the run in place while waiting, and ends on its final state', async () => {
    const sequence: V2beta1Run[] = [
      chicagoRun('RUNNING', { query: 'RUNNING' }),
      chicagoRun('RUNNING', { query: 'SUCCEEDED', train: 'RUNNING' }),
      chicagoRun('SUCCEEDED', { query: 'SUCCEEDED', train: 'SUCCEEDED', deploy: 'SUCCEEDED' }),
    ];
    let last: V2beta1Run | undefined = { run_id: 'run-1', state: 'PENDING' };
    let i = 0;
    const handle: RunSource = {
      id: 'run-1',
      link: LINK,
      get run() {
        return last;
      },
      get: async () => {
        last = sequence[Math.min(i++, sequence.length - 1)];
        return last as V2beta1Run;
      },
      wait: async (options = {}) => {
        let seen: string | undefined;
        for (;;) {
          const r = await handle.get();
          if (r.state !== seen) {
            seen = r.state;
            options.onUpdate?.(r);
          }
          if (r.state === 'SUCCEEDED') return r;
        }
      },
    };
    const widget = showRunLink(handle, { endpoint: 'http://127.0.0.1:8765' });
    const final = await widget.wait({ pollIntervalMs: 1 });
    expect(final.state).toBe('SUCCEEDED');
    expect(outputs[0]?.kind).toBe('display');
    const id = outputs[0]?.id;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(outputs.slice(1).every((o) => o.kind === 'update' && o.id === id)).toBe(true);
    const shown = outputs.at(-1)?.bundle[RUN_MIME_TYPE] as RunLinkData;
    expect(shown.state).toBe('SUCCEEDED');
    expect(shown.tasks?.map((t) => t.name)).toEqual(['query', 'train', 'deploy']);
    expect(widget.data.state).toBe('SUCCEEDED');
  });
});

describe('recurring runs', () => {
  it('says the trigger in words', () => {
    expect(triggerText({ cron_schedule: { cron: '0 0 6 * * *' } })).toBe('cron 0 0 6 * * *');
    expect(triggerText({ periodic_schedule: { interval_second: '86400' } })).toBe('every 1 day');
    expect(triggerText({ periodic_schedule: { interval_second: '172800' } })).toBe('every 2 days');
    expect(triggerText({ periodic_schedule: { interval_second: '7200' } })).toBe('every 2 h');
    expect(triggerText({ periodic_schedule: { interval_second: '900' } })).toBe('every 15 min');
    expect(triggerText({ periodic_schedule: { interval_second: '90' } })).toBe('every 1 min 30 s');
    expect(triggerText(undefined)).toBe('no trigger');
  });

  it('outputs one bundle per recurring run, with the id the extension collects', () => {
    showRecurringRun(
      {
        recurring_run_id: 'rr-1',
        display_name: 'Chicago daily retraining',
        experiment_id: 'exp-1',
        pipeline_version_reference: { pipeline_id: 'p-1' },
        trigger: { periodic_schedule: { interval_second: '86400' } },
        max_concurrency: '1',
        no_catchup: true,
        mode: 'DISABLE',
      },
      { endpoint: 'http://127.0.0.1:8765/', uiUrl: 'https://ui.example.com' },
    );
    const bundle = outputs[0]?.bundle as MimeBundle;
    expect(bundle[RECURRING_RUN_MIME_TYPE]).toEqual({
      version: 1,
      recurring_run_id: 'rr-1',
      name: 'Chicago daily retraining',
      endpoint: 'http://127.0.0.1:8765',
      link: 'https://ui.example.com/#/recurringrun/details/rr-1',
      trigger: 'every 1 day',
      status: 'DISABLED',
      experiment_id: 'exp-1',
      pipeline_id: 'p-1',
      max_concurrency: 1,
      no_catchup: true,
    });
    expect(bundle['text/plain']).toBe(
      "Recurring run 'Chicago daily retraining' (rr-1): DISABLED, every 1 day, latest version, at most 1 at once, no catch-up\n  https://ui.example.com/#/recurringrun/details/rr-1",
    );
    expect(bundle['text/html']).toContain(
      'href="https://ui.example.com/#/recurringrun/details/rr-1"',
    );
  });
});

describe('plotly figures', () => {
  it('puts the figure under the plotly MIME type with a text summary of long traces', () => {
    const days = Array.from({ length: 400 }, (_, i) =>
      new Date(Date.UTC(2001, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const figure = lineChart({
      title: 'Daily reports',
      x: days,
      series: [
        { name: 'actual', y: days.map((_, i) => 1000 + (i % 7)), color: '#1f77b4' },
        { name: 'predicted', y: days.map(() => 1002.5), color: '#ff7f0e' },
      ],
      yTitle: 'reports',
    });
    plot(figure);
    expect(outputs).toHaveLength(1);
    const bundle = outputs[0]?.bundle as MimeBundle;
    const spec = bundle[PLOTLY_MIME_TYPE] as { data: { line: { color: string } }[] };
    expect(spec.data).toHaveLength(2);
    expect(spec.data[1]?.line.color).toBe('#ff7f0e');
    expect(bundle['text/plain']).toBe(
      [
        'Plot: Daily reports',
        '  actual (scatter, 400 points): x 2001-01-01 … 2002-02-04: y 1000 … 1006, mean 1003',
        '  predicted (scatter, 400 points): x 2001-01-01 … 2002-02-04: y 1002.5 … 1002.5, mean 1002.5',
      ].join('\n'),
    );
  });

  it('lists the values of short traces, such as a weekday profile', () => {
    const bundle = plotlyBundle(
      barChart({
        title: 'Weekday profile',
        categories: ['Mon', 'Tue', 'Wed'],
        series: [{ name: 'mean', values: [1001.25, 990, 1010] }],
      }),
    );
    expect(bundle['text/plain']).toBe(
      'Plot: Weekday profile\n  mean (bar): Mon 1001.3 · Tue 990 · Wed 1010',
    );
    const spec = bundle[PLOTLY_MIME_TYPE] as { layout: { barmode: string } };
    expect(spec.layout.barmode).toBe('group');
  });
});

describe('progress', () => {
  it('updates one output in place, throttled, and always shows the end', () => {
    let now = 0;
    const bar = progress({
      title: 'Training',
      total: 4,
      unit: 'epoch',
      throttleMs: 100,
      now: () => now,
    });
    now = 10;
    bar.update(1, { loss: 0.5 }); // throttled
    now = 150;
    bar.update(2, { loss: 0.25 });
    now = 160;
    bar.update(3, { loss: 0.125 }); // throttled
    now = 170;
    bar.update(4, { loss: 0.1 }); // the last unit is always shown
    bar.finish('RMSE 61.2');
    expect(outputs.map((o) => o.kind)).toEqual(['display', 'update', 'update', 'update']);
    expect(new Set(outputs.map((o) => o.id)).size).toBe(1);
    expect(outputs[1]?.bundle['text/plain']).toBe(
      'Training [##########----------] 2/4 epochs · loss 0.25 · 150 ms · about 150 ms left',
    );
    const last = outputs.at(-1)?.bundle as MimeBundle;
    expect(last['text/plain']).toBe(
      'Training [####################] 4/4 epochs (done) · loss 0.1 · 170 ms · RMSE 61.2',
    );
    expect(last[PROGRESS_MIME_TYPE]).toMatchObject({ done: 4, total: 4, status: 'done' });
    expect(last['text/html']).toContain('<progress max="4" value="4"');
  });

  it('shows a failure, and counts without a total', () => {
    const bar = progress({ title: 'Waiting', unit: 'check', throttleMs: 0 });
    bar.update(3);
    bar.fail('the run FAILED');
    expect(outputs.at(-1)?.bundle['text/plain']).toMatch(
      /^Waiting 3 checks \(FAILED\) · \d+ ms · the run FAILED$/,
    );
    expect(progressText({ title: 'x', done: 1, total: 1, status: 'running', unit: 'epoch' })).toBe(
      'x [####################] 1/1 epoch',
    );
  });
});

describe('tables', () => {
  it('aligns text, marks the best of each metric, and escapes HTML', () => {
    metrics(
      {
        'LSTM (default)': { rmse: 58.123456, mae: 44.5, mape: 5.2 },
        yesterday: { rmse: 77.8, mae: 55, mape: 6.9 },
        '<mean7>': { rmse: 71.8, mae: 52.1, mape: 6.5 },
      },
      { title: 'Test set', note: 'days 2018-01-01..2022-02-12' },
    );
    const bundle = outputs[0]?.bundle as MimeBundle;
    expect(bundle['text/plain']).toBe(
      [
        'Test set',
        'model             RMSE    MAE  MAPE',
        '--------------  ------  -----  ----',
        'LSTM (default)  58.12*  44.5*  5.2*',
        'yesterday         77.8     55   6.9',
        '<mean7>           71.8   52.1   6.5',
        '* best of its column',
        'days 2018-01-01..2022-02-12',
      ].join('\n'),
    );
    expect(bundle[METRICS_MIME_TYPE]).toEqual({
      title: 'Test set',
      metrics: {
        'LSTM (default)': { rmse: 58.123456, mae: 44.5, mape: 5.2 },
        yesterday: { rmse: 77.8, mae: 55, mape: 6.9 },
        '<mean7>': { rmse: 71.8, mae: 52.1, mape: 6.5 },
      },
    });
    const html = bundle['text/html'] ?? '';
    expect(html).toContain('<td style="text-align:right"><strong>58.12</strong></td>');
    expect(html).toContain('&lt;mean7&gt;');
    expect(html).not.toContain('<mean7>');
  });

  it('takes columns, headers and higher-is-better metrics', () => {
    const bundle = metricsTableBundle(
      { a: { rmse: 2, r2: 0.5 }, b: { rmse: 1, r2: 0.9 } },
      { metrics: ['r2'], higherIsBetter: ['r2'], headers: { r2: 'R²' }, nameHeader: 'preset' },
    );
    expect(bundle['text/plain']).toBe(
      ['preset    R²', '------  ----', 'a        0.5', 'b       0.9*', '* best of its column'].join(
        '\n',
      ),
    );
    const plain = tableBundle([{ day: '2001-01-01', count: 1000, note: null }]);
    expect(plain['text/plain']).toBe(
      ['day         count  note', '----------  -----  ----', '2001-01-01   1000'].join('\n'),
    );
  });

  it('formats numbers and durations for people', () => {
    expect(formatNumber(77.8123)).toBe('77.81');
    expect(formatNumber(0.000123456)).toBe('0.0001235');
    expect(formatNumber(12345.678)).toBe('12345.7');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_380_000)).toBe('2 h 03 min');
  });
});

describe('outside a kernel', () => {
  it('prints the text, and an updated output only when its text changed', () => {
    setDisplaySink(consoleSink);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let now = 0;
    const bar = progress({ title: 'Training', total: 2, throttleMs: 0, now: () => now });
    bar.update(0); // same text: not printed again
    now = 5;
    bar.update(2);
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      'Training [--------------------] 0/2 steps · 0 ms',
      'Training [####################] 2/2 steps · 5 ms',
    ]);
  });
});

describe('task outputs', () => {
  function clientAnswering(status: number, body: unknown): Client {
    return new Client({
      endpoint: 'http://engine.test',
      env: {},
      fetch: async () =>
        new Response(JSON.stringify(body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        }),
    });
  }

  it('reads output parameters and artifact metadata from the engine', async () => {
    const client = clientAnswering(200, {
      task_id: 't1',
      display_name: 'train',
      state: 'SUCCEEDED',
      parameters: { inputs: { epochs: 2 }, outputs: { version: 'v3' } },
      artifacts: {
        inputs: {},
        outputs: {
          metrics: {
            name: 'metrics',
            uri: 'file:///x',
            type: { schema_title: 'system.Metrics' },
            metadata: { rmse: 61.5, naive_yesterday_rmse: 77.8, note: 'text' },
          },
        },
      },
    });
    const outputs = await taskOutputs(client, 'r1', 'train');
    expect(outputs.parameters).toEqual({ version: 'v3' });
    expect(numericMetrics(outputs.artifacts.metrics)).toEqual({
      rmse: 61.5,
      naive_yesterday_rmse: 77.8,
    });
  });

  it('says the call is engine-only when a KFP server has no such route', async () => {
    await expect(
      taskOutputs(clientAnswering(404, { code: 5, message: 'Not Found' }), 'r', 't'),
    ).rejects.toBeInstanceOf(EngineOnlyError);
    const unknownTask = clientAnswering(404, {
      code: 5,
      message: "run 'r' has no task 't'.",
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'NOT_FOUND',
          domain: 'pipelab.engine',
        },
      ],
    });
    const error = await taskOutputs(unknownTask, 'r', 't').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KfpApiError);
    expect(error).not.toBeInstanceOf(EngineOnlyError);
  });
});
