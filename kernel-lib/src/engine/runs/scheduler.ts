/**
 * The scheduler of recurring runs: it watches every enabled recurring run, sleeps on the
 * engine's clock until the earliest fire time, and then starts the runs KFP's ScheduledWorkflow
 * controller would ({@link planCatchup}: catch-up on or off, never more than `max_concurrency`
 * active runs of a schedule).
 *
 * - **Idempotent**: the runs of a tick and the moved cursors (`last_fire_at`, `last_index`) are
 *   committed in one transaction, and SQLite's unique index on (recurring_run_id, scheduled_at)
 *   refuses a second run for the same scheduled time — whatever double ticks, second engines on
 *   the same database or restarts happen. A refused run is simply skipped.
 * - **Restart-safe**: everything it needs is in SQLite; on start it reads every enabled
 *   recurring run and carries on from its cursor with the same rules (a catch-up that was under
 *   way goes on).
 * - **Re-planning**: edits, enables and disables (through {@link Scheduler.refresh}) and the end
 *   of a run of a schedule that was waiting for a free slot make it look again at once.
 * - **One timer**: at the earliest fire time of all; none when nothing is due to fire (the real
 *   clock's timers look at the wall clock every minute, so a laptop that slept catches up soon
 *   after it wakes).
 * - Runs the engine itself stopped (at shutdown or a restart: code ABORTED) do not count as
 *   failures for `max_consecutive_failures`.
 */
import { randomUUID } from 'node:crypto';
import type { PipelineSpec } from '../../compiler/spec';
import type { JsonValue } from '../../dsl/types';
import { GrpcCode } from '../errors';
import { messageOf } from '../runner/errors';
import { recordRunOutcome } from '../schedule/auto-disable';
import { planCatchup, type CatchupPlan, type PlannedRun } from '../schedule/catchup';
import type { Clock, TimerHandle } from '../schedule/clock';
import { DEFAULT_TIME_ZONE } from '../schedule/timezone';
import {
  latestFireTime,
  nextFireTime,
  validateTrigger,
  type ResolvedTrigger,
  type Trigger,
} from '../schedule/trigger';
import type { Store } from '../store';
import { isUniqueViolation } from '../store/database';
import type { RecurringRunRow } from '../store/recurring-runs';
import type { RunRow } from '../store/runs';
import {
  FireSources,
  fireParameters,
  scheduledRunName,
  type FireSource,
  type StoredRuntimeConfig,
} from './fire';
import type { RunEnded, RunManager } from './manager';

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  readonly store: Store;
  readonly runs: RunManager;
  readonly clock: Clock;
  /** Reports problems no client can be told about. */
  readonly log: (message: string) => void;
}

/** What the scheduler knows of one enabled recurring run between ticks. */
interface Watched {
  /** Its next fire time (ms), or undefined when it will not fire again (past end_time). */
  next: number | undefined;
  /** Fire times are due but every `max_concurrency` slot is taken: wait for a run to end. */
  blocked: boolean;
}

/** A run stored by a tick, started once the tick has committed. */
interface Staged {
  readonly row: RunRow;
  readonly source: FireSource | undefined;
  readonly parameters: Record<string, JsonValue>;
  /** Why the run cannot start (its pipeline is gone), when it cannot. */
  readonly error: string | undefined;
}

/** How long after a tick failed to store its runs it is tried again. */
const RETRY_DELAY_MS = 1000;

export class Scheduler {
  private readonly watched = new Map<string, Watched>();
  /** Recurring runs to read again from the database before the next plan. */
  private readonly dirty = new Set<string>();
  /**
   * Recurring runs whose tick failed to store its runs: left alone until {@link retryAt}, then
   * read again and tried once more (rather than at once, over and over, while the failure lasts).
   */
  private readonly retry = new Set<string>();
  private retryAt: number | undefined;
  private readonly triggers = new Map<string, { text: string; trigger: ResolvedTrigger }>();
  private readonly sources: FireSources;
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;

  constructor(private readonly options: SchedulerOptions) {
    this.sources = new FireSources(options.store);
  }

  private get store(): Store {
    return this.options.store;
  }

  /** Reads every enabled recurring run and starts watching the clock. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.retry.clear();
    this.retryAt = undefined;
    for (const row of this.store.recurringRuns.enabled()) this.dirty.add(row.id);
    this.tick();
  }

  /** Stops: no more timers, and run ends are no longer counted. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  /** A recurring run was created, edited, enabled, disabled or deleted: plan it again now. */
  refresh(id: string): void {
    this.retry.delete(id);
    this.dirty.add(id);
    this.soon();
  }

  /** The resolved trigger of a recurring run, parsed once per trigger text. */
  triggerOf(row: RecurringRunRow): ResolvedTrigger {
    const known = this.triggers.get(row.id);
    if (known !== undefined && known.text === row.trigger) return known.trigger;
    const trigger = validateTrigger(JSON.parse(row.trigger) as Trigger);
    this.triggers.set(row.id, { text: row.trigger, trigger });
    return trigger;
  }

