/**
 * Optional auto-disable of a recurring run whose runs keep failing (a Pipelab addition; KFP has
 * none): with `maxConsecutiveFailures` set, the scheduler disables the schedule after that many
 * failed runs in a row and records the reason, which the UI shows next to the schedule. Without
 * it, nothing is ever disabled.
 *
 * A succeeded run resets the count; a canceled or skipped run (someone stopped it, or there was
 * nothing to do) leaves it as it was.
 */
import { InvalidTriggerError } from './errors';

/** A run's final state, as KFP's `V2beta1RuntimeState` names it. */
export type RunFinalState = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'SKIPPED' | (string & {});

/** A schedule's failure count and a run that just finished. */
export interface RunOutcomeInput {
  /** The schedule's count of failed runs in a row before this one. */
  readonly consecutiveFailures: number;
  /** The finished run's state. */
  readonly state: RunFinalState;
  /** The finished run's id, named in the reason. */
  readonly runId?: string;
  /**
   * Disable the schedule after this many failed runs in a row (a whole number >= 1).
   * @default undefined (never disable)
   */
  readonly maxConsecutiveFailures?: number;
}

/** The count to record, and whether to disable the schedule now. */
export interface RunOutcomeDecision {
  readonly consecutiveFailures: number;
  /** Disable the recurring run now. */
  readonly disable: boolean;
  /** Why, for the UI and the log; set when `disable` is true. */
  readonly reason: string | undefined;
}

/** Updates a schedule's consecutive-failure count after one of its runs finished. */
export function recordRunOutcome(input: RunOutcomeInput): RunOutcomeDecision {
  const limit = input.maxConsecutiveFailures;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new InvalidTriggerError(
      `maxConsecutiveFailures must be a whole number >= 1, or left out to never disable; ` +
        `got ${String(limit)}.`,
      { field: 'maxConsecutiveFailures' },
    );
  }
  const before = Math.max(0, Math.floor(input.consecutiveFailures));
  let count = before;
  if (input.state === 'SUCCEEDED') count = 0;
  else if (input.state === 'FAILED') count = before + 1;
  const disable = input.state === 'FAILED' && limit !== undefined && count >= limit;
  const last = input.runId === undefined ? '' : ` (the last: run ${input.runId})`;
  return {
    consecutiveFailures: count,
    disable,
    reason: disable
      ? `Disabled after ${count} failed run${count === 1 ? '' : 's'} in a row${last}. Fix the ` +
        `pipeline or its inputs, then enable the recurring run again.`
      : undefined,
  };
}
