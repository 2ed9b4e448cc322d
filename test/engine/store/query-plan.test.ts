/**
 * The lists the API serves most are read from indexes, in order: no full scan and no sort of
 * the table (`USE TEMP B-TREE FOR ORDER BY`), whatever the number of runs. The SQL checked is the
 * SQL the store runs (`listStatements`), on the schema the migrations build.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../kernel-lib/src/engine/store';
import { EXPERIMENT_FIELDS } from '../../../kernel-lib/src/engine/store/experiments';
import {
  experimentScopes,
  listStatements,
  type ListQuery,
} from '../../../kernel-lib/src/engine/store/list-query';
import { PIPELINE_VERSION_FIELDS } from '../../../kernel-lib/src/engine/store/pipelines';
import { RECURRING_RUN_FIELDS } from '../../../kernel-lib/src/engine/store/recurring-runs';
import {
  LATEST_OF_RECURRING_RUNS_SQL,
  RUN_FIELDS,
} from '../../../kernel-lib/src/engine/store/runs';

describe('query plans of lists', () => {
  let dir: string;
  let store: Store;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-plans-'));
    store = openStore(path.join(dir, 'pipelab.db'));
  });
  afterAll(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plan = (sql: string, params: unknown[]): string =>
    (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
      .map((row) => row.detail)
      .join('; ');

  const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
    predicates: [],
    sortKey: 'created_at',
    desc: true,
    pageSize: 50,
    ...overrides,
  });

  it('pages the runs of an experiment, newest first, from runs_by_experiment', () => {
    for (const after of [undefined, { value: 1_700_000_000_000, seq: 42 }]) {
      const sql = listStatements(
        'runs',
        RUN_FIELDS,
        experimentScopes('exp'),
        query(after ? { after } : {}),
      );
      const page = plan(sql.pageSql, sql.pageParams);
      expect(page).toContain('USING INDEX runs_by_experiment (experiment_id=?');
      expect(page).not.toContain('TEMP B-TREE');
      expect(plan(sql.countSql, sql.countParams)).toMatch(
        /USING COVERING INDEX runs_by_experiment/,
      );
    }
  });

  it('pages all runs by creation time or an experiment by name without sorting', () => {
    const all = listStatements('runs', RUN_FIELDS, [], query({ desc: false }));
    expect(plan(all.pageSql, all.pageParams)).toMatch(/^SCAN runs USING INDEX runs_by_created$/);
    const byName = listStatements(
      'runs',
      RUN_FIELDS,
      experimentScopes('exp'),
      query({ sortKey: 'name' }),
    );
    const named = plan(byName.pageSql, byName.pageParams);
    expect(named).toContain('runs_by_experiment_name');
    expect(named).not.toContain('TEMP B-TREE');
  });

  it('pages experiments and pipeline versions from their indexes', () => {
    const experiments = listStatements('experiments', EXPERIMENT_FIELDS, [], query());
    expect(plan(experiments.pageSql, experiments.pageParams)).toContain('experiments_by_created');
    const versions = listStatements(
      'pipeline_versions',
      PIPELINE_VERSION_FIELDS,
      [{ sql: 'pipeline_id = ?', params: ['p'] }],
      query(),
    );
    const versionPlan = plan(versions.pageSql, versions.pageParams);
    expect(versionPlan).toContain('pipeline_versions_by_pipeline');
    expect(versionPlan).not.toContain('TEMP B-TREE');
  });

  it('pages recurring runs, and finds what the scheduler needs, from indexes', () => {
    const all = listStatements('recurring_runs', RECURRING_RUN_FIELDS, [], query());
    expect(plan(all.pageSql, all.pageParams)).toContain('recurring_runs_by_created');
    const ofExperiment = listStatements(
      'recurring_runs',
      RECURRING_RUN_FIELDS,
      experimentScopes('exp'),
      query(),
    );
    const experimentPlan = plan(ofExperiment.pageSql, ofExperiment.pageParams);
    expect(experimentPlan).toContain('recurring_runs_by_experiment (experiment_id=?');
    expect(experimentPlan).not.toContain('TEMP B-TREE');
    // The active runs of every recurring run: the partial index of active runs, nothing else.
    const active = plan(
      `SELECT recurring_run_id, COUNT(*) FROM runs INDEXED BY runs_active_by_recurring_run
         WHERE recurring_run_id IS NOT NULL AND state IN ('PENDING', 'RUNNING', 'CANCELING')
         GROUP BY recurring_run_id`,
      [],
    );
    expect(active).toMatch(/USING (COVERING )?INDEX runs_active_by_recurring_run/);
    expect(active).not.toContain('TEMP B-TREE');
    // The latest run of each recurring run of a page: per id, one step down the unique
    // (recurring run, time) index to the rowid, then that row.
    const latest = plan(LATEST_OF_RECURRING_RUNS_SQL, ['["rr-1","rr-2"]']);
    expect(latest).toMatch(/USING (COVERING )?INDEX runs_one_per_schedule \(recurring_run_id=\?\)/);
    expect(latest).toContain('SEARCH runs USING INTEGER PRIMARY KEY (rowid=?)');
    expect(latest).not.toContain('TEMP B-TREE');
    expect(latest).not.toMatch(/SCAN (runs|latest)/);
  });
});
