/**
 * The swagger itself as a contract: it compiles to schemas, and every one of its operations is
 * answered by the engine — implemented, or refused with a documented `{code, message, details}`
 * — never with "no such route".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShared, repoRoot } from '../support/shared';
import { FakeLauncher, startTestEngine, type TestEngine } from '../engine/api/helpers';
import { PIPELAB_ADDITIONS, SwaggerContract } from './swagger';

/** Operations the engine answers with 501 UNIMPLEMENTED (see API.md). */
const UNIMPLEMENTED = new Set([
  'AuthService_Authorize',
  'DummyFilterService_GetFilter',
  'ReportService_ReportWorkflow',
  'ReportService_ReportScheduledWorkflow',
  'VisualizationService_CreateVisualizationV1',
  'PipelineService_UpdatePipeline',
  'PipelineService_UpdatePipelineVersion',
]);

describeShared('contract: the v2beta1 swagger', (shared) => {
  const contract = new SwaggerContract(
    path.join(shared, 'kfp', 'swagger_v2beta1', 'kfp_api_single_file.swagger.json'),
  );
  let t: TestEngine;

  beforeAll(async () => {
    t = await startTestEngine({ launcher: new FakeLauncher() });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the operations of every service', () => {
    const ids = contract.operations.map((op) => op.operationId);
    expect(ids).toHaveLength(40);
    expect(ids).toEqual(
      expect.arrayContaining([
        'RunService_CreateRun',
        'UploadPipeline',
        'PipelineService_GetPipelineByName',
      ]),
    );
  });

  it('answers every operation: implemented, or a documented 501', async () => {
    for (const op of contract.operations) {
      const url = op.template.replace(/\{[^}]+\}/g, 'made-up-id');
      const res = await t.api.request(
        op.method,
        url,
        op.method === 'POST' || op.method === 'PATCH' ? { json: {} } : {},
      );
      const body = res.body as { code?: number; details?: { reason?: string }[] };
      expect(JSON.stringify(body.details ?? []), `${op.operationId}`).not.toContain(
        'ROUTE_NOT_FOUND',
      );
      if (UNIMPLEMENTED.has(op.operationId)) {
        expect(res.status, op.operationId).toBe(501);
        expect(body.code).toBe(12);
      } else {
        expect([200, 400, 404], `${op.operationId} → ${res.status} ${res.text}`).toContain(
          res.status,
        );
      }
    }
  });

  it('allows the documented Pipelab additions, and no other field', () => {
    const api = fs.readFileSync(
      path.join(repoRoot, 'kernel-lib', 'src', 'engine', 'API.md'),
      'utf8',
    );
    const additions = api.slice(api.indexOf('## Additions'));
    for (const [message, fields] of Object.entries(PIPELAB_ADDITIONS)) {
      for (const field of Object.keys(fields)) {
        expect(additions, `${message}.${field} is documented`).toMatch(
          new RegExp(`\`([a-z_]+\\.)*${field}\``),
        );
      }
    }
    const get = contract.operations.find(
      (op) => op.operationId === 'RecurringRunService_GetRecurringRun',
    );
    expect(get).toBeDefined();
    if (get === undefined) return;
    const base = { recurring_run_id: 'x', max_concurrency: '1', status: 'ENABLED' };
    expect(
      contract.check(get, 200, {
        ...base,
        trigger: { cron_schedule: { cron: '0 0 3 * * *', time_zone: 'America/Chicago' } },
        next_fire_time: '2026-03-08T09:00:00Z',
        last_run: { run_id: 'r', state: 'SUCCEEDED', scheduled_at: '2026-03-07T09:00:00Z' },
        max_consecutive_failures: 3,
        consecutive_failures: 1,
      }),
    ).toEqual([]);
    expect(contract.check(get, 200, { ...base, next_run: 'x' })).not.toEqual([]);
    expect(
      contract.check(get, 200, { ...base, trigger: { periodic_schedule: { time_zone: 'UTC' } } }),
    ).not.toEqual([]);
    expect(
      contract.check(get, 200, {
        ...base,
        last_run: { run_id: 'r', state: 'DONE', scheduled_at: 'x' },
      }),
    ).not.toEqual([]);
  });

  it('rejects bodies that break the schema (the checker itself works)', () => {
    const getRun = contract.operations.find((op) => op.operationId === 'RunService_GetRun');
    expect(getRun).toBeDefined();
    if (getRun === undefined) return;
    expect(contract.check(getRun, 200, { run_id: 'x', state: 'RUNNING' })).toEqual([]);
    expect(contract.check(getRun, 200, { run_id: 'x', state: 'DONE' })).not.toEqual([]);
    expect(contract.check(getRun, 200, { runId: 'x' })).not.toEqual([]);
    expect(contract.check(getRun, 200, { run_details: { pipeline_context_id: '12' } })).toEqual([]);
    expect(contract.check(getRun, 200, { run_details: { pipeline_context_id: 12 } })).toEqual([]);
    expect(contract.check(getRun, 404, { code: 5, message: 'x', details: [] })).toEqual([]);
    expect(contract.check(getRun, 404, { error: 'x' })).not.toEqual([]);
  });
});
