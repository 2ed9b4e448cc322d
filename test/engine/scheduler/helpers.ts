/**
 * Helpers of the scheduler tests: an engine on a {@link FakeClock} (days of schedule pass in
 * milliseconds) with a {@link FakeLauncher} whose runs end when the test says, that can be
 * stopped and started again on the same data directory; and the recurring-run calls the tests
 * make through the HTTP API (every answer checked against the swagger).
 */
import * as fs from 'node:fs';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import type { EngineOptions } from '../../../kernel-lib/src/engine';
import { FakeClock } from '../../../kernel-lib/src/engine/schedule';
import {
  FakeLauncher,
  nodePipeline,
  startTestEngine,
  tempDir,
  type Api,
  type TestEngine,
} from '../api/helpers';

export const RECURRING = '/apis/v2beta1/recurringruns';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A recurring run as the tests read it. */
export interface RecurringRun {
  recurring_run_id: string;
  display_name: string;
  status: 'ENABLED' | 'DISABLED';
  mode: 'ENABLE' | 'DISABLE';
  max_concurrency: string;
  trigger: Record<string, Record<string, string>>;
  next_fire_time?: string;
  consecutive_failures?: number;
  max_consecutive_failures?: number;
  disabled_reason?: string;
  last_run?: { run_id: string; state: string; scheduled_at: string };
  runtime_config?: { parameters?: Record<string, unknown> };
  pipeline_version_reference?: { pipeline_id?: string; pipeline_version_id?: string };
}

/** A run of a recurring run, as the tests read it. */
export interface ScheduledRun {
  run_id: string;
  display_name: string;
  state: string;
  scheduled_at: string;
  created_at: string;
  recurring_run_id: string;
  error?: { code: number; message: string };
  runtime_config?: { parameters?: Record<string, unknown> };
  pipeline_version_reference?: { pipeline_id?: string; pipeline_version_id?: string };
}

/** A pipeline with two string parameters and an integer one, its task a no-op. */
export function paramSpec(name = 'scheduled'): PipelineSpec {
  return nodePipeline(
    name,
    { work: { script: '' } },
    {
      parameters: {
        when: { parameterType: 'STRING', isOptional: true, defaultValue: '' },
        note: { parameterType: 'STRING', isOptional: true, defaultValue: '' },
        epochs: { parameterType: 'NUMBER_INTEGER', isOptional: true, defaultValue: 1 },
      },
    },
  );
}

/** An engine on a fake clock whose data outlives a restart. */
export class ClockedEngine {
  launcher = new FakeLauncher();
  private current: TestEngine | undefined;

  private constructor(
    readonly clock: FakeClock,
    readonly dataDir: string,
    private readonly options: Partial<EngineOptions>,
  ) {}

  /** Starts an engine at `start` (a fake time), in a fresh data directory. */
  static async start(start: string, options: Partial<EngineOptions> = {}): Promise<ClockedEngine> {
    const engine = new ClockedEngine(new FakeClock(new Date(start)), tempDir(), options);
    await engine.up();
    return engine;
  }

  get api(): Api {
    if (this.current === undefined) throw new Error('the engine is down');
    return this.current.api;
  }

  /** Starts the engine on the same data directory, with a new launcher. */
  async up(): Promise<void> {
    this.launcher = new FakeLauncher();
    this.current = await startTestEngine({
      ...this.options,
      dataDir: this.dataDir,
      clock: this.clock,
      launcher: this.launcher,
    });
    await this.settle();
  }

  /** Stops the engine (runs going on are stopped, as at a shutdown). */
  async down(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  /** Stops it and removes its data. */
  async dispose(): Promise<void> {
    await this.down();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Moves the fake clock on (timers fire on the way), letting the engine react. */
  async advance(ms: number): Promise<void> {
    await this.clock.advanceAsync(ms);
    await this.settle();
  }

  /** Moves the fake clock to an instant. */
  async advanceTo(at: string): Promise<void> {
    await this.advance(Math.max(0, Date.parse(at) - this.clock.now().getTime()));
  }

  /** Lets run ends, re-plans and launches that are under way finish. */
  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) await this.clock.advanceAsync(0);
  }

  /** Ends every run still going, in launch order; returns how many. */
  async finishAll(state: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED'): Promise<number> {
    const active = this.launcher.active();
    for (const run of active) run.finish(state);
    await this.settle();
    return active.length;
  }

  /** Creates a recurring run (the spec inline unless a pipeline is named); returns it. */
  async create(body: Record<string, unknown>): Promise<RecurringRun> {
    const res = await this.api.post<RecurringRun>(RECURRING, {
      display_name: 'nightly',
      ...(body.pipeline_version_reference === undefined ? { pipeline_spec: paramSpec() } : {}),
      ...body,
    });
    if (res.status !== 200) throw new Error(`create failed: ${res.status} ${res.text}`);
    await this.settle();
    return res.body;
  }

  async get(id: string): Promise<RecurringRun> {
    const res = await this.api.get<RecurringRun>(`${RECURRING}/${id}`);
    if (res.status !== 200) throw new Error(`get failed: ${res.status} ${res.text}`);
    return res.body;
  }

  /** Enables or disables a recurring run. */
  async set(id: string, verb: 'enable' | 'disable'): Promise<void> {
    const res = await this.api.post(`${RECURRING}/${id}:${verb}`);
    if (res.status !== 200) throw new Error(`${verb} failed: ${res.status} ${res.text}`);
    await this.settle();
  }

  /** Every run of a recurring run, oldest scheduled time first. */
  async runsOf(id: string): Promise<ScheduledRun[]> {
    const runs: ScheduledRun[] = [];
    let token = '';
    do {
      const res = await this.api.get<{ runs?: ScheduledRun[]; next_page_token?: string }>(
        '/apis/v2beta1/runs',
        {
          filter: JSON.stringify({
            predicates: [{ key: 'recurring_run_id', operation: 'EQUALS', string_value: id }],
          }),
          sort_by: 'scheduled_at',
          page_size: '200',
          ...(token !== '' ? { page_token: token } : {}),
        },
      );
      runs.push(...(res.body.runs ?? []));
      token = res.body.next_page_token ?? '';
    } while (token !== '');
    return runs;
  }

  /** The scheduled times of a recurring run's runs, as ISO strings. */
  async scheduledTimes(id: string): Promise<string[]> {
    return (await this.runsOf(id)).map((r) => new Date(r.scheduled_at).toISOString());
  }
}

/** ISO times from `first`, every `stepMs`, `count` of them. */
export function times(first: string, stepMs: number, count: number): string[] {
  const start = Date.parse(first);
  return Array.from({ length: count }, (_, i) => new Date(start + i * stepMs).toISOString());
}
