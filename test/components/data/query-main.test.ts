import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseDatasetCsv, sha256Hex } from '../../../kernel-lib/src/components/data/dataset-csv';
import { generateDailyTotals } from '../../../kernel-lib/src/components/data/generator/daily-totals';
import { queryMain } from '../../../kernel-lib/src/components/data/query-main';
import { warehouseMain } from '../../../kernel-lib/src/components/data/warehouse-main';
import { tempDir } from './support/temp';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await queryMain(argv, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** An ExecutorInput as KFP's launcher (or the engine) passes it for the query task. */
function executorInput(dir: string) {
  const params = {
    rows: path.join(dir, 'outputs', 'rows'),
    new_days: path.join(dir, 'outputs', 'new_days'),
    should_retrain: path.join(dir, 'outputs', 'should_retrain'),
  };
  const outputFile = path.join(dir, 'outputs', 'executor_output.json');
  const json = JSON.stringify({
    inputs: { parameterValues: { source: 'warehouse' } },
    outputs: {
      artifacts: {
        dataset: {
          artifacts: [
            {
              name: 'dataset',
              type: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' },
              uri: `file://${path.join(dir, 'artifacts', 'query', 'dataset')}`,
              metadata: {},
            },
          ],
        },
      },
      parameters: Object.fromEntries(
        Object.entries(params).map(([k, f]) => [k, { outputFile: f }]),
      ),
      outputFile,
    },
  });
  return { json, outputFile, params };
}

describe('queryMain', () => {
  it("writes the dataset at the engine's URI of a path with '#', '%' and spaces", async () => {
    // The engine's URIs are file:// + the raw path: '%20' is three characters, '#' no fragment.
    const dir = path.join(tempDir(), 'run #2', '50%20 query');
    const input = executorInput(dir);
    const { code, stderr } = await run(['--today', '2001-02-01', '--executor-input', input.json], {
      PIPELAB_WAREHOUSE: path.join(dir, 'w h.duckdb'),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const datasetPath = path.join(dir, 'artifacts', 'query', 'dataset');
    expect(fs.readFileSync(datasetPath, 'utf8').split('\n')[0]).toBe('count,day');
    const output = JSON.parse(fs.readFileSync(input.outputFile, 'utf8'));
    expect(output.artifacts.dataset.artifacts[0].uri).toBe(`file://${datasetPath}`);
    expect(fs.readFileSync(input.params.rows, 'utf8')).toBe('31');
  });

  it('runs on the embedded warehouse and answers KFP with executor_output.json', async () => {
    const dir = tempDir();
    const warehouse = path.join(dir, 'warehouse.duckdb');
    const input = executorInput(dir);
    const { code, stdout, stderr } = await run(
      [
        '--source',
        'warehouse',
        '--project-id',
        '',
        '--today',
        '2001-03-01',
        '--executor-input',
        input.json,
      ],
      { PIPELAB_WAREHOUSE: warehouse },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^query: reading daily totals from warehouse \(today is 2001-03-01\)$/m);
    expect(stdout).toMatch(/^warehouse: created .*warehouse\.duckdb: 59 days/m);
    expect(stdout).toMatch(/^warehouse: translated the query to DuckDB SQL/m);
    expect(stdout).toMatch(/^query: 59 days 2001-01-01\.\.2001-02-28/m);

    // The dataset at the artifact's local path, in the sample's shape.
    const datasetPath = path.join(dir, 'artifacts', 'query', 'dataset');
    const csv = fs.readFileSync(datasetPath, 'utf8');
    expect(csv.split('\n')[0]).toBe('count,day');
    expect(csv.split('\n')[1]).toMatch(/^\d+,2001-01-01 00:00:00 UTC$/);
    expect(parseDatasetCsv(csv)).toEqual(generateDailyTotals({ until: '2001-02-28' }));

    const output = JSON.parse(fs.readFileSync(input.outputFile, 'utf8')) as {
      artifacts: {
        dataset: { artifacts: { name: string; uri: string; metadata: Record<string, unknown> }[] };
      };
      parameterValues: Record<string, unknown>;
    };
    const artifact = output.artifacts.dataset.artifacts[0];
    expect(artifact?.name).toBe('dataset');
    expect(artifact?.uri).toBe(`file://${datasetPath}`);
    expect(artifact?.metadata).toMatchObject({
      rows: 59,
      firstDay: '2001-01-01',
      lastDay: '2001-02-28',
      sha256: sha256Hex(csv),
      columns: 'count,day',
      source: 'warehouse',
      query:
        "SELECT count(*) AS count, date_trunc('day', date) AS day FROM crime GROUP BY day ORDER BY day",
      repairs: [],
      today: '2001-03-01',
      newDays: 59,
      shouldRetrain: true,
    });
    expect(output.parameterValues).toMatchObject({
      rows: 59,
      first_day: '2001-01-01',
      last_day: '2001-02-28',
      new_days: 59,
      growth_ratio: 0,
      drift: 0,
      should_retrain: true,
      sha256: sha256Hex(csv),
      summary: expect.objectContaining({ rows: 59, window: 28, lastDay: '2001-02-28' }),
    });
    expect(fs.readFileSync(input.params.rows, 'utf8')).toBe('59');
    expect(fs.readFileSync(input.params.should_retrain, 'utf8')).toBe('true');
    expect(JSON.parse(fs.readFileSync(`${datasetPath}.metadata.json`, 'utf8'))).toEqual(
      artifact?.metadata,
    );
  });

  it('compares with the previous summary: new days, growth, drift, and the decision', async () => {
    const dir = tempDir();
    const env = { PIPELAB_HOME: path.join(dir, 'home') };
    const first = path.join(dir, 'first.csv');
    expect((await run(['--today', '2001-03-01', '--output', first], env)).code).toBe(0);
    const metadata = JSON.parse(fs.readFileSync(`${first}.metadata.json`, 'utf8')) as {
      summary: unknown;
    };
    const card = path.join(dir, 'model-card.json');
    fs.writeFileSync(card, JSON.stringify({ model: 'lstm', dataSummary: metadata.summary }));

    const second = path.join(dir, 'second.csv');
    const later = await run(
      ['--today', '2001-03-04', '--output', second, '--previous-summary', card],
      env,
    );
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^warehouse: added 3 days \(2001-03-01\.\.2001-03-03\)/m);
    const after = JSON.parse(fs.readFileSync(`${second}.metadata.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(after).toMatchObject({
      rows: 62,
      newDays: 3,
      growthRatio: Number((3 / 59).toFixed(6)),
      shouldRetrain: false,
    });
    expect(later.stdout).toMatch(/no need to retrain \(3 new day\(s\) \(under 7\)/);

    const inline = await run(
      [
        '--today',
        '2001-03-04',
        '--output',
        second,
        '--previous-summary',
        JSON.stringify(metadata.summary),
        '--min-new-days',
        '3',
      ],
      env,
    );
    expect(inline.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(`${second}.metadata.json`, 'utf8'))).toMatchObject({
      shouldRetrain: true,
      retrainReasons: ['3 new days (at least 3)'],
    });
  });

  it('runs DuckDB SQL given on the command line, even one starting with a comment', async () => {
    const dir = tempDir();
    const output = path.join(dir, 'dataset');
    const r = await run(
      [
        '--query',
        "-- thefts only\nSELECT date_trunc('day', date) AS day, count(*) AS count FROM crime WHERE primary_type = 'THEFT' GROUP BY 1 ORDER BY 1",
        '--today',
        '2001-01-08',
        '--output',
        output,
      ],
      { PIPELAB_WAREHOUSE: path.join(dir, 'w.duckdb') },
    );
    expect(r.stderr).toBe('');
    const thefts = parseDatasetCsv(fs.readFileSync(output, 'utf8'));
    const all = generateDailyTotals({ until: '2001-01-07' });
    expect(thefts).toHaveLength(7);
    thefts.forEach((d, i) => expect(d.count / (all[i]?.count ?? 1)).toBeGreaterThan(0.15));
    thefts.forEach((d, i) => expect(d.count / (all[i]?.count ?? 1)).toBeLessThan(0.28));
  });

  it('reads a CSV source and copies the dataset to a destination', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.csv');
    fs.writeFileSync(
      input,
      'day,count\n2021-01-02,710\n2021-01-01,700\n2021-01-04,730\n2021-03-01,12\n',
    );
    const output = path.join(dir, 'out', 'dataset');
    const copy = path.join(dir, 'copy', 'reports.csv');
    const r = await run([
      '--source',
      'csv',
      '--csv-uri',
      input,
      '--today',
      '2021-03-01',
      '--missing-days',
      'interpolate',
      '--output',
      output,
      '--destination',
      `file://${copy}`,
    ]);
    expect(r.code).toBe(0);
    const csv = fs.readFileSync(output, 'utf8');
    expect(csv).toBe(
      'count,day\n700,2021-01-01 00:00:00 UTC\n710,2021-01-02 00:00:00 UTC\n720,2021-01-03 00:00:00 UTC\n730,2021-01-04 00:00:00 UTC\n',
    );
    expect(fs.readFileSync(copy, 'utf8')).toBe(csv);
    const meta = JSON.parse(fs.readFileSync(`${copy}.metadata.json`, 'utf8')) as {
      repairs: { kind: string }[];
    };
    expect(meta.repairs.map((x) => x.kind)).toEqual([
      'sorted',
      'today-dropped',
      'missing-days-interpolated',
    ]);
    expect(r.stdout).toMatch(/^query: repaired: sorted: /m);
  });

  it('fails with a message naming the bad row, and writes nothing', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.csv');
    fs.writeFileSync(input, 'count,day\n700,2021-01-01\nlots,2021-01-02\n');
    const output = path.join(dir, 'dataset');
    const r = await run([
      '--source',
      'csv',
      '--csv-uri',
      input,
      '--today',
      '2021-03-01',
      '--output',
      output,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "query: error: row 2 (day 2021-01-02): the count 'lots' is not a number.\n",
    );
    expect(fs.existsSync(output)).toBe(false);
  });

  it('fails clearly on wrong usage', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'd');
    const cases: [string[], RegExp][] = [
      [
        ['--source', 'oracle', '--output', out],
        /--source must be one of warehouse, bigquery, chicago-portal, csv; got 'oracle'/,
      ],
      [['--source', 'csv'], /--output is required/],
      [['--source', 'csv', '--output', out], /the csv source needs --csv-uri/],
      [
        ['--source', 'chicago-portal', '--query', 'SELECT 1', '--output', out],
        /--query applies only to the warehouse and bigquery sources/,
      ],
      [
        ['--output', out, '--today', 'tomorrow'],
        /--today must be a YYYY-MM-DD day; got 'tomorrow'/,
      ],
      [
        ['--output', out, '--missing-days', 'guess'],
        /--missing-days must be one of zero, interpolate, reject; got 'guess'/,
      ],
      [
        ['--output', out, '--previous-summary', '{"firstDay": 1}'],
        /the previous summary needs firstDay as YYYY-MM-DD/,
      ],
      [['--output', out, '--executor-input', '{not json'], /--executor-input is not JSON/],
      [['--output', out, '--bogus', 'x'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stderr).toMatch(/^query: error: /);
    }
    // A value may start with a dash (KFP passes option and value as two arguments).
    const dashed = await run(['--output', out, '--min-new-days', '-1']);
    expect(dashed.stderr).toMatch(/--min-new-days must be a whole number ≥ 0; got '-1'/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^pipelab-component query \[options\]/);
  });
});

describe('warehouseMain', () => {
  it('creates the warehouse, then adds the days that passed', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'w.duckdb');
    const io = () => ({
      stdout: new Capture(),
      stderr: new Capture(),
      env: { PIPELAB_WAREHOUSE: file },
    });
    const a = io();
    expect(await warehouseMain(['--today', '2001-01-11'], a)).toBe(0);
    expect(a.stdout.text).toMatch(/: 2001-01-01\.\.2001-01-10, \d+ reports \(created\)\n$/);
    const b = io();
    expect(await warehouseMain(['--today', '2001-01-13'], b)).toBe(0);
    expect(b.stdout.text).toMatch(/2001-01-01\.\.2001-01-12, \d+ reports \(2 day\(s\) added\)\n$/);
    const c = io();
    expect(await warehouseMain(['--seed=1.5'], c)).toBe(1);
    expect(c.stderr.text).toMatch(/--seed must be an unsigned 32-bit integer/);
  });
});
