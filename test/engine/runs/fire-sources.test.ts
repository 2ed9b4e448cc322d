/**
 * What a fire of a recurring run runs: its inline spec, its pinned version, or its pipeline's
 * latest version at fire time — and, when that is gone, why the fire's run cannot start.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FireSourceError, FireSources } from '../../../kernel-lib/src/engine/runs/fire';
import { openStore, type Store } from '../../../kernel-lib/src/engine/store';
import type { RecurringRunRow } from '../../../kernel-lib/src/engine/store/recurring-runs';

let dir: string;
let store: Store;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-fire-'));
  store = openStore(path.join(dir, 'pipelab.db'));
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The fields of a recurring run a fire's source depends on. */
function recurringRun(fields: Partial<RecurringRunRow>): RecurringRunRow {
  return {
    id: 'rr',
    pipeline_id: '',
    pipeline_version_id: '',
    pipeline_spec: null,
    ...fields,
  } as RecurringRunRow;
}

function version(name: string) {
  return {
    name,
    display_name: name,
    description: '',
    pipeline_spec: JSON.stringify({ pipelineInfo: { name } }),
  };
}

it('runs the inline spec, the pinned version or the latest version of the pipeline', () => {
  const sources = new FireSources(store);
  const p = store.pipelines.create({ name: 'p', display_name: 'p', description: '' }, 1000).id;
  const v1 = store.pipelines.createVersion(p, version('v1'), 2000).id;
  const v2 = store.pipelines.createVersion(p, version('v2'), 3000).id;

  const inline = sources.resolve(recurringRun({ pipeline_spec: '{"pipelineInfo":{"name":"i"}}' }));
  expect(inline).toMatchObject({ inline: true, pipelineId: '', versionId: '' });
  expect(inline.spec.pipelineInfo.name).toBe('i');

  const pinned = sources.resolve(recurringRun({ pipeline_id: p, pipeline_version_id: v1 }));
  expect(pinned).toMatchObject({ inline: false, pipelineId: p, versionId: v1 });
  expect(pinned.spec.pipelineInfo.name).toBe('v1');

  const latest = sources.resolve(recurringRun({ pipeline_id: p }));
  expect(latest).toMatchObject({ inline: false, pipelineId: p, versionId: v2 });
  expect(latest.spec.pipelineInfo.name).toBe('v2');
});

it('says why when the pinned version, the pipeline or its every version is gone', () => {
  const sources = new FireSources(store);
  const empty = store.pipelines.create({ name: 'e', display_name: 'e', description: '' }, 1000).id;
  const fails = (row: RecurringRunRow): string => {
    try {
      sources.resolve(row);
    } catch (error) {
      expect(error).toBeInstanceOf(FireSourceError);
      return (error as Error).message;
    }
    throw new Error('resolved');
  };
  expect(fails(recurringRun({ pipeline_id: empty, pipeline_version_id: 'gone' }))).toBe(
    "its pinned pipeline version 'gone' no longer exists: edit the recurring run to run another version (or the latest one).",
  );
  expect(fails(recurringRun({ pipeline_id: 'gone' }))).toBe(
    "its pipeline 'gone' no longer exists: edit the recurring run to run another pipeline, or delete it.",
  );
  expect(fails(recurringRun({ pipeline_id: empty }))).toBe(
    `its pipeline '${empty}' has no version left: upload a version of it.`,
  );
});