  /**
   * When a recurring run fires next: undefined when it is disabled or will not fire again. A
   * time in the past means it is due and waits for one of its runs to end.
   */
  nextFireTime(row: RecurringRunRow): Date | undefined {
    if (row.mode !== 'ENABLE') return undefined;
    const trigger = this.triggerOf(row);
    const anchor = new Date(row.anchor_at);
    const after =
      row.last_fire_at !== null ? new Date(row.last_fire_at) : (trigger.startTime ?? anchor);
    const next = nextFireTime(trigger, after, { anchor });
    const now = this.options.clock.now();
    if (row.no_catchup === 1 && next !== undefined && next.getTime() < now.getTime()) {
      // Behind schedule without catch-up: the latest missed time is the one that runs.
      return latestFireTime(trigger, { anchor, after, until: now }) ?? next;
    }
    return next;
  }

  /** Told by the run manager when a run ends: counts failures, frees the schedule's slot. */
  onRunEnded(ended: RunEnded): void {
    const id = ended.recurringRunId;
    if (!this.running || id === null) return;
    if (ended.state !== undefined && ended.error?.code !== GrpcCode.ABORTED) {
      try {
        if (this.countOutcome(id, ended)) return;
      } catch (error) {
        this.options.log(`could not count the end of run ${ended.runId}: ${messageOf(error)}`);
      }
    }
    if (this.watched.get(id)?.blocked === true) this.refresh(id);
  }

  /** Records a run's outcome on its schedule; true when that disabled the schedule. */
  private countOutcome(id: string, ended: RunEnded): boolean {
    const row = this.store.recurringRuns.get(id);
    if (row === undefined || ended.state === undefined) return false;
    const decision = recordRunOutcome({
      consecutiveFailures: row.consecutive_failures,
      state: ended.state,
      runId: ended.runId,
      ...(row.max_consecutive_failures !== null
        ? { maxConsecutiveFailures: row.max_consecutive_failures }
        : {}),
    });
    const disable = decision.disable && row.mode === 'ENABLE';
    if (decision.consecutiveFailures === row.consecutive_failures && !disable) return false;
    const now = this.options.clock.now().getTime();
    this.store.db.transaction(() => {
      if (decision.consecutiveFailures !== row.consecutive_failures) {
        this.store.recurringRuns.setConsecutiveFailures(id, decision.consecutiveFailures);
      }
      if (disable) this.store.recurringRuns.disable(id, decision.reason ?? 'disabled', now);
    })();
    if (disable) {
      this.options.log(`recurring run ${id} (${row.display_name}): ${decision.reason ?? ''}`);
      this.refresh(id);
      return true;
    }
    return false;
  }

