/**
 * `pipelab schedule …`, in-process, against the embedded engine on a fake clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../kernel-lib/src/client/cli-commands';
import { scheduleCommand } from '../../kernel-lib/src/client/cli-schedule';
import { writePipelinePackage } from '../../kernel-lib/src/compiler/package';
import { FakeClock } from '../../kernel-lib/src/engine/schedule';
import { FakeLauncher, startTestEngine, type TestEngine } from '../engine/api/helpers';
import { tinySpec } from './support/fixtures';

interface Captured extends CliIo {
  out: string;
  err: string;
}

let t: TestEngine;
let dir: string;
let pipelineFile: string;

function io(): Captured {
  const captured: Captured = {
    out: '',
    err: '',
    stdout: { write: (text: string) => (captured.out += text) },
    stderr: { write: (text: string) => (captured.err += text) },
    env: { PIPELAB_HOME: path.join(dir, 'home') },
  };
  return captured;
}

/** Runs `pipelab schedule <args>` against the test engine. */
async function schedule(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = io();
  const [command = '', ...rest] = args;
  const code = await scheduleCommand(
    [command, ...rest, '--endpoint', t.engine.url, '--data-dir', t.dataDir],
    captured,
  );
  return { code, out: captured.out, err: captured.err };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pipelab-cli-schedule-'));
  pipelineFile = path.join(dir, 'tiny.yaml');
  await writePipelinePackage(tinySpec(), pipelineFile);
  t = await startTestEngine({
    launcher: new FakeLauncher(),
    clock: new FakeClock(new Date('2026-03-06T12:00:00Z')),
  });
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pipelab schedule', () => {
  it('creates from a compiled file, lists, gets, previews, edits, disables, enables and deletes', async () => {
    const created = await schedule(
      'create',
      pipelineFile,
      '--name',
      'nightly',
      '--cron',
      '0 0 3 * * *',
      '--time-zone',
      'America/Chicago',
      '--param',
      'who=[[ScheduledTime.2006-01-02]]',
      '--param',
      'times=3',
      '--max-concurrency',
      '2',
      '--no-catchup',
      '--max-failures',
      '3',
      '--experiment',
      'cli',
    );
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(
      /^recurring run (\S+) created \(nightly\): cron 0 0 3 \* \* \* \(America\/Chicago\), enabled, next run 2026-03-07T09:00:00Z\n$/,
    );
    const id = /recurring run (\S+) created/.exec(created.out)?.[1] ?? '';

    const list = await schedule('list');
    expect(list.out).toMatch(/RECURRING RUN ID\s+STATUS\s+TRIGGER\s+NEXT RUN\s+LAST RUN\s+NAME/);
    expect(list.out).toContain(id);

    const got = await schedule('get', id);
    expect(got.out).toContain('status:          ENABLED');
    expect(got.out).toContain('catch-up:        latest missed time only');
    expect(got.out).toContain('auto-disable:    after 3 failed runs in a row (0 so far)');
    expect(got.out).toContain('times = 3');
    const json = JSON.parse((await schedule('get', id, '--json')).out) as {
      max_concurrency: string;
    };
    expect(json.max_concurrency).toBe('2');

    const preview = await schedule('preview', id, '--count', '2', '--json');
    expect(JSON.parse(preview.out)).toEqual([
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
    ]);

    const updated = await schedule(
      'update',
      id,
      '--every',
      '30m',
      '--param',
      'times=4',
      '--catchup',
    );
    expect(updated.err).toBe('');
    expect(updated.out).toMatch(/updated: every 30m, enabled, next run 2026-03-06T12:30:00Z/);
    const after = JSON.parse((await schedule('get', id, '--json')).out) as {
      runtime_config: { parameters: Record<string, unknown> };
      no_catchup?: boolean;
    };
    expect(after.runtime_config.parameters).toEqual({
      who: '[[ScheduledTime.2006-01-02]]',
      times: 4,
    });
    expect(after.no_catchup).toBeUndefined();

    expect((await schedule('disable', id)).out).toBe(`recurring run ${id} disabled\n`);
    expect((await schedule('get', id)).out).toContain('next run:        -');
    expect((await schedule('enable', id)).out).toBe(`recurring run ${id} enabled\n`);
    expect((await schedule('delete', id)).out).toBe(`recurring run ${id} deleted\n`);
    const gone = await schedule('get', id);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/not found/);
  });

  it('schedules an uploaded pipeline by id, and previews a trigger', async () => {
    const upload = await t.api.upload<{ pipeline_id: string }>(
      '/apis/v2beta1/pipelines/upload',
      { name: 'tiny.yaml', content: JSON.stringify(tinySpec()) },
      { name: 'tiny-cli' },
    );
    const created = await schedule(
      'create',
      '--pipeline-id',
      upload.body.pipeline_id,
      '--name',
      'hourly',
      '--every',
      '1h',
      '--disabled',
    );
    expect(created.out).toMatch(/created \(hourly\): every 1h, disabled\n/);
    const preview = await schedule(
      'preview',
      '--cron',
      '0 0 3 * * *',
      '--time-zone',
      'America/Chicago',
      '--from',
      '2026-03-07T00:00:00Z',
      '--count',
      '2',
    );
    expect(preview.out).toMatch(
      /^2026-03-07T09:00:00Z {2}\(.*CST\)\n2026-03-08T08:00:00Z {2}\(.*CDT\)\n$/,
    );
  });

  it('explains wrong usage (exit 2) and refused schedules (exit 1)', async () => {
    const noTrigger = await schedule('create', pipelineFile, '--name', 'x');
    expect(noTrigger.code).toBe(2);
    expect(noTrigger.err).toMatch(/needs a trigger: --cron '0 0 3 \* \* \*' or --every 1h/);
    const both = await schedule(
      'create',
      pipelineFile,
      '--name',
      'x',
      '--cron',
      '@daily',
      '--every',
      '1h',
    );
    expect(both.code).toBe(2);
    const fiveFields = await schedule('create', pipelineFile, '--name', 'x', '--cron', '0 3 * * *');
    expect(fiveFields.code).toBe(1);
    expect(fiveFields.err).toMatch(/seconds field first: write '0 0 3 \* \* \*'/);
    const badParam = await schedule(
      'create',
      pipelineFile,
      '--name',
      'x',
      '--every',
      '1h',
      '--param',
      'nope=1',
    );
    expect(badParam.code).toBe(2);
    expect(badParam.err).toMatch(/has no parameter 'nope'/);
    const unknown = await schedule('reschedule');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Usage: pipelab schedule');
    const help = await schedule('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('preview (<trigger> | <id>)');
  });
});