  private soon(): void {
    if (!this.running || this.immediate !== undefined) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.tick();
    });
  }

  /** Reads a recurring run again: watched when enabled, its next fire time from its cursor. */
  private reload(id: string): void {
    const row = this.store.recurringRuns.get(id);
    if (row === undefined || row.mode !== 'ENABLE') {
      this.watched.delete(id);
      this.triggers.delete(id);
      return;
    }
    try {
      this.watched.set(id, { next: this.nextFireTime(row)?.getTime(), blocked: false });
    } catch (error) {
      this.watched.delete(id);
      this.options.log(`recurring run ${id} cannot be scheduled: ${messageOf(error)}`);
    }
  }

  /**
   * Starts every run that is due now. Public so that tests can tick twice at the same instant: the
   * second tick starts nothing.
   */
  tick(): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = undefined;
    const now = this.options.clock.now();
    if (this.retryAt !== undefined && this.retryAt <= now.getTime()) {
      for (const id of this.retry) this.dirty.add(id);
      this.retry.clear();
      this.retryAt = undefined;
    }
    for (const id of this.dirty) this.reload(id);
    this.dirty.clear();
    const due: string[] = [];
    for (const [id, w] of this.watched) {
      if (this.retry.has(id)) continue;
      if (!w.blocked && w.next !== undefined && w.next <= now.getTime()) due.push(id);
    }
    if (due.length > 0) {
      const staged: Staged[] = [];
      let stored = true;
      try {
        this.store.db.transaction(() => {
          const active = this.store.runs.activeByRecurringRun();
          // Most of them due (a common fire time): one scan beats a lookup per id.
          const rows =
            due.length * 2 >= this.watched.size
              ? new Map(this.store.recurringRuns.enabled().map((row) => [row.id, row]))
              : this.store.recurringRuns.getMany(due);
          for (const id of due) this.planOne(id, rows.get(id), now, active, staged);
        })();
      } catch (error) {
        // Nothing was stored (and what the plans noted in memory is stale): read them again and
        // retry in a second — not before, or a lasting failure would tick in a tight loop.
        this.options.log(`the scheduler could not store its runs: ${messageOf(error)}`);
        for (const id of due) this.retry.add(id);
        this.retryAt = now.getTime() + RETRY_DELAY_MS;
        stored = false;
      }
      if (stored) this.startAll(staged);
    }
    this.arm();
  }

  /**
   * Launches the runs a tick stored. In one transaction: the states launchers report at once
   * (RUNNING, or a failure to start) are written together rather than one commit each.
   */
  private startAll(staged: readonly Staged[]): void {
    const launch = (): void => {
      for (const s of staged) {
        if (s.source === undefined) {
          this.options.runs.failToStart(
            s.row,
            `the recurring run could not start this run: ${s.error ?? 'its pipeline is missing'}`,
          );
        } else {
          this.options.runs.start(s.row, s.source.spec, s.parameters);
        }
      }
    };
    try {
      this.store.db.transaction(launch)();
    } catch (error) {
      this.options.log(`the scheduler could not record the start of its runs: ${messageOf(error)}`);
    }
  }

  /** Plans one due recurring run, within the tick's transaction. */
  private planOne(
    id: string,
    row: RecurringRunRow | undefined,
    now: Date,
    active: Map<string, number>,
    staged: Staged[],
  ): void {
    if (row === undefined || row.mode !== 'ENABLE') {
      this.watched.delete(id);
      return;
    }
    const activeRuns = active.get(id) ?? 0;
    let plan: CatchupPlan;
    try {
      plan = planCatchup({
        trigger: this.triggerOf(row),
        anchor: new Date(row.anchor_at),
        ...(row.last_fire_at !== null ? { lastFireTime: new Date(row.last_fire_at) } : {}),
        lastIndex: row.last_index,
        now,
        noCatchup: row.no_catchup === 1,
        maxConcurrency: row.max_concurrency,
        activeRuns,
      });
    } catch (error) {
      // Nothing is written yet: leave this one out until it is edited, and go on with the others.
      this.watched.delete(id);
      this.options.log(`recurring run ${id} cannot be scheduled: ${messageOf(error)}`);
      return;
    }
    // From here on, a failure (other than a refused duplicate) fails the whole tick, which is
    // rolled back and tried again: never a run without its cursor, nor a cursor without its run.
    const mark = staged.length;
    for (const planned of plan.runs) this.fire(row, planned, now, staged);
    if (plan.runs.length > 0 && plan.lastFireTime !== undefined) {
      this.store.recurringRuns.advance(id, plan.lastFireTime.getTime(), plan.lastIndex);
    }
    active.set(id, activeRuns + (staged.length - mark));
    this.watched.set(id, { next: plan.nextFireTime?.getTime(), blocked: plan.blocked });
  }

  /** Stores the run of one planned fire (skipped when that scheduled time already has one). */
  private fire(row: RecurringRunRow, planned: PlannedRun, now: Date, staged: Staged[]): void {
    const runId = randomUUID();
    const config = JSON.parse(row.runtime_config) as StoredRuntimeConfig;
    const trigger = this.triggerOf(row);
    const parameters = fireParameters(config, {
      scheduledTime: planned.scheduledTime,
      currentTime: now,
      index: planned.index,
      runId,
      timeZone: trigger.kind === 'cron' ? trigger.timeZone : DEFAULT_TIME_ZONE,
    });
    let source: FireSource | undefined;
    let error: string | undefined;
    try {
      source = this.sources.resolve(row);
    } catch (e) {
      error = messageOf(e);
    }
    try {
      // The insert is its own savepoint: a refused run leaves nothing behind.
      const stored = this.options.runs.stage({
        id: runId,
        display_name: scheduledRunName(row.display_name, planned.index),
        description: '',
        experiment_id: row.experiment_id,
        pipeline_id: source?.pipelineId ?? row.pipeline_id,
        pipeline_version_id: source?.versionId ?? row.pipeline_version_id,
        spec: source?.spec ?? ({} as PipelineSpec),
        spec_text: source?.specText ?? row.pipeline_spec ?? '{}',
        spec_inline: source?.inline ?? row.pipeline_spec !== null,
        parameters,
        pipeline_root: config.pipeline_root ?? '',
        service_account: row.service_account,
        recurring_run_id: row.id,
        scheduled_at: planned.scheduledTime.getTime(),
      });
      staged.push({ row: stored, source, parameters, error });
    } catch (e) {
      // This scheduled time has its run already (a double tick, another engine): skip it.
      if (!isUniqueViolation(e)) throw e;
    }
  }

  /**
   * Sets the timer for the earliest fire time, or the retry of a failed tick if sooner; none when
   * nothing will fire. Recurring runs waiting for their retry do not count with their fire times.
   */
  private arm(): void {
    if (!this.running) return;
    if (this.dirty.size > 0) this.soon();
    let target = this.retryAt;
    for (const [id, w] of this.watched) {
      if (this.retry.has(id)) continue;
      if (!w.blocked && w.next !== undefined && (target === undefined || w.next < target)) {
        target = w.next;
      }
    }
    if (this.timer !== undefined && this.timerAt === target) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = target;
    if (target === undefined) return;
    this.timer = this.options.clock.setTimer(new Date(target), () => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.tick();
    });
  }
}
